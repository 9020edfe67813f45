"""Runs the training pipeline on this machine: BeamDagRunner, with ML Metadata in the workspace.

`run_training` is what `adapt train`, the local training launcher (for
PipelineTrigger) and the replay call. Around the TFX run it:

1. on the first run, has SchemaGen infer the schema from the newest span and
   keeps it (core/data/schema.py); every run imports the kept schema;
2. checks the window's spans exist and ingests and validates any older span
   of the window that was never ingested, so the span-range resolver finds
   every span; a span that fails validation is quarantined (spans.py) and
   the run stops with the anomalies;
3. finds the serving model in MLMD (production version -> the Trainer model
   that was pushed as it): the Evaluator's baseline and the warm-start base;
4. runs the pipeline (a rerun with nothing new is served from TFX's cache),
   telling the Pusher which version serves now, so that it pushes only if
   that version still serves (another run may push meanwhile);
5. reads the outcome back from MLMD — this run's executions, found by its run
   id: pushed, declined or not pushed and why, metrics of candidate and baseline;
6. records an `adapt.RetrainingEvent` in MLMD for the history, also when the
   run stopped (validation or any other error), then re-raises.

`run_training_request` is the training child process the local launcher
starts (pipeline/local/training_job.py).
"""
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

from ml_metadata.proto import metadata_store_pb2 as mlmd

from core import versions
from core.config import LOWER_IS_BETTER, Config
from core.contract import ModelPackage
from core.data import schema, spans
from core.data.spans import SpanWindow, check_window_present
from core.errors import DataValidationError, PipelineError
from core.workspace import Workspace
from pipeline.definitions import names, training
from pipeline.lineage import alerts, evaluation, queries
from pipeline.lineage.graph import Metadata, prop
from pipeline.lineage.records import RetrainingEvent, price_properties
from pipeline.lineage.store import connection_config
from pipeline.local.beam import echo_stderr, executor_beam_args, pipeline_progress, run_pipeline
from pipeline.local.outcome import TrainingOutcome, inputs_fingerprint
from serving import process as serving_process


@dataclass
class Request:
    """What started a training run, and why: recorded with it for the history and the next decision."""

    trigger: str = "manual"
    reason: str = ""
    evidence: Dict = field(default_factory=dict)


def training_spec(workspace: Workspace, config: Config, model: ModelPackage, window: SpanWindow,
                  schema_file: str = "", **overrides) -> training.TrainingPipelineSpec:
    return training.TrainingPipelineSpec(
        pipeline_name=names.TRAINING_PIPELINE,
        pipeline_root=str(workspace.pipeline_root(names.TRAINING_PIPELINE)),
        config=config, model=model, data_root=str(workspace.data), schema_file=schema_file,
        serving_destination=workspace.serving_model_dir(config), target=training.LOCAL, window=window,
        beam_pipeline_args=executor_beam_args(config.beam.args),
        metadata_connection_config=connection_config(workspace, config),
        **overrides)


def _validated(workspace: Workspace, span: int, run: Callable[[], str]) -> str:
    """Runs a pipeline that validates `span` and returns its run id; on anomalies the span is quarantined."""
    try:
        return run()
    except DataValidationError as err:
        message = f"span {span} {err}"
        spans.mark_rejected(workspace.data, span, message)
        raise DataValidationError(message) from None


def ingest_missing_spans(workspace: Workspace, config: Config, model: ModelPackage, window: SpanWindow,
                         schema_file: str, meta: Metadata, echo: Callable[[str], None]) -> None:
    ingested = queries.ingested_spans(meta)
    for span in window.spans[:-1]:
        if span not in ingested:
            echo(f"  ingesting and validating span {span}")
            spec = training_spec(workspace, config, model, SpanWindow(span, span), schema_file=schema_file)
            _validated(workspace, span, lambda: run_pipeline(training.create_ingestion_pipeline(spec, span)))


def ensure_schema(workspace: Workspace, config: Config, model: ModelPackage, window: SpanWindow,
                  meta: Metadata, echo: Callable[[str], None]) -> str:
    """The path ImportSchemaGen reads; infers and keeps the schema first when there is none."""
    if not workspace.schema_file.exists():
        echo(f"  inferring the schema from span {window.end} (SchemaGen)")
        run_pipeline(training.create_ingestion_pipeline(training_spec(workspace, config, model, window), window.end))
        inferred = meta.node_artifacts(names.TRAINING_PIPELINE, names.SCHEMA_GEN, "Schema")[-1]
        schema.keep_schema(inferred.uri, workspace.schema_version_file(1), config, model,
                           distinct_integer_values(workspace, config, window.end,
                                                   schema.integer_features(schema.inferred_schema(inferred.uri))))
        workspace.point_schema_at(1)
        echo(f"  kept schema: {workspace.schema_file} (review it; later spans are validated against it)")
    return schema.content_addressed_copy(workspace.schema_file, workspace.pipeline_root(names.TRAINING_PIPELINE))


def distinct_integer_values(workspace: Workspace, config: Config, span: int, features: List[str]) -> Dict[str, int]:
    """{integer feature: distinct values in the span's train split}, for the kept schema's discrete features."""
    from core.drift.statistics import distinct_values
    if not features:
        return {}
    data_format, files = spans.span_files(workspace.data, span, "train")
    return distinct_values(data_format, files, features, executor_beam_args(config.beam.args),
                           at_most=config.drift.discrete_values)


def serving_baseline(workspace: Workspace, config: Config, meta: Metadata):
    """(production version, its Trainer Model artifact) or (None, None)."""
    base = workspace.serving_model_dir(config)
    version = versions.production_version(base)
    if version is None:
        return None, None
    return version, queries.model_for_version(meta, base, version)


def holdout_window(data_root, window: SpanWindow, min_rows: int) -> SpanWindow:
    """The newest span of the window, topped up with earlier ones (newest first) to at least `min_rows` test rows."""
    rows, start = 0, window.end
    for span in reversed(window.spans):
        start = span
        rows += int((spans.read_source(data_root, span).get("rows") or {}).get("test", 0))
        if rows >= min_rows:
            break
    return SpanWindow(start, window.end, tuple(s for s in window.excluded if s >= start))


def candidate_windows(config: Config, window: SpanWindow) -> List[SpanWindow]:
    """training.window auto: one window per candidate size, ending where `window` ends and within it."""
    if config.training.window != "auto":
        return [window]
    found: Dict[tuple, SpanWindow] = {}
    for size in config.training.window_candidates:
        count = len(window.spans) if size == "all" else min(int(size), len(window.spans))
        chosen = window.spans[-count:]
        found.setdefault(tuple(chosen), SpanWindow(chosen[0], window.end,
                                                   tuple(s for s in window.excluded if s >= chosen[0])))
    return sorted(found.values(), key=lambda w: len(w.spans))


def _of_run(meta: Metadata, node: str, run_id: str):
    return meta.run_execution(names.TRAINING_PIPELINE, node, run_id)


def read_evaluation(meta: Metadata, run_id: str):
    """(Trainer execution, its Model, the Evaluator's metrics {candidate, baseline}, evaluation uri) of a run."""
    trainer_run, evaluator_run = _of_run(meta, names.TRAINER, run_id), _of_run(meta, names.EVALUATOR, run_id)
    if trainer_run is None or evaluator_run is None:
        raise PipelineError("the training pipeline finished without running Trainer and Evaluator")
    evaluation_uri = meta.outputs(evaluator_run.id, "evaluation")[0].uri
    return trainer_run, meta.outputs(trainer_run.id, "model")[0], evaluation.overall_metrics(evaluation_uri), \
        evaluation_uri


def read_outcome(meta: Metadata, window: SpanWindow, run_id: str,
                 baseline_version: Optional[int], base: str) -> TrainingOutcome:
    pusher_run = _of_run(meta, names.PUSHER, run_id)
    if pusher_run is None:
        raise PipelineError("the training pipeline finished without running Pusher")
    trainer_run, model, metrics, evaluation_uri = read_evaluation(meta, run_id)
    pushed_model = meta.outputs(pusher_run.id, "pushed_model")[0]
    pushed = prop(pushed_model, "pushed") == 1
    version = int(prop(pushed_model, "pushed_version")) if pushed else None
    rows = int(metrics.get("candidate", {}).get("examples", 0))
    if pushed:
        reason = f"pushed as version {version}"
        if prop(pushed_model, "canary_of") is not None:
            reason += (f" as a canary beside version {prop(pushed_model, 'canary_of')} "
                       f"(`adapt models promote` or `abort` ends it)")
        verdict = evaluation.promotion(evaluation_uri)
        if verdict:
            reason += f": {verdict['description']}"
    elif prop(pushed_model, "stale_blessing") == 1:  # not judged against what serves now: no decline
        reason = f"not pushed: {prop(pushed_model, 'reason')}"
    elif prop(pushed_model, "identical_version") is not None:
        reason = f"no new model: identical to version {prop(pushed_model, 'identical_version')}"
    else:
        _, failures = evaluation.validation_failures(evaluation_uri)
        pusher_reason = prop(pushed_model, "reason", "not blessed")
        reason = "declined: " + ("; ".join(failures) if failures and "Evaluator" in pusher_reason
                                 else pusher_reason)
    if rows and not reason.startswith("no new model"):
        reason += f" (holdout of {rows} rows)"
    return TrainingOutcome(
        window=str(window), spans=window.spans, pushed=pushed, version=version,
        production_version=versions.production_version(base),
        baseline_version=baseline_version, reason=reason,
        candidate_metrics=metrics.get("candidate", {}), baseline_metrics=metrics.get("baseline", {}),
        model_uri=model.uri, trained=trainer_run.last_known_state != mlmd.Execution.CACHED, holdout_rows=rows)


def choose_window(candidates: List[SpanWindow], run_candidate: Callable[[SpanWindow], float],
                  echo: Callable[[str], None], metric: str = "accuracy") -> tuple:
    """(best window, {window: score}): the best `metric` on the shared holdout (the highest accuracy, the lowest
    error); ties go to the shorter window."""
    scores = {}
    for candidate in candidates:
        scores[str(candidate)] = run_candidate(candidate)
        echo(f"  window {candidate} ({len(candidate.spans)} span(s)): {metric} {scores[str(candidate)]:.4f} on the "
             f"holdout")
    sign = -1 if metric in LOWER_IS_BETTER else 1
    best = max(candidates, key=lambda w: (sign * scores[str(w)], -len(w.spans)))
    return best, scores


def run_training(workspace: Workspace, config: Config, window: SpanWindow, *, trigger: str = "manual",
                 reason: str = "", evidence: Optional[Dict] = None,
                 echo: Optional[Callable[[str], None]] = echo_stderr, enable_cache: bool = True) -> TrainingOutcome:
    """Trains on `window` (or, with training.window auto, on the best of its candidate windows), evaluates
    against the serving model on the holdout, pushes when better, and records the run in MLMD."""
    echo = echo or (lambda line: None)
    request = Request(trigger, reason, dict(evidence or {}))
    started = time.perf_counter()
    check_window_present(workspace.data, window)
    window = window.without(spans.rejected_spans(workspace.data))
    meta = Metadata.of(workspace, config)
    model = workspace.model_package(config)
    log_file = workspace.reports / "logs" / f"train-{time.strftime('%Y%m%d-%H%M%S')}-spans-{window}.log"
    base = workspace.serving_model_dir(config)
    holdout = holdout_window(workspace.data, window, config.validation.min_holdout_rows)

    def record(outcome: Optional[TrainingOutcome], error: str = "", production: Optional[int] = None,
               chosen: SpanWindow = window) -> int:
        return _record(meta, config, chosen, request, started, outcome, error, production, holdout,
                       workspace.schema_version if workspace.schema_file.exists() else None)

    try:
        with pipeline_progress(log_file, echo):
            outcome, chosen = _train_and_push(workspace, config, model, window, holdout, meta, base, log_file,
                                              enable_cache, echo)
    except Exception as err:  # a run that stopped is an event of the model's history too, then the error stands
        error = str(err).splitlines()[0] if str(err) else type(err).__name__
        with contextlib.suppress(Exception):
            record(None, error, versions.production_version(base))
        alerts.training_alert(workspace, config, error=error, window=str(window), meta=meta)
        raise

    canary = versions.read_canary(base) if outcome.pushed else None
    if canary is not None and canary["version"] == outcome.version:
        from pipeline.lineage import registry
        with contextlib.suppress(Exception):
            registry.record_canary(workspace, config, "start", canary, f"pushed as a canary ({request.trigger})")
    elif outcome.pushed and config.mlflow.tracking_uri:
        _sync_to_mlflow(config, outcome, base, echo)
    outcome.seconds = round(time.perf_counter() - started, 1)
    outcome.event_id = record(outcome, production=outcome.production_version, chosen=chosen)
    if outcome.trained:   # a rerun answered from its record alerted the first time
        alerts.training_alert(workspace, config, outcome, meta=meta)
    return outcome


def _train_and_push(workspace: Workspace, config: Config, model: ModelPackage, window: SpanWindow,
                    holdout: SpanWindow, meta: Metadata, base: str, log_file, enable_cache: bool,
                    echo: Callable[[str], None]) -> tuple:
    """(outcome, the window it trained on): the training pipeline run(s) of `run_training`, read back from MLMD."""
    schema_file = ensure_schema(workspace, config, model, window, meta, echo)
    ingest_missing_spans(workspace, config, model, window, schema_file, meta, echo)
    inputs = inputs_fingerprint(workspace, config, window, model.module)
    baseline_version, baseline_model = serving_baseline(workspace, config, meta)

    def pipeline_for(chosen: SpanWindow, push: bool):
        spec = training_spec(workspace, config, model, chosen, schema_file=schema_file, holdout=holdout,
                             push=push, baseline_model_uri=baseline_model.uri if baseline_model else None,
                             serving_version=baseline_version, enable_cache=enable_cache)
        return training.create_training_pipeline(spec)

    metric = config.performance.headline(model.task)

    def run_candidate(chosen: SpanWindow) -> float:
        run_id = _validated(workspace, window.end, lambda: run_pipeline(pipeline_for(chosen, push=False)))
        measured = read_evaluation(meta, run_id)[2].get("candidate", {}).get(metric)
        return measured if measured is not None else (float("inf") if metric in LOWER_IS_BETTER else 0.0)

    echo(f"  training on spans {window} ({config.training.mode}, {model.kind}); baseline: "
         f"{'version %s' % baseline_version if baseline_model else 'none'}; holdout: test splits of spans "
         f"{holdout}; log: {log_file}")
    candidates = candidate_windows(config, window)
    chosen, scores = choose_window(candidates, run_candidate, echo, metric) if len(candidates) > 1 else (window, {})
    serving_process.start_standby(config.model.name)  # ready by infra validation, its imports overlapping the run
    try:
        run_id = _validated(workspace, window.end, lambda: run_pipeline(pipeline_for(chosen, push=True)))
    finally:
        serving_process.drop_standby()
    outcome = read_outcome(meta, chosen, run_id, baseline_version if baseline_model else None, base)
    outcome.holdout, outcome.window_choice, outcome.inputs = str(holdout), scores, inputs
    return outcome, chosen


def _sync_to_mlflow(config: Config, outcome: TrainingOutcome, base: str, echo) -> None:
    """Mirrors the push into MLflow; a registry outage must not undo a good push, so it only warns."""
    from pipeline.lineage import mlflow_sync
    try:
        number = mlflow_sync.sync_push(config, outcome.version, versions.version_path(base, outcome.version),
                                       outcome.window, outcome.candidate_metrics, config.training.mode)
        echo(f"  MLflow: registered as {config.model.name} version {number} (alias production)")
    except Exception as err:  # noqa: BLE001 — reported, the push itself stands
        echo(f"  MLflow sync failed (the push stands): {type(err).__name__}: {err}")


def _record(meta: Metadata, config: Config, window: SpanWindow, request: Request, started: float,
            outcome: Optional[TrainingOutcome], error: str = "", production: Optional[int] = None,
            holdout: Optional[SpanWindow] = None, schema_version: Optional[int] = None) -> int:
    values = {
        "model_name": config.model.name, "trigger": request.trigger, "reason": request.reason, "spans": str(window),
        "schema_version": schema_version,
        "training_mode": config.training.mode, "compute_seconds": round(time.perf_counter() - started, 1),
        "production_version": production, "evidence": json.dumps({**request.evidence, "end_span": window.end}),
        **price_properties(request.evidence),
    }
    inputs, outputs = [], []
    if outcome is None:
        values.update(outcome=f"stopped: {error}", updated=0)
    else:
        values.update(outcome=outcome.reason, updated=int(outcome.pushed), pushed_version=outcome.version,
                      baseline_version=outcome.baseline_version,
                      candidate_metrics=json.dumps(outcome.candidate_metrics),
                      baseline_metrics=json.dumps(outcome.baseline_metrics),
                      holdout=json.dumps({"spans": str(holdout), "rows": outcome.holdout_rows}),
                      window_choice=json.dumps(outcome.window_choice), inputs=outcome.inputs)
        models = meta.store.get_artifacts_by_uri(outcome.model_uri)
        inputs = models[-1:]
    return meta.record(RetrainingEvent(**values), inputs=inputs, outputs=outputs)


def run_training_request(request: Dict) -> TrainingOutcome:
    """One training run as a JSON request describes it (the local launcher's child process)."""
    workspace = Workspace.existing(request["workdir"])
    config = workspace.load_config().with_overrides(request.get("overrides") or {})
    window = SpanWindow.parse(request["spans"])
    return run_training(workspace, config, window, trigger=request.get("trigger", "manual"),
                        reason=request.get("reason", ""), evidence=request.get("evidence"))
