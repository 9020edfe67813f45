"""Trainer's run_fn for the tabular model: the network or the trees (`model.kind`) over the columns' roles.

numeric columns are dense inputs; bucketized and categorical ones categorical
ids, sized by their buckets or vocabulary (models/trainer.py). Two classes
get one sigmoid output (P of the second class), more a softmax; `task: regression` one linear
output, the predicted value.
"""
from models import trainer
from models.tabular.settings import NUM_BUCKETS, OOV_BUCKETS, TabularSettings, transformed_name, vocabulary_name
from models.trainer import ModelInputs


def model_inputs(settings: TabularSettings, tf_transform_output) -> ModelInputs:
    sizes = {transformed_name(name): NUM_BUCKETS for name in settings.with_role("bucketized")}
    vocabularies = [transformed_name(name) for name in settings.with_role("categorical")]
    for name in settings.with_role("categorical"):
        sizes[transformed_name(name)] = tf_transform_output.vocabulary_size_by_name(vocabulary_name(name)) + OOV_BUCKETS
    return ModelInputs([transformed_name(name) for name in settings.with_role("numeric")], sizes, vocabularies)


def run_fn(fn_args):
    """TFX Trainer entry point."""
    settings = TabularSettings.from_custom_config(fn_args.custom_config or {})
    trainer.run(fn_args, settings.label, settings.classes, lambda output: model_inputs(settings, output),
                regression=settings.regression)
