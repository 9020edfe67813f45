"""Transform's preprocessing_fn for the tabular model: each column as its role in adapt.yaml says.

numeric      missing values take the column's mean, then z-score;
bucketized   missing values take the mean, then quantile buckets (NUM_BUCKETS);
categorical  text (integer codes as their digits) through a vocabulary of the VOCABULARY_SIZE most
             frequent values plus OOV_BUCKETS for the rest; a missing value is a category of its own;
label        the index of its class in `classes` (the order adapt init fixed); for `task: regression`
             its value as a float.
With `kind: gbt` numeric and bucketized columns stay raw numbers (missing: NaN), as trees want them.
"""
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
from models.tensors import as_float, as_text, dense_vector, label_index, label_value


def preprocessing_fn(inputs, custom_config):
    settings = TabularSettings.from_custom_config(custom_config)
    outputs = {}
    for name in settings.with_role("numeric") + settings.with_role("bucketized"):
        if settings.kind == gradient_boosted.GBT:  # trees split raw numbers and know missing values
            outputs[transformed_name(name)] = gradient_boosted.raw_number(inputs[name])
            continue
        value = as_float(inputs[name])
        dense = dense_vector(value, tft.mean(value))
        if settings.features[name] == "numeric":
            outputs[transformed_name(name)] = tft.scale_to_z_score(dense)
        else:
            outputs[transformed_name(name)] = tft.bucketize(dense, NUM_BUCKETS)
    for name in settings.with_role("categorical"):
        outputs[transformed_name(name)] = tft.compute_and_apply_vocabulary(
            dense_vector(as_text(inputs[name]), ""), top_k=VOCABULARY_SIZE, num_oov_buckets=OOV_BUCKETS,
            vocab_filename=vocabulary_name(name))
    if settings.label in inputs:
        label = inputs[settings.label]
        outputs[transformed_name(settings.label)] = (label_value(label) if settings.regression
                                                     else label_index(label, settings.classes))
    return outputs
