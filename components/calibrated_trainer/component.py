"""CalibratedTrainer component: TFX's Trainer, whose Model artifact says how well calibrated the model is.

Consumes and emits what TFX's Trainer does (transformed examples, transform
graph, schema, optional base model -> `model`, `model_run`). The run_fn of
adapt's packages fits the model's calibration on the eval split and records it
in the model info file (models/export.py); the executor copies those figures
onto the Model artifact as custom properties (`calibrated`, `ece_before`,
`ece_after`, `calibration_rows`), so that ML Metadata answers "how far can
this model's probabilities be trusted" without opening the model. A package
that records no calibration gets no such properties. The hyperparameters the
trees grew with (a search's or a reused choice, models/tree_search.py) become
`hyperparameters` (JSON) and `hyperparameters_searched`. Never short-circuits.
"""
from tfx.components import Trainer
from tfx.dsl.components.base import executor_spec

from components.calibrated_trainer import executor


class CalibratedTrainer(Trainer):
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)
