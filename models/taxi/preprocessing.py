"""Transform's preprocessing_fn for the taxi model (runs once over the training window)."""
import tensorflow as tf
import tensorflow_transform as tft

from models import gradient_boosted

from . import features


def fill_in_missing(x):
    """Densifies a rank-2 SparseTensor, filling missing values with '' or 0."""
    if not isinstance(x, tf.sparse.SparseTensor):
        return x
    default_value = "" if x.dtype == tf.string else 0
    dense = tf.sparse.to_dense(tf.SparseTensor(x.indices, x.values, [x.dense_shape[0], 1]), default_value)
    return tf.squeeze(dense, axis=1)


def preprocessing_fn(inputs, custom_config=None):
    """Maps raw features to the model's inputs; the label passes through as int64.

    For trees (`kind: gbt`) numbers stay as they are, missing values NaN; text becomes vocabulary ids.
    """
    if (custom_config or {}).get("kind") == gradient_boosted.GBT:
        return for_trees(inputs)
    outputs = {}
    for key in features.DENSE_FLOAT_FEATURE_KEYS:
        value = tf.cast(fill_in_missing(inputs[key]), tf.float32)
        outputs[features.transformed_name(key)] = tft.scale_to_z_score(value)

    for key in features.VOCAB_FEATURE_KEYS:
        outputs[features.transformed_name(key)] = tft.compute_and_apply_vocabulary(
            fill_in_missing(inputs[key]), top_k=features.VOCAB_SIZE, num_oov_buckets=features.OOV_SIZE)

    for key, num_buckets in zip(features.BUCKET_FEATURE_KEYS, features.BUCKET_FEATURE_BUCKET_COUNT):
        value = tf.cast(fill_in_missing(inputs[key]), tf.float32)
        outputs[features.transformed_name(key)] = tft.bucketize(value, num_buckets)

    for key, max_value in zip(features.CATEGORICAL_FEATURE_KEYS, features.CATEGORICAL_FEATURE_MAX_VALUES):
        value = tf.cast(fill_in_missing(inputs[key]), tf.int64)
        outputs[features.transformed_name(key)] = tf.clip_by_value(value, 0, max_value - 1)

    if features.LABEL_KEY in inputs:
        outputs[features.transformed_name(features.LABEL_KEY)] = tf.cast(
            fill_in_missing(inputs[features.LABEL_KEY]), tf.int64)
    return outputs


def for_trees(inputs):
    """Every column of the data, as it is: trees pick what helps (the timestamp and census tracts included)."""
    outputs = {}
    for key, value in sorted(inputs.items()):
        if key == features.LABEL_KEY:
            continue
        if value.dtype == tf.string:
            outputs[features.transformed_name(key)] = tft.compute_and_apply_vocabulary(
                fill_in_missing(value), top_k=features.VOCAB_SIZE, num_oov_buckets=features.OOV_SIZE)
        else:
            outputs[features.transformed_name(key)] = gradient_boosted.raw_number(value)
    if features.LABEL_KEY in inputs:
        outputs[features.transformed_name(features.LABEL_KEY)] = tf.cast(
            fill_in_missing(inputs[features.LABEL_KEY]), tf.int64)
    return outputs
