"""Data as adapt handles it: incoming batches, immutable spans and their windows, tf.Example instances,
TFRecord files and the kept schema."""
