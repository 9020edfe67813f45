"""Transform's preprocessing_fn for the tabular model: each column as its role in adapt.yaml says.

numeric      missing values take the column's mean, then z-score;
bucketized   missing values take the mean, then quantile buckets (NUM_BUCKETS);
categorical  text (integer codes as their digits) through a vocabulary of the VOCABULARY_SIZE most
             frequent values plus OOV_BUCKETS for the rest; a missing value is a category of its own;
label        the index of its class in `classes` (the order adapt init fixed).
With `kind: gbt` numeric and bucketized columns stay raw numbers (missing: NaN), as trees want them.
"""
import tensorflow as tf
import tensorflow_transform as tft

from models import gradient_boosted
from models.tabular.settings import (
    NUM_BUCKETS,
    OOV_BUCKETS,
    VOCABULARY_SIZE,
    TabularSettings,
    transformed_name,
    vocabulary_name,
)


def _dense(x, default_value):
    """A rank-2 SparseTensor (one optional value per row) as a dense vector, empty rows filled."""
    if not isinstance(x, tf.sparse.SparseTensor):
        return tf.reshape(x, [-1])
    filled = tf.sparse.to_dense(tf.SparseTensor(x.indices, x.values, [x.dense_shape[0], 1]), default_value)
    return tf.squeeze(filled, axis=1)


def _as_float(x):
    if isinstance(x, tf.sparse.SparseTensor):
        return tf.SparseTensor(x.indices, tf.cast(x.values, tf.float32), x.dense_shape)
    return tf.cast(x, tf.float32)


def _as_text(x):
    if x.dtype == tf.string:
        return x
    if isinstance(x, tf.sparse.SparseTensor):
        return tf.SparseTensor(x.indices, tf.strings.as_string(x.values), x.dense_shape)
    return tf.strings.as_string(x)


def label_index(label, classes):
    """The position of each label value in `classes` (validation keeps values outside them out of a span)."""
    text = _dense(_as_text(label), "")
    matches = tf.equal(tf.expand_dims(text, -1), tf.constant(list(classes)))
    return tf.argmax(tf.cast(matches, tf.int64), axis=-1)


def preprocessing_fn(inputs, custom_config):
    settings = TabularSettings.from_custom_config(custom_config)
    outputs = {}
    for name in settings.with_role("numeric") + settings.with_role("bucketized"):
        if settings.kind == gradient_boosted.GBT:  # trees split raw numbers and know missing values
            outputs[transformed_name(name)] = gradient_boosted.raw_number(inputs[name])
            continue
        value = _as_float(inputs[name])
        dense = _dense(value, tft.mean(value))
        if settings.features[name] == "numeric":
            outputs[transformed_name(name)] = tft.scale_to_z_score(dense)
        else:
            outputs[transformed_name(name)] = tft.bucketize(dense, NUM_BUCKETS)
    for name in settings.with_role("categorical"):
        outputs[transformed_name(name)] = tft.compute_and_apply_vocabulary(
            _dense(_as_text(inputs[name]), ""), top_k=VOCABULARY_SIZE, num_oov_buckets=OOV_BUCKETS,
            vocab_filename=vocabulary_name(name))
    if settings.label in inputs:
        outputs[transformed_name(settings.label)] = label_index(inputs[settings.label], settings.classes)
    return outputs
