"""FeatureImportance component.

Consumes: `model` (Model, from Trainer) and `examples` (Examples: the holdout
the Evaluator judges on; the splits named by `splits`, every artifact of the
channel).
Emits: `importances` (adapt.FeatureImportances): report.json with
`importances` ({raw feature: share}, summing to 1), the `method`, for
permutation the holdout rows, the model's accuracy on them and the accuracy
each feature's shuffle lost, and `holdout_answers`: the distribution of the
model's answers on up to `max_rows` holdout examples (its predicted classes, or
a regression model's predicted values; core/drift/distributions.py);
custom properties `method` and `top_features`. DriftDetector weighs each
drifted feature by these shares (core/importance.py) and compares a batch's
predictions with the holdout answers (prediction drift).
Short-circuits: when the model info file already records importances (TF-DF's
SUM_SCORE for gradient-boosted trees, the image model's own), they are
recorded as they are and only the holdout answers are measured; otherwise
permutation importance on the same holdout examples, through the model's serving
signature.
"""
from typing import List, Optional

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.artifacts import FeatureImportances
from components.feature_importance import executor


class FeatureImportanceSpec(ComponentSpec):
    PARAMETERS = {
        "splits": ExecutionParameter(type=str),      # JSON list of split names to read
        "max_rows": ExecutionParameter(type=int),
    }
    INPUTS = {
        "model": ChannelParameter(type=standard_artifacts.Model),
        "examples": ChannelParameter(type=standard_artifacts.Examples),
    }
    OUTPUTS = {"importances": ChannelParameter(type=FeatureImportances)}


class FeatureImportance(base_component.BaseComponent):
    SPEC_CLASS = FeatureImportanceSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, model: types.BaseChannel, examples: types.BaseChannel,
                 splits: Optional[List[str]] = None, max_rows: int = 2000):
        import json
        super().__init__(spec=FeatureImportanceSpec(
            model=model, examples=examples, splits=json.dumps(splits or ["eval"]), max_rows=max_rows,
            importances=types.Channel(type=FeatureImportances)))
