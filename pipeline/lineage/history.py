"""`adapt history`: one row per retraining event (and per rollback, canary step, schema version, alert sent and
label request), read from ML Metadata.

The table a data scientist queries months later to explain a prediction: which
version served after each event, whether the event changed it, what started
it and why (the rule values), the spans, the candidate's and the baseline's
metrics, and the compute time. `--json` and `--csv FILE` export it.
"""
import csv
import io
import json
import time
from typing import Any, Dict, List, Optional

from core.config import Config, headline_of
from core.metrics import LOWER_IS_BETTER
from core.policy.economics import RetrainRecord
from core.workspace import Workspace
from pipeline.lineage.graph import Metadata, prop
from pipeline.lineage.records import Alert, Canary, LabelRequested, RetrainingEvent, Rollback, SchemaChange

COLUMNS = ["time", "model", "event", "trigger", "reason", "spans", "updated", "production_version", "metric",
           "batch_value", "estimated_value", "candidate_value", "baseline_value", "batch_accuracy", "estimated_accuracy",
           "candidate_accuracy", "baseline_accuracy", "outcome", "compute_seconds",
           # with `economics:`, the decision's price (core/policy/economics.py: StatedPrice); empty otherwise
           "expected_gain", "retrain_cost", "verdict"]


def _metrics(execution, name: str) -> Dict[str, float]:
    text = prop(execution, name)
    return json.loads(text) if text else {}


def history(workspace: Workspace, config: Config) -> List[Dict[str, Any]]:
    model_name = config.model.name
    meta = Metadata.of(workspace, config)
    rows = []
    for execution in meta.adapt_executions(RetrainingEvent.TYPE):
        candidate, baseline = _metrics(execution, "candidate_metrics"), _metrics(execution, "baseline_metrics")
        evidence = _metrics(execution, "evidence")
        # accuracy, or a regression model's MAE: what the candidate, the serving model and the batch scored
        metric = headline_of(candidate) or headline_of({k[6:]: v for k, v in evidence.items()
                                                        if k.startswith("batch_")})
        rows.append({
            "time": execution.create_time_since_epoch / 1000.0, "model": prop(execution, "model_name"),
            "event": "retraining", "trigger": prop(execution, "trigger", ""), "reason": prop(execution, "reason", ""),
            "spans": prop(execution, "spans", ""), "updated": bool(prop(execution, "updated", 0)),
            "production_version": prop(execution, "production_version"),
            "pushed_version": prop(execution, "pushed_version"),
            "baseline_version": prop(execution, "baseline_version"),
            "training_mode": prop(execution, "training_mode", ""),
            "candidate_metrics": candidate, "baseline_metrics": baseline, "metric": metric,
            "candidate_value": candidate.get(metric), "baseline_value": baseline.get(metric),
            "batch_value": evidence.get(f"batch_{metric}"), "estimated_value": evidence.get(f"estimated_{metric}"),
            "estimated_low": evidence.get(f"estimated_{metric}_low"),
            "estimated_high": evidence.get(f"estimated_{metric}_high"),
            "candidate_accuracy": candidate.get("accuracy"), "baseline_accuracy": baseline.get("accuracy"),
            # the triggering batch's accuracy under the serving model, realized and estimated without labels
            "batch_accuracy": evidence.get("batch_accuracy"), "estimated_accuracy": evidence.get("estimated_accuracy"),
            "estimated_accuracy_low": evidence.get("estimated_accuracy_low"),
            "estimated_accuracy_high": evidence.get("estimated_accuracy_high"),
            "outcome": prop(execution, "outcome", ""), "compute_seconds": prop(execution, "compute_seconds"),
            "expected_gain": prop(execution, "expected_gain"), "retrain_cost": prop(execution, "retrain_cost"),
            "verdict": prop(execution, "verdict"),
            "holdout": json.loads(prop(execution, "holdout", "{}") or "{}"),
            "window_choice": json.loads(prop(execution, "window_choice", "{}") or "{}"),
            "schema_version": prop(execution, "schema_version"),
        })
    for execution in meta.adapt_executions(Rollback.TYPE):
        rows.append({
            "time": execution.create_time_since_epoch / 1000.0, "model": prop(execution, "model_name"),
            "event": "rollback", "trigger": "manual", "reason": prop(execution, "reason", ""), "spans": "",
            "updated": True, "production_version": prop(execution, "to_version"),
            "from_version": prop(execution, "from_version"), "candidate_metrics": {}, "baseline_metrics": {},
            "metric": None, "candidate_value": None, "baseline_value": None, "batch_value": None, "estimated_value": None,
            "candidate_accuracy": None, "baseline_accuracy": None, "batch_accuracy": None, "estimated_accuracy": None,
            "outcome": f"rolled back from version {prop(execution, 'from_version')} "
                       f"to {prop(execution, 'to_version')}", "compute_seconds": 0.0,
        })
    for execution in meta.adapt_executions(Canary.TYPE):
        action, version = prop(execution, "action", ""), prop(execution, "version")
        stable, traffic = prop(execution, "stable_version"), prop(execution, "traffic", 0.0)
        outcome = {"start": f"version {version} answers {'a copy of every request (shadow)' if prop(execution, 'shadow', 0) else f'{traffic:.0%} of requests'} beside version {stable}",
                   "promote": f"canary version {version} promoted: it serves every request",
                   "abort": f"canary version {version} aborted: version {stable} serves every request"}.get(action, action)
        rows.append({
            "time": execution.create_time_since_epoch / 1000.0, "model": prop(execution, "model_name"),
            "event": "canary" if action == "start" else action, "trigger": "manual",
            "reason": prop(execution, "reason", ""), "spans": "", "updated": action != "start",
            "production_version": version if action == "promote" else stable, "candidate_metrics": {},
            "baseline_metrics": {}, "metric": None, "candidate_value": None, "baseline_value": None,
            "batch_value": None, "estimated_value": None, "candidate_accuracy": None, "baseline_accuracy": None,
            "batch_accuracy": None, "estimated_accuracy": None, "compute_seconds": 0.0, "outcome": outcome,
        })
    for execution in meta.adapt_executions(SchemaChange.TYPE):
        to_version, batch = prop(execution, "to_version"), prop(execution, "batch", "")
        rows.append({
            "time": execution.create_time_since_epoch / 1000.0, "model": prop(execution, "model_name"),
            "event": "schema", "trigger": f"manual ({prop(execution, 'who', '')})", "reason": prop(execution, "reason", ""),
            "spans": str(prop(execution, "span") or ""), "updated": True, "production_version": None,
            "schema_version": to_version, "changes": json.loads(prop(execution, "changes", "[]") or "[]"),
            "candidate_metrics": {}, "baseline_metrics": {}, "metric": None, "candidate_value": None,
            "baseline_value": None, "batch_value": None, "estimated_value": None, "candidate_accuracy": None,
            "baseline_accuracy": None, "batch_accuracy": None, "estimated_accuracy": None, "compute_seconds": 0.0,
            "outcome": f"schema v{prop(execution, 'from_version')} -> v{to_version} (batch {batch})",
        })
    for execution in meta.adapt_executions(Alert.TYPE):
        delivered = bool(prop(execution, "delivered", 0))
        rows.append({
            "time": execution.create_time_since_epoch / 1000.0, "model": prop(execution, "model_name"),
            "event": "alert", "trigger": prop(execution, "event", ""), "reason": prop(execution, "text", ""),
            "spans": "", "updated": False, "production_version": None, "candidate_metrics": {},
            "baseline_metrics": {}, "metric": None, "candidate_value": None, "baseline_value": None,
            "batch_value": None, "estimated_value": None, "candidate_accuracy": None, "baseline_accuracy": None,
            "batch_accuracy": None, "estimated_accuracy": None, "compute_seconds": 0.0,
            "outcome": "sent" if delivered else f"not delivered ({prop(execution, 'status', '')})",
        })
    rows += [label_request_row(execution) for execution in meta.adapt_executions(LabelRequested.TYPE)]
    rows = [r for r in rows if not model_name or r["model"] == model_name]
    return sorted(rows, key=lambda r: r["time"])


def label_request_row(execution) -> Dict[str, Any]:
    """A label request's row: the batch, the serving version that chose, how many of its rows, and the files."""
    values = {name: prop(execution, name) for name in ("batch", "model_version", "rows", "budget", "chosen",
                                                       "uniform_share", "seed", "weights_file", "to_label",
                                                       "sampling")}
    return {**dict.fromkeys(COLUMNS), **values, "candidate_metrics": {}, "baseline_metrics": {},
            "time": execution.create_time_since_epoch / 1000.0, "model": prop(execution, "model_name"),
            "event": "label request", "trigger": "manual", "spans": "", "updated": False, "compute_seconds": 0.0,
            "reason": f"batch {values['batch']}: {values['chosen']} of {values['rows']} rows to label, chosen by "
                      f"version {values['model_version']} (active testing{_drawn_for(values['sampling'])}, "
                      f"uniform share {values['uniform_share']})",
            "outcome": f"requested: {values['to_label']}; weights in {values['weights_file']}"}


def _drawn_for(sampling: Optional[str]) -> str:
    """Which estimator's weights drew the rows; requests recorded before the property say nothing."""
    return f" for the {sampling} estimator" if sampling else ""


def to_csv(rows: List[Dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS + ["candidate_metrics", "baseline_metrics"],
                            extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(row["time"])),
                         "candidate_metrics": json.dumps(row["candidate_metrics"], sort_keys=True),
                         "baseline_metrics": json.dumps(row["baseline_metrics"], sort_keys=True)})
    return out.getvalue()


def retrain_record(meta: Metadata, model_name: str, metric: str) -> RetrainRecord:
    """What this model's past retrains cost (compute seconds) and gained (the candidate's `metric` over the model it
    challenged, on the candidate's holdout, signed so that positive is better): the economics' evidence."""
    seconds, gains = [], []
    for execution in meta.adapt_executions(RetrainingEvent.TYPE):
        if prop(execution, "model_name") != model_name:
            continue
        if prop(execution, "compute_seconds"):
            seconds.append(float(prop(execution, "compute_seconds")))
        candidate, baseline = _metrics(execution, "candidate_metrics"), _metrics(execution, "baseline_metrics")
        if metric in candidate and metric in baseline:
            gain = candidate[metric] - baseline[metric]
            gains.append(-gain if metric in LOWER_IS_BETTER else gain)
    return RetrainRecord(tuple(seconds), tuple(gains))
