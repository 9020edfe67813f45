"""ConfidentEvaluator component.

Consumes what TFX's Evaluator does: `examples` (the holdout), `model` (the
candidate) and, optionally, `baseline_model` (the serving model), with the
eval_config; and `confidence`, `min_gain` and `max_accuracy_drop` as parameters.
Emits: `evaluation` (ModelEvaluation) and `blessing` (ModelBlessing), as
TFX's Evaluator does, with one more rule: when a serving model is compared
and `confidence` is above 0, the candidate is blessed only if the one-sided
lower bound of its accuracy gain on the same holdout rows is above
`min_gain`: both models answer the holdout through their serving signatures
and a paired bootstrap over the rows gives the bound (core/promotion.py;
TFMA's own jackknife intervals cost minutes per run on these machines, for
every metric and slice, where this costs seconds). With confidence 0 the
gain and its bound (at core/promotion.REPORTED_CONFIDENCE) are measured and
said all the same, and TFX's blessing stands unless the gain is not above
-max_accuracy_drop (a tie, with no drop allowed). The blessing's custom
properties say the gain, its lower bound and whether it was proven;
`promotion.json` in the evaluation folder says it in words, which the
decline and push reasons repeat.
Short-circuits: without a baseline (the first model) TFX's own blessing
stands and nothing is compared.
"""
from typing import List, Optional

import tensorflow_model_analysis as tfma
from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.component_spec import ExecutionParameter
from tfx.utils import json_utils

from components.confident_evaluator import executor


class ConfidentEvaluatorSpec(standard_component_specs.EvaluatorSpec):
    PARAMETERS = {**standard_component_specs.EvaluatorSpec.PARAMETERS,
                  "confidence": ExecutionParameter(type=float, optional=True),
                  "min_gain": ExecutionParameter(type=float, optional=True),
                  "max_accuracy_drop": ExecutionParameter(type=float, optional=True)}


class ConfidentEvaluator(base_beam_component.BaseBeamComponent):
    SPEC_CLASS = ConfidentEvaluatorSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, examples: types.BaseChannel, model: types.BaseChannel,
                 baseline_model: Optional[types.BaseChannel], eval_config: tfma.EvalConfig,
                 example_splits: Optional[List[str]] = None, confidence: float = 0.0, min_gain: float = 0.0,
                 max_accuracy_drop: float = 0.0):
        super().__init__(spec=ConfidentEvaluatorSpec(
            examples=examples, model=model, baseline_model=baseline_model, eval_config=eval_config,
            example_splits=json_utils.dumps(example_splits), confidence=confidence, min_gain=min_gain,
            max_accuracy_drop=max_accuracy_drop, evaluation=types.Channel(type=standard_artifacts.ModelEvaluation),
            blessing=types.Channel(type=standard_artifacts.ModelBlessing)))
