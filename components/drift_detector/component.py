"""DriftDetector component.

Consumes: `file_list` (adapt.FileList); as parameters, the TFDV statistics of
the serving model's training spans (the ExampleStatistics StatisticsGen
computed once per span, found through ML Metadata by the runner), the drift
settings (the test per feature kind, the false-alarm rate, the importance
floor), the serving model's feature importances (recorded at its training:
FeatureImportance), the features whose drift never decides, and the label.
Emits: `drift_report` (adapt.DriftReport): report.json (core/drift/report.py)
with one row per feature — the test (Kolmogorov-Smirnov on numbers,
chi-square on value counts), its statistic, p-value and Benjamini-Hochberg
adjusted p-value against the false-alarm rate, both sample sizes, the
importance, whether it decides, and PSI / Jensen-Shannon / Wasserstein /
L-infinity as the size of the move; the batch's decision (the drifted
features carry at least the importance floor); the same table against the
newest training span alone (training/serving skew); the label's own shift when
the batch carries labels; given `predictions` (BatchPredictionGen's) and the
serving model's `holdout_answers` (FeatureImportance's, found in ML Metadata),
`prediction_drift`: the batch's predicted values or classes against the model's
answers on its holdout, one test at the false-alarm rate, reported, never
deciding; and the batch's statistics (FeatureStats.pb),
computed with the options its baseline was (the same categorical integers and
quantile buckets), a CSV batch decoded with the columns' types the baseline
statistics carry (the kept schema's: no type-inference pass holding every
line, so memory stays flat in the batch's size). An image batch is compared by its pixel statistics
(brightness, contrast, sharpness, width, height per image, core/data/images.py),
which image spans also hold. Properties: drifted, drifted_features.
Short-circuits: without baseline statistics (no serving model trained in this
workspace) it reports no drift and says why.
"""
from typing import Optional

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.artifacts import BatchPredictions, DriftReport, FileList
from components.drift_detector import executor


class DriftDetectorSpec(ComponentSpec):
    PARAMETERS = {
        "baseline_statistics": ExecutionParameter(type=str),   # JSON [{"span": n, "uri": ...}]
        "settings": ExecutionParameter(type=str),              # JSON core.drift.settings.DriftSettings
        "importances": ExecutionParameter(type=str),           # JSON {feature: share}; {}: not recorded
        "exclude": ExecutionParameter(type=str),               # JSON list of feature names
        "label": ExecutionParameter(type=str),
        "holdout_answers": ExecutionParameter(type=str, optional=True),  # JSON distribution; {}: not recorded
    }
    INPUTS = {"file_list": ChannelParameter(type=FileList),
              "predictions": ChannelParameter(type=BatchPredictions, optional=True)}
    OUTPUTS = {"drift_report": ChannelParameter(type=DriftReport)}


class DriftDetector(base_beam_component.BaseBeamComponent):
    SPEC_CLASS = DriftDetectorSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, file_list: types.BaseChannel, baseline_statistics: str, settings: str,
                 importances: str = "{}", exclude: str = "[]", label: str = "",
                 predictions: Optional[types.BaseChannel] = None, holdout_answers: str = "{}"):
        super().__init__(spec=DriftDetectorSpec(
            file_list=file_list, baseline_statistics=baseline_statistics, settings=settings,
            importances=importances, exclude=exclude, label=label, predictions=predictions,
            holdout_answers=holdout_answers, drift_report=types.Channel(type=DriftReport)))
