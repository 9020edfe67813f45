"""PerformanceEvaluator component.

Consumes: `predictions` (adapt.BatchPredictions) and `file_list`
(adapt.FileList, which says where the labels are: inline, or a labels file
added to the batch folder later).
Emits: `performance` (adapt.PerformanceReport): report.json with the
configured metrics (accuracy, auc, precision, recall, log_loss; for a
regression model mae, rmse, r2) of the serving model on the batch and the performance rule's decision: retrain when
`threshold_metric` is more than `max_drop` (relative) below `reference`, what
the same model scored on its own holdout when it was pushed, or below the
absolute `threshold` when one is set (an error metric: above them); the
report keeps the relative drop.
Properties labeled, retrain (1, 0, or -1 for no decision) and reason; each
metric also as a float custom property, so MLMD queries see it.
Runs on Beam: the prediction shards are read, joined with the labels file by
instance id (CoGroupByKey) and folded into metric counts (metrics.py), so no
process holds the whole batch. Labels are class names; a label outside the
model's classes counts as wrong.
Every batch, labeled or not, also gets the confidence-based estimate of
its accuracy (with a 3-sigma band) and AUC, from the probabilities the
model's calibration maps repaired (model.json; core/estimation.py): the
report's `estimated`, and float properties estimated_accuracy,
estimated_accuracy_low/_high, estimated_auc, estimated_calibrated. A
regression model gets its MAE (with its band) and RMSE estimated from its
error model (direct loss estimation, core/estimation.py): estimated_mae,
estimated_mae_low/_high, estimated_rmse; one exported without an error model
gets no estimate.
Short-circuits: without labels there are no realized metrics; the rule then
judges the estimate: retrain when it is more than `estimated_max_drop` worse
than `reference` and its band (accuracy's, MAE's) excludes the reference; otherwise "no
ground truth yet" and no performance decision (retrain -1). Nothing is lost,
and a later run with a labels file evaluates the batch; realized metrics are
the authority once they exist. A batch labeled on some rows only reports its
metric as the unbiased estimate from them (`label_estimator`: difference, the
model's expected loss corrected by the labeled rows' weighted residuals, or
importance, the weighted losses alone; core/labeling/estimators.py).
"""
from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.artifacts import BatchPredictions, FileList, PerformanceReport
from components.performance_evaluator import executor
from core.labeling.estimators import DEFAULT_ESTIMATOR


class PerformanceEvaluatorSpec(ComponentSpec):
    PARAMETERS = {
        "metrics": ExecutionParameter(type=str),          # JSON list
        "threshold_metric": ExecutionParameter(type=str),
        "threshold": ExecutionParameter(type=float),
        "reference": ExecutionParameter(type=float, optional=True),   # serving model's value on its holdout
        "max_drop": ExecutionParameter(type=float, optional=True),
        "estimated_max_drop": ExecutionParameter(type=float, optional=True),
        "rule": ExecutionParameter(type=str, optional=True),               # performance.rule for a labeled batch
        "reference_rows": ExecutionParameter(type=int, optional=True),     # the holdout rows behind `reference`
        "false_alarm_rate": ExecutionParameter(type=float, optional=True),  # the tested rule's
        "label_estimator": ExecutionParameter(type=str, optional=True),    # core/labeling/estimators.ESTIMATORS
    }
    INPUTS = {
        "predictions": ChannelParameter(type=BatchPredictions),
        "file_list": ChannelParameter(type=FileList),
    }
    OUTPUTS = {"performance": ChannelParameter(type=PerformanceReport)}


class PerformanceEvaluator(base_beam_component.BaseBeamComponent):
    SPEC_CLASS = PerformanceEvaluatorSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, predictions: types.BaseChannel, file_list: types.BaseChannel, metrics: str,
                 threshold_metric: str = "accuracy", threshold: float = 0.0, reference: float = 0.0,
                 max_drop: float = 0.0, estimated_max_drop: float = 0.0, rule: str = "relative_drop",
                 reference_rows=0, false_alarm_rate: float = 0.05, label_estimator: str = DEFAULT_ESTIMATOR):
        super().__init__(spec=PerformanceEvaluatorSpec(
            predictions=predictions, file_list=file_list, metrics=metrics, threshold_metric=threshold_metric,
            threshold=threshold, reference=reference, max_drop=max_drop, estimated_max_drop=estimated_max_drop,
            rule=rule, reference_rows=reference_rows, false_alarm_rate=false_alarm_rate,
            label_estimator=label_estimator,
            performance=types.Channel(type=PerformanceReport)))
