"""The batch-evaluation pipeline: adapt's custom components, one definition for every runner.

    FileListGen ─► BatchPredictionGen ─► PerformanceEvaluator ─┐
         └──────────► DriftDetector ───────────────────────────┤
                                                                ▼
                                     SpanPreparator ─► PipelineTrigger ─► training pipeline

The serving model version, the baseline statistics (the serving model's
training spans, from MLMD) and the serving model's feature importances are
resolved by the runner when it builds the pipeline and passed as parameters;
on Kubeflow they are runtime parameters.
Where PipelineTrigger starts training is the runner's choice too: it names a
training launcher (pipeline/local/launcher.py or pipeline/kubeflow/launcher.py).
"""
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List

from components.batch_prediction_gen import BatchPredictionGen
from components.drift_detector import DriftDetector
from components.file_list_gen import FileListGen
from components.performance_evaluator import PerformanceEvaluator
from components.pipeline_trigger import PipelineTrigger
from components.span_preparator import SpanPreparator
from core.config import Config
from core.contract import ModelPackage
from pipeline.definitions import names
from pipeline.definitions import tfx_v1 as tfx


@dataclass
class BatchEvaluationSpec:
    pipeline_name: str
    pipeline_root: str
    config: Config
    model: ModelPackage
    batch_uri: object                    # str, or a RuntimeParameter on Kubeflow
    data_root: str
    serving_model_dir: str
    schema_file: str = ""                # the data contract a batch is read against before it is scored
    model_version: object = 0            # 0: the production version when the run starts
    batch_fingerprint: str = ""
    baseline_statistics: object = field(default_factory=list)  # [{span, uri}], or a RuntimeParameter (JSON)
    importances: object = field(default_factory=dict)  # the serving model's {feature: share}, or a RuntimeParameter
    holdout_answers: object = field(default_factory=dict)  # its answers on its holdout (a distribution), or one
    trigger: bool = True
    launcher: str = ""                   # dotted path of PipelineTrigger's TrainingLauncher
    launcher_options: Dict[str, Any] = field(default_factory=dict)
    performance_threshold: object = None  # float, or a RuntimeParameter on Kubeflow
    performance_reference: object = 0.0  # the serving model's threshold metric on its holdout when pushed
    performance_reference_rows: object = 0  # that holdout's rows (0: unknown), or a RuntimeParameter
    last_decline: object = field(default_factory=dict)  # evidence of the last declined retrain, or a RuntimeParameter
    serving_spans_end: object = 0        # the last span the serving model trained on (0: unknown), or a RuntimeParameter
    economics: object = ""               # economics.to_json: settings, window and past retrains ("": off)
    more_data: object = ""               # MoreDataInputs.to_json: the rule's settings, the serving curve ("": off)
    beam_pipeline_args: List[str] = field(default_factory=list)
    enable_cache: bool = True
    metadata_connection_config: object = None


def _as_json(value):
    """Lists become JSON text; a RuntimeParameter (already JSON text at run time) passes through."""
    return json.dumps(value) if isinstance(value, (list, dict)) else value


def create_components(spec: BatchEvaluationSpec) -> list:
    config = spec.config
    file_list_gen = FileListGen(batch_uri=spec.batch_uri, label=spec.model.label,
                                labels_file=config.data.labels_file, batch_fingerprint=spec.batch_fingerprint,
                                schema_uri=spec.schema_file).with_id(names.FILE_LIST_GEN)
    batch_prediction_gen = BatchPredictionGen(
        file_list=file_list_gen.outputs["file_list"], serving_model_dir=spec.serving_model_dir,
        model_version=spec.model_version, mode=config.prediction.mode,
        vertex_model=config.prediction.vertex_model, vertex_project=config.kubeflow.vertex_project,
        vertex_region=config.kubeflow.vertex_region, vertex_machine_type=config.prediction.vertex_machine_type
    ).with_id(names.BATCH_PREDICTION_GEN)
    metrics, threshold_metric = config.performance.for_task(spec.model.task)
    performance_evaluator = PerformanceEvaluator(
        predictions=batch_prediction_gen.outputs["predictions"], file_list=file_list_gen.outputs["file_list"],
        metrics=json.dumps(metrics), threshold_metric=threshold_metric,
        threshold=spec.performance_threshold if spec.performance_threshold is not None
        else config.performance.threshold, reference=spec.performance_reference,
        max_drop=config.performance.max_drop, estimated_max_drop=config.performance.estimated_max_drop,
        rule=config.performance.rule, reference_rows=spec.performance_reference_rows,
        false_alarm_rate=config.drift.false_alarm_rate, label_estimator=config.performance.label_estimator
    ).with_id(names.PERFORMANCE_EVALUATOR)
    drift_detector = DriftDetector(
        file_list=file_list_gen.outputs["file_list"], baseline_statistics=_as_json(spec.baseline_statistics),
        settings=config.drift_settings().to_json(), importances=_as_json(spec.importances),
        exclude=json.dumps(spec.model.drift_exclude), label=spec.model.label,
        predictions=batch_prediction_gen.outputs["predictions"], holdout_answers=_as_json(spec.holdout_answers)
    ).with_id(names.DRIFT_DETECTOR)
    span_preparator = SpanPreparator(
        file_list=file_list_gen.outputs["file_list"], performance=performance_evaluator.outputs["performance"],
        drift_report=drift_detector.outputs["drift_report"], data_root=spec.data_root,
        policy=config.retraining.policy, test_fraction=config.data.test_fraction, evaluate_only=not spec.trigger,
        last_decline=_as_json(spec.last_decline), spans_after_decline=config.retraining.spans_after_decline,
        max_drop=config.performance.max_drop, serving_spans_end=spec.serving_spans_end,
        economics=spec.economics or "{}", more_data=spec.more_data or "{}"
    ).with_id(names.SPAN_PREPARATOR)
    components = [file_list_gen, batch_prediction_gen, performance_evaluator, drift_detector, span_preparator]
    if spec.trigger:
        components.append(PipelineTrigger(
            span=span_preparator.outputs["span"], data_root=spec.data_root, window=config.largest_window(),
            launcher=spec.launcher, launcher_options=json.dumps(spec.launcher_options)
        ).with_id(names.PIPELINE_TRIGGER))
    return components


def create_batch_evaluation_pipeline(spec: BatchEvaluationSpec) -> tfx.dsl.Pipeline:
    return tfx.dsl.Pipeline(
        pipeline_name=spec.pipeline_name, pipeline_root=spec.pipeline_root, components=create_components(spec),
        enable_cache=spec.enable_cache, metadata_connection_config=spec.metadata_connection_config,
        beam_pipeline_args=spec.beam_pipeline_args)
