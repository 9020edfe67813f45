"""Trainer's run_fn for the taxi model: the wide-and-deep network or gradient-boosted trees (`model.kind`).

Numbers (miles, fare, seconds) are dense inputs; coordinates bucketized, small
integer codes and vocabularies are categorical ids (models/trainer.py).
"""
from models import trainer
from models.trainer import ModelInputs

from . import features


def category_sizes() -> dict:
    sizes = {features.transformed_name(key): features.VOCAB_SIZE + features.OOV_SIZE
             for key in features.VOCAB_FEATURE_KEYS}
    sizes.update({features.transformed_name(key): count
                  for key, count in zip(features.BUCKET_FEATURE_KEYS, features.BUCKET_FEATURE_BUCKET_COUNT)})
    sizes.update({features.transformed_name(key): count
                  for key, count in zip(features.CATEGORICAL_FEATURE_KEYS, features.CATEGORICAL_FEATURE_MAX_VALUES)})
    return sizes


def model_inputs(tf_transform_output=None) -> ModelInputs:
    # Text columns are vocabulary ids for either kind: the trees split them as categories.
    return ModelInputs(features.transformed_names(features.DENSE_FLOAT_FEATURE_KEYS), category_sizes(),
                       features.transformed_names(features.VOCAB_FEATURE_KEYS))


def run_fn(fn_args):
    """TFX Trainer entry point."""
    trainer.run(fn_args, features.LABEL_KEY, ["0", "1"], model_inputs)
