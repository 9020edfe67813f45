"""Sends an alert (core/alerts.py) and records it in ML Metadata (`adapt.Alert`), where `adapt history` and the
dashboard show it. Nothing here ever raises: an alert is a side effect of a run, never its failure."""
import contextlib
from typing import Any, Dict, Optional

from core import alerts
from core.config import Config
from core.workspace import Workspace
from pipeline.definitions import names
from pipeline.lineage.graph import Metadata
from pipeline.lineage.records import Alert


def alert(workspace: Workspace, config: Config, event: str, text: str, details: Optional[Dict[str, Any]] = None,
          meta: Optional[Metadata] = None) -> Optional[alerts.Sent]:
    with contextlib.suppress(Exception):
        sent = alerts.send(config.alerts, event, config.model.name, text, details)
        if sent is not None:
            with contextlib.suppress(Exception):
                (meta or Metadata.of(workspace, config)).record(Alert(
                    model_name=config.model.name, event=event, text=text, delivered=int(sent.delivered),
                    status=sent.status))
        return sent
    return None


def batch_alerts(workspace: Workspace, config: Config, outcome, meta: Optional[Metadata] = None) -> None:
    """What a batch evaluation tells a person: a drift alarm, an estimate that fired its rule, a retrain started.
    (The training it started alerts its own push, decline or failure.)"""
    said = f"batch {outcome.batch} under version {outcome.serving_version}"
    if outcome.drifted:
        alert(workspace, config, "drift", f"{said}: {outcome.drift_reason}",
              {"batch": outcome.batch, "features": outcome.drifted_features}, meta)
    performance = outcome.reports.get(names.PERFORMANCE_EVALUATOR, {})
    if not performance.get("labeled") and performance.get("retrain") is True:   # the estimate fired the rule
        alert(workspace, config, "estimate", f"{said}: {outcome.performance_reason}",
              {"batch": outcome.batch, "estimated": outcome.estimated}, meta)
    if outcome.triggered:
        alert(workspace, config, "retrain", f"{said}: {outcome.reason}",
              {"batch": outcome.batch, "span": outcome.span}, meta)


def training_alert(workspace: Workspace, config: Config, outcome=None, error: str = "", window: str = "",
                   meta: Optional[Metadata] = None) -> None:
    """A training run's end: pushed, declined (a candidate not pushed), or failed."""
    if outcome is None:
        alert(workspace, config, "failure", f"training on spans {window} stopped: {error}", {"spans": window}, meta)
    elif outcome.pushed:
        alert(workspace, config, "push", f"spans {outcome.window}: {outcome.reason}",
              {"version": outcome.version, "metrics": outcome.candidate_metrics}, meta)
    elif outcome.reason.startswith("declined"):
        alert(workspace, config, "decline", f"spans {outcome.window}: {outcome.reason}",
              {"metrics": outcome.candidate_metrics, "serving": outcome.baseline_metrics}, meta)
