"""DriftDetector component.

Consumes: `file_list` (adapt.FileList); as parameters, the TFDV statistics of
the serving model's training spans (the ExampleStatistics StatisticsGen
computed once per span, found through ML Metadata by the runner), the
default threshold per metric with per-feature overrides, and the features
never compared.
Emits: `drift_report` (adapt.DriftReport): report.json with one row per
feature and metric — PSI, KL, Jensen-Shannon and Wasserstein for numeric
features, L-infinity and PSI for categorical ones; an image batch is compared
by its pixel statistics (brightness, contrast, sharpness, width, height per
image, core/data/images.py), which image spans also hold — the decision and the
drifted features; a separate training/serving skew table as TFDV's skew
comparator measures it against the newest training span; and the batch's
own statistics (FeatureStats.pb). Properties: drifted, drifted_features.
Short-circuits: without baseline statistics (no serving model trained in this
workspace) it reports no drift and says why.
"""
from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.artifacts import DriftReport, FileList
from components.drift_detector import executor


class DriftDetectorSpec(ComponentSpec):
    PARAMETERS = {
        "baseline_statistics": ExecutionParameter(type=str),   # JSON [{"span": n, "uri": ...}]
        "thresholds": ExecutionParameter(type=str),            # JSON {"default": {...}, "features": {...}}
        "exclude": ExecutionParameter(type=str),               # JSON list of feature names
    }
    INPUTS = {"file_list": ChannelParameter(type=FileList)}
    OUTPUTS = {"drift_report": ChannelParameter(type=DriftReport)}


class DriftDetector(base_beam_component.BaseBeamComponent):
    SPEC_CLASS = DriftDetectorSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, file_list: types.BaseChannel, baseline_statistics: str, thresholds: str, exclude: str = "[]"):
        super().__init__(spec=DriftDetectorSpec(
            file_list=file_list, baseline_statistics=baseline_statistics, thresholds=thresholds, exclude=exclude,
            drift_report=types.Channel(type=DriftReport)))
