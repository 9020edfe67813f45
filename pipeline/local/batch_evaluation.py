"""Runs the batch-evaluation pipeline locally (`adapt evaluate-batch`, the scheduler, the demo).

Before the run it resolves, from the workspace's ML Metadata, what the
components need as parameters: the production model version, and the TFDV
statistics StatisticsGen computed for each span that model was trained on
(the drift baseline, reused, never recomputed), and the importances
recorded for that model (the weights of its drift decision). After the run it reads each
component's report back into one `BatchOutcome`.
"""
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from components.artifacts import read_report
from components.pipeline_trigger.launcher import class_path
from core import versions
from core.config import Config
from core.data.batch import Batch
from core.errors import AdaptError, BatchError, PipelineError
from core.contract import read_model_info
from core.learning_curve import curves_in_info
from core.policy import economics
from core.policy.economics import StatedPrice
from core.policy.more_data import MoreDataInputs
from core.workspace import Workspace
from pipeline.definitions import batch_evaluation, names
from pipeline.lineage import alerts, history, queries
from pipeline.lineage.graph import Metadata
from pipeline.lineage.store import connection_config
from pipeline.local.beam import echo_stderr, executor_beam_args, pipeline_progress, run_pipeline


@dataclass
class BatchOutcome:
    batch: str
    serving_version: int
    labeled: bool
    metrics: Dict[str, float]
    performance_reason: str
    drifted: bool
    drifted_features: List[str]
    drift_reason: str
    retrain: bool
    reason: str
    span: int
    triggered: bool = False
    training_outcome: str = ""
    train_seconds: float = 0.0
    pushed_version: Optional[int] = None
    production_version: Optional[int] = None
    seconds: float = 0.0
    estimated: Dict[str, Any] = field(default_factory=dict)   # confidence-based estimate: accuracy, band, auc
    predictions_uri: str = ""                                 # BatchPredictionGen's output: what the model answered
    prediction_drift: Dict[str, Any] = field(default_factory=dict)  # those answers against its holdout's
    partial: Dict[str, Any] = field(default_factory=dict)       # labels on some rows: the metric "from N of M rows"
    drop_explained: Dict[str, Any] = field(default_factory=dict)  # a fall split by cause (core/labeling/explain.py)
    price: Optional[StatedPrice] = None   # with `economics:`, the decision's expected gain, cost and verdict
    reports: Dict[str, Any] = field(default_factory=dict)

    @property
    def training_failed(self) -> bool:
        return self.triggered and self.training_outcome.startswith("training failed")

    def to_dict(self, with_reports: bool = False) -> Dict[str, Any]:
        values = asdict(self)
        if not with_reports:
            values.pop("reports")
        return values


def serving_spans(meta: Metadata, serving_base: str, version: int) -> List[int]:
    """The spans the serving model was trained on ([] when MLMD does not know the version)."""
    model = queries.model_for_version(meta, serving_base, version)
    return [] if model is None else list(queries.custom_config(meta.producer(model.id)).get("spans", []))


def baseline_statistics(meta: Metadata, trained_on: List[int]) -> List[Dict[str, Any]]:
    """[{"span": s, "uri": .../Split-train/FeatureStats.pb}] for the spans the serving model was trained on."""
    files = queries.span_statistics_files(meta) if trained_on else {}
    return [{"span": span, "uri": files[span]} for span in trained_on if span in files]


def more_data_inputs(config: Config, base: str, version: int, metric: str) -> str:
    """The gain-of-more-data rule's settings and the serving model's learning curve on `metric`, as SpanPreparator
    takes them ("": the rule is off)."""
    settings = config.retraining.more_data
    if not settings.enabled:
        return ""
    try:
        curve = curves_in_info(read_model_info(versions.version_path(base, version))).get(metric)
    except FileNotFoundError:
        curve = None
    return MoreDataInputs(settings, curve, config.largest_window(), config.drift.false_alarm_rate).to_json()


def training_launcher(workspace: Workspace, config: Config) -> Tuple[str, Dict[str, Any]]:
    """The launcher PipelineTrigger starts training with: this machine, or Kubeflow / Vertex AI."""
    mode = config.retraining.trigger_mode
    if mode == "local":
        from pipeline.local.launcher import LocalTrainingLauncher
        return class_path(LocalTrainingLauncher), {"workdir": str(workspace.root),
                                                   "train_steps": config.training.train_steps,
                                                   "mode": config.training.mode}
    from pipeline.kubeflow import compile as kubeflow
    return kubeflow.training_launcher(config, mode)


def _run_reports(meta: Metadata, run_id: str) -> Dict[str, Dict[str, Any]]:
    reports = {}
    for node in names.REPORTING_NODES:
        execution = meta.run_execution(names.BATCH_EVALUATION_PIPELINE, node, run_id)
        outputs = meta.outputs(execution.id) if execution else []
        if outputs:
            reports[node] = read_report(outputs[0].uri)
    return reports


class BatchTaken(AdaptError):
    """Another run holds the batch (its claim names which)."""


def run_batch_evaluation(workspace: Workspace, config: Config, batch_path: str, *, trigger: bool = True,
                         echo: Optional[Callable[[str], None]] = echo_stderr,
                         claimed_run: Optional[str] = None) -> BatchOutcome:
    """Evaluates one batch; with `trigger`, the batch first becomes this run's (its claim), so two processes
    never make two spans or two training runs of it. A trigger that claimed it already passes `claimed_run`."""
    batch = workspace.batch(str(batch_path), labels_file=config.data.labels_file)
    batch.format  # raises BatchError naming the batch when it is missing or empty
    base = workspace.serving_model_dir(config)
    if versions.production_version(base) is None:
        raise BatchError(f"no serving model under {base}: run `adapt train` first")
    if not trigger:  # evaluate only: writes nothing, needs no claim
        return _evaluate(workspace, config, batch, trigger, echo)
    run = claimed_run or f"evaluate-batch-{os.getpid()}-{int(time.time())}"
    held = batch.take("adapt evaluate-batch", run, over_failed=claimed_run is None)
    if held is not None:
        raise BatchTaken(f"batch {batch.batch_id} is taken: run {held.get('run')} started by "
                         f"{held.get('started_by')} ({held.get('status')})")
    try:
        outcome = _evaluate(workspace, config, batch, trigger, echo)
    except BaseException as err:
        if claimed_run is None:
            batch.release(run)  # a person's run: the batch stays as it was, ready for the next attempt
        if isinstance(err, Exception):
            alerts.alert(workspace, config, "failure", f"evaluating batch {batch.batch_id} failed: "
                         f"{(str(err).splitlines() or [type(err).__name__])[0]}", {"batch": batch.batch_id})
        raise
    alerts.batch_alerts(workspace, config, outcome)
    if outcome.triggered and not outcome.training_failed:
        batch.write_state({**(batch.state() or {}), "trained": True})
    return outcome


def _evaluate(workspace: Workspace, config: Config, batch: Batch, trigger: bool,
              echo: Optional[Callable[[str], None]]) -> BatchOutcome:
    started = time.perf_counter()
    base = workspace.serving_model_dir(config)
    version = versions.production_version(base)
    model = workspace.model_package(config)
    meta = Metadata.of(workspace, config)
    launcher, launcher_options = training_launcher(workspace, config)
    trained_on = serving_spans(meta, base, version)
    pushed = queries.pushed_metrics(meta, config.model.name, version)
    spec = batch_evaluation.BatchEvaluationSpec(
        pipeline_name=names.BATCH_EVALUATION_PIPELINE,
        pipeline_root=str(workspace.pipeline_root(names.BATCH_EVALUATION_PIPELINE)),
        config=config, model=model, batch_uri=batch.uri, data_root=str(workspace.data),
        schema_file=str(workspace.schema_file) if workspace.schema_file.is_file() else "",
        serving_model_dir=base, model_version=version, batch_fingerprint=batch.fingerprint(),
        baseline_statistics=baseline_statistics(meta, trained_on), serving_spans_end=max(trained_on, default=0),
        importances=queries.serving_importances(meta, base, version), trigger=trigger,
        holdout_answers=queries.serving_holdout_answers(meta, base, version),
        performance_reference=pushed.get(config.performance.for_task(model.task)[1], 0.0),
        performance_reference_rows=int(pushed.get("examples") or 0),
        economics=economics.to_json(config.economics, history.retrain_record(
            meta, config.model.name, config.performance.for_task(model.task)[1]), config.largest_window())
        if config.economics.enabled else "",
        more_data=more_data_inputs(config, base, version, config.performance.for_task(model.task)[1]),
        last_decline=queries.last_decline(meta, config.model.name, version),
        launcher=launcher, launcher_options=launcher_options,
        beam_pipeline_args=executor_beam_args(config.beam.args),
        metadata_connection_config=connection_config(workspace, config))
    log_file = workspace.reports / "logs" / f"evaluate-{batch.batch_id}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    with pipeline_progress(log_file, echo):
        if echo:
            echo(f"  evaluating batch {batch.batch_id} with serving version {version}; log: {log_file}")
        run_id = run_pipeline(batch_evaluation.create_batch_evaluation_pipeline(spec))
    reports = _run_reports(meta, run_id)
    missing = [node for node in names.REPORTING_NODES[:4] if node not in reports]
    if missing:
        raise PipelineError(f"batch evaluation finished without {', '.join(missing)}")
    outcome = _outcome(batch.batch_id, version, reports, base, time.perf_counter() - started)
    predicted = meta.run_execution(names.BATCH_EVALUATION_PIPELINE, names.BATCH_PREDICTION_GEN, run_id)
    outcome.predictions_uri = next((a.uri for a in meta.outputs(predicted.id)), "") if predicted else ""
    return outcome


def _outcome(batch_id: str, version: int, reports: Dict[str, Dict[str, Any]], base: str,
             seconds: float) -> BatchOutcome:
    performance, drift, span = (reports[names.PERFORMANCE_EVALUATOR], reports[names.DRIFT_DETECTOR],
                                reports[names.SPAN_PREPARATOR])
    run = reports.get(names.PIPELINE_TRIGGER, {})
    return BatchOutcome(
        batch=batch_id, serving_version=version, labeled=performance["labeled"], metrics=performance["metrics"],
        performance_reason=performance["reason"], drifted=drift["drifted"],
        drifted_features=drift["drifted_features"], drift_reason=drift["reason"], retrain=span["retrain"],
        reason=span["reason"], span=span["span"], triggered=bool(run.get("triggered")),
        training_outcome=run.get("outcome", ""), train_seconds=float(run.get("seconds") or 0.0),
        pushed_version=run.get("pushed_version"), production_version=versions.production_version(base),
        seconds=round(seconds, 1), estimated=performance.get("estimated") or {},
        prediction_drift=drift.get("prediction_drift") or {}, partial=performance.get("partial") or {},
        drop_explained=performance.get("drop_explained") or {}, price=StatedPrice.from_dict(span.get("price")),
        reports=reports)
