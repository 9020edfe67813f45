"""The model registry: every trained model, its lineage and stage, read from ML Metadata.

A model is a Trainer output of the training pipeline. Its row tells which
spans it learned from, how the Evaluator and infra validation judged it,
whether Pusher made it a serving version, and its stage:

- production: the version the server serves now (serving.versions decides);
- archived:   pushed once, no longer served;
- declined:   trained but not pushed (the reason says why).

Version folders no push recorded (copied in by hand) are listed after them:
`broken` when they cannot serve (core/versions.py says why), production or
archived when whole, with no lineage.
"""
import json
from typing import Any, Dict, List

from core import versions
from core.config import Config
from core.data.schema import version_in_folder
from core.workspace import Workspace
from pipeline.definitions import names
from pipeline.lineage import queries
from pipeline.lineage.alerts import alert
from pipeline.lineage.graph import Metadata, prop
from pipeline.lineage.records import Canary, Rollback


def _trainer_details(meta: Metadata, model) -> Dict[str, Any]:
    trainer = meta.producer(model.id)
    if trainer is None:
        return {}
    custom = queries.custom_config(trainer)
    spans = custom.get("spans") or []
    return {"spans": f"{spans[0]}-{spans[-1]}" if spans else "", "training_mode": custom.get("training_mode", ""),
            "trained_at": trainer.create_time_since_epoch / 1000.0}


def _judgement(meta: Metadata, model) -> Dict[str, Any]:
    """Evaluator and infra-validation verdicts on this model (latest of each)."""
    details: Dict[str, Any] = {"blessed": None, "infra_blessed": None, "metrics": {}, "baseline_model_id": None}
    for execution in meta.consumers(model.id):
        node = meta.execution_node(execution)
        if node == names.EVALUATOR and model.id in [a.id for a in meta.inputs(execution.id, "model")]:
            blessing = meta.outputs(execution.id, "blessing")
            evaluation = meta.outputs(execution.id, "evaluation")
            baseline = meta.inputs(execution.id, "baseline_model")
            if blessing:
                details["blessed"] = prop(blessing[0], "blessed") == 1
            if evaluation:
                details["evaluation_uri"] = evaluation[0].uri
            details["baseline_model_id"] = baseline[0].id if baseline else None
        elif node == names.INFRA_VALIDATOR:
            blessing = meta.outputs(execution.id, "blessing")
            if blessing:
                details["infra_blessed"] = prop(blessing[0], "blessed") == 1
                details["infra_reason"] = prop(blessing[0], "reason", "")
    return details


def _json(execution, name: str) -> Dict[str, Any]:
    return json.loads(prop(execution, name, "{}") or "{}") if execution is not None else {}


def list_models(workspace: Workspace, config: Config, with_metrics: bool = True) -> List[Dict[str, Any]]:
    """Every trained model of the workspace, oldest first.

    Metrics come from the retraining event that judged the model (recorded in
    MLMD when it ran): the candidate's and the serving model's accuracy on the
    same holdout, so the comparison that decided the push is shown as it was
    made. No TensorFlow, no TFMA: listing models stays fast.
    """
    meta = Metadata.of(workspace, config)
    base = workspace.serving_model_dir(config)
    production = versions.production_version(base)
    judged = queries.events_by_model(meta, config.model.name)
    by_model: Dict[int, Dict[str, Any]] = {}
    for record in queries.push_records(meta):
        # A rerun served from the cache judges the same model again: its push record stands.
        kept = by_model.get(record["model"].id)
        if kept is None or prop(kept["pushed_model"], "pushed") != 1:
            by_model[record["model"].id] = record
    version_of_model = {model_id: int(prop(r["pushed_model"], "pushed_version"))
                        for model_id, r in by_model.items() if prop(r["pushed_model"], "pushed") == 1}

    rows = []
    canary_version = (versions.read_canary(base) or {}).get("version")
    for model_id, record in by_model.items():
        model, pushed_model = record["model"], record["pushed_model"]
        pushed = prop(pushed_model, "pushed") == 1
        if not pushed and prop(pushed_model, "identical_version") is not None:
            continue  # the same model again; its pushed row already stands
        version = version_of_model.get(model_id)
        judgement = _judgement(meta, model)
        event = judged.get(model_id)
        baseline_version = (prop(event, "baseline_version") if event is not None
                            else version_of_model.get(judgement["baseline_model_id"]))
        row = {
            "version": version,
            "pushed_at": record["execution"].create_time_since_epoch / 1000.0 if pushed else None,
            "model_uri": model.uri,
            "model_id": model.id,
            **_trainer_details(meta, model),
            "blessed": judgement["blessed"],
            "infra_blessed": judgement["infra_blessed"],
            "baseline_version": baseline_version,
            "stage": ("production" if version == production else "canary" if version == canary_version
                      else "archived") if pushed else "declined",
            "reason": prop(pushed_model, "reason", ""),
            "decision": prop(event, "outcome", "") if event is not None else prop(pushed_model, "reason", ""),
            "evaluation_uri": judgement.get("evaluation_uri"),
            "metrics": _json(event, "candidate_metrics"),
            "baseline_metrics": _json(event, "baseline_metrics"),
            "holdout": _json(event, "holdout"),
            "schema_version": prop(event, "schema_version") if event is not None else None,
        }
        if with_metrics and event is None:
            _add_metrics(row)
        rows.append(row)
    rows.sort(key=lambda r: (r.get("trained_at") or 0))
    return rows + _folders_not_pushed(base, {r["version"] for r in rows if r["version"]}, production)


def _folders_not_pushed(base: str, pushed: set, production) -> List[Dict[str, Any]]:
    """Version folders no adapt push recorded (copied in by hand): broken ones, which never serve, and whole
    ones, which serve like any version but have no lineage."""
    found = []
    broken = versions.broken_versions(base)
    for version in sorted(set(broken) | set(versions.list_versions(base)) - pushed):
        problem = broken.get(version)
        stage = "broken" if problem else "production" if version == production else "archived"
        reason = (f"cannot serve: {problem}" if problem else "copied in by hand: no training run in ML Metadata")
        found.append({"version": version, "stage": stage, "reason": reason, "decision": reason,
                      "model_uri": versions.version_path(base, version), "model_id": None, "pushed_at": None,
                      "blessed": None, "infra_blessed": None, "baseline_version": None, "metrics": {},
                      "baseline_metrics": {}, "holdout": {}})
    return found


def _add_metrics(row: Dict[str, Any]) -> None:
    """Metrics of a model judged before adapt recorded them with the event: read from the Evaluator's output."""
    if row.get("evaluation_uri"):
        from pipeline.lineage import evaluation  # TFMA only for such old models
        found = evaluation.overall_metrics(row["evaluation_uri"])
        row["metrics"], row["baseline_metrics"] = found.get("candidate", {}), found.get("baseline", {})


# -- one model's lineage -----------------------------------------------------------
def _artifact(meta: Metadata, artifact) -> Dict[str, Any]:
    row = {"id": artifact.id, "type": meta.type_name(artifact.type_id), "uri": artifact.uri}
    span = prop(artifact, "span")
    if span is not None and row["type"] == "Examples":
        row["span"] = int(span)
    return row


def _step(meta: Metadata, execution, inputs=(), outputs=()) -> Dict[str, Any]:
    return {"component": meta.execution_node(execution), "execution_id": execution.id,
            "started_at": execution.create_time_since_epoch / 1000.0,
            "inputs": [_artifact(meta, a) for a in inputs], "outputs": [_artifact(meta, a) for a in outputs]}


def _version_row(workspace: Workspace, config: Config, version: int) -> Dict[str, Any]:
    rows = list_models(workspace, config)
    found = [r for r in rows if r["version"] == version]
    if found and found[0]["model_id"] is None:
        raise versions.VersionError(f"version {version} of {config.model.name} has no lineage: {found[0]['reason']}")
    if not found:
        known = sorted(r["version"] for r in rows if r["version"])
        raise versions.VersionError(f"no pushed version {version} of {config.model.name} "
                                    f"(versions: {', '.join(map(str, known)) or 'none'})")
    return found[0]


def show_model(workspace: Workspace, config: Config, version: int) -> Dict[str, Any]:
    """Version V's lineage: data spans -> statistics and schema -> transform -> trainer -> evaluator -> pusher."""
    row = _version_row(workspace, config, version)
    meta = Metadata.of(workspace, config)
    [model] = meta.store.get_artifacts_by_id([row["model_id"]])
    trainer = meta.producer(model.id)
    lineage = []
    transform_graph = meta.inputs(trainer.id, "transform_graph")
    transform = meta.producer(transform_graph[0].id) if transform_graph else None
    span_examples = meta.inputs(transform.id, "examples") if transform else []
    statistics = queries.span_statistics(meta)
    spans = sorted(int(prop(e, "span", 0)) for e in span_examples)
    lineage.append({"component": "data spans", "outputs": [_artifact(meta, e) for e in span_examples]})
    lineage.append({"component": "StatisticsGen (per span)",
                    "outputs": [{**_artifact(meta, statistics[s]), "span": s} for s in spans if s in statistics]})
    schema = meta.inputs(transform.id, "schema") if transform else []
    if schema and row.get("schema_version") is None:  # a model trained before runs recorded the version
        row = {**row, "schema_version": version_in_folder(schema[0].uri)}
    if schema:
        producer = meta.producer(schema[0].id)
        lineage.append(_step(meta, producer, outputs=schema) if producer else
                       {"component": "schema", "outputs": [_artifact(meta, schema[0])]})
    if transform:
        lineage.append(_step(meta, transform, meta.inputs(transform.id), meta.outputs(transform.id)))
    lineage.append(_step(meta, trainer, meta.inputs(trainer.id), meta.outputs(trainer.id)))
    for execution in meta.consumers(model.id):
        node = meta.execution_node(execution)
        # A later run's Evaluator reads this model as its baseline: that is the other model's lineage.
        if node in (names.EVALUATOR, names.INFRA_VALIDATOR, names.PUSHER) and \
                model.id in [a.id for a in meta.inputs(execution.id, "model")]:
            outputs = meta.outputs(execution.id)
            if node == names.PUSHER and not any(prop(a, "pushed") == 1 for a in outputs):
                continue  # a cached rerun that only confirmed the same model
            lineage.append(_step(meta, execution, meta.inputs(execution.id), outputs))
    calibration = {name: prop(model, name) for name in (
        "calibrated", "ece_before", "ece_after", "calibration_rows", "calibration_out_of_fold_rows")}
    return {**row, "spans_trained_on": spans, "lineage": lineage,
            "calibration": calibration if calibration["ece_before"] is not None else {},
            "hyperparameters": json.loads(prop(model, "hyperparameters") or "{}"),  # models/tree_search.py
            "label_scale": json.loads(prop(model, "label_scale_choice") or "{}")}  # models/label_scale.py


# -- rollback ------------------------------------------------------------------------
def rollback(workspace: Workspace, config: Config, version: int, reason: str = "") -> Dict[str, Any]:
    """Makes `version` the serving version again (no retraining) and records the rollback in MLMD."""
    base = workspace.serving_model_dir(config)
    before = versions.production_version(base)
    versions.pin_version(base, version)
    meta = Metadata.of(workspace, config)
    model = queries.model_for_version(meta, base, version)
    execution_id = meta.record(Rollback(model_name=config.model.name, from_version=before, to_version=version,
                                        reason=reason or "adapt models rollback"),
                               inputs=[model] if model is not None else [])
    if config.mlflow.tracking_uri:
        from pipeline.lineage import mlflow_sync
        mlflow_sync.set_production(config, version)
    alert(workspace, config, "rollback", f"rolled back from version {before} to {version}: "
          f"{reason or 'adapt models rollback'}", {"from_version": before, "to_version": version}, meta)
    return {"from_version": before, "to_version": version, "execution_id": execution_id}


def start_canary(workspace: Workspace, config: Config, version: int, traffic: float, shadow: bool = False,
                 reason: str = "") -> Dict[str, Any]:
    """Serves `version` to a share of the requests (or a copy of each: shadow) beside the stable version, and
    records it in MLMD."""
    base = workspace.serving_model_dir(config)
    record = versions.start_canary(base, version, traffic, shadow)
    record_canary(workspace, config, "start", record, reason or "adapt models canary")
    return record


def end_canary(workspace: Workspace, config: Config, promote: bool, reason: str = "") -> Dict[str, Any]:
    """Promotes the canary (it serves every request) or aborts it (the stable version does); recorded in MLMD."""
    base = workspace.serving_model_dir(config)
    record = versions.end_canary(base, promote)
    action = "promote" if promote else "abort"
    meta = record_canary(workspace, config, action, record, reason or f"adapt models {action}")
    if promote and config.mlflow.tracking_uri:
        from pipeline.lineage import mlflow_sync
        mlflow_sync.set_production(config, record["version"])
    serving = record["version"] if promote else record["stable_version"]
    alert(workspace, config, "rollback" if not promote else "push",
          f"canary version {record['version']} {'promoted' if promote else 'aborted'}: version {serving} serves",
          {"from_version": record["stable_version"] if promote else record["version"], "to_version": serving}, meta)
    return {**record, "action": action, "serving_version": serving}


def record_canary(workspace: Workspace, config: Config, action: str, record: Dict[str, Any], reason: str):
    meta = Metadata.of(workspace, config)
    model = queries.model_for_version(meta, workspace.serving_model_dir(config), record["version"])
    meta.record(Canary(model_name=config.model.name, action=action, version=record["version"],
                       stable_version=record["stable_version"], traffic=float(record["traffic"]),
                       shadow=int(bool(record.get("shadow"))), reason=reason),
                inputs=[model] if model is not None else [])
    return meta
