"""Tensor helpers every preprocessing_fn of adapt's packages uses: one value per row, text, the label's class index."""
import tensorflow as tf


def dense_vector(x, default_value):
    """A rank-2 SparseTensor (one optional value per row) as a dense vector, empty rows filled."""
    if not isinstance(x, tf.sparse.SparseTensor):
        return tf.reshape(x, [-1])
    filled = tf.sparse.to_dense(tf.SparseTensor(x.indices, x.values, [x.dense_shape[0], 1]), default_value)
    return tf.squeeze(filled, axis=1)


def as_float(x):
    if isinstance(x, tf.sparse.SparseTensor):
        return tf.SparseTensor(x.indices, tf.cast(x.values, tf.float32), x.dense_shape)
    return tf.cast(x, tf.float32)


def as_text(x):
    if x.dtype == tf.string:
        return x
    if isinstance(x, tf.sparse.SparseTensor):
        return tf.SparseTensor(x.indices, tf.strings.as_string(x.values), x.dense_shape)
    return tf.strings.as_string(x)


def label_value(label):
    """A regression label as a float per row (validation keeps rows without one out of a span)."""
    return dense_vector(as_float(label), float("nan"))


def label_index(label, classes):
    """The position of each label value in `classes` (validation keeps values outside them out of a span)."""
    text = dense_vector(as_text(label), "")
    matches = tf.equal(tf.expand_dims(text, -1), tf.constant(list(classes)))
    return tf.argmax(tf.cast(matches, tf.int64), axis=-1)
