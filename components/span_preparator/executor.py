"""Executor of SpanPreparator."""
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from components.artifacts import read_report, write_report
from core.data import spans
from core.data.batches import Batch, BatchRecords
from core.data.ingest import write_batch_span


@dataclass
class Decision:
    """What to do with a batch: make it a span, start training, and why."""

    span: bool
    train: bool
    reason: str
    evidence: Dict[str, Any] = field(default_factory=dict)  # what a training run rests on, for the next decision


@dataclass(frozen=True)
class Memory:
    """The last retraining of the serving model that was declined, and what it rested on ({} when none)."""

    end_span: int = 0
    drop: Optional[float] = None
    drifted_features: List[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, text: str) -> "Memory":
        values = json.loads(text or "{}") or {}
        return cls(int(values.get("end_span") or 0), values.get("drop"), list(values.get("drifted_features") or []))


def _repeats_a_decline(memory: Memory, evidence: Dict[str, Any], next_span: int, spans_after_decline: int,
                       max_drop: float) -> Optional[str]:
    """Why the same evidence should not start training again, or None when something changed."""
    if not memory.end_span:
        return None
    new_spans = next_span - memory.end_span
    drop, before = evidence.get("drop"), memory.drop
    larger_drop = drop is not None and (before is None or drop > before + max_drop)
    new_drift = sorted(set(evidence.get("drifted_features") or []) - set(memory.drifted_features))
    if new_spans >= spans_after_decline or larger_drop or new_drift:
        return None
    return (f"not retraining yet: a candidate trained up to span {memory.end_span} was declined on the same "
            f"evidence; {new_spans} new span(s) of {spans_after_decline}, no drift on new features, no larger drop")


def decide(policy: str, performance: Dict[str, Any], drift: Dict[str, Any], memory: Memory = Memory(),
           next_span: int = 0, spans_after_decline: int = 1, max_drop: float = 0.0) -> Decision:
    """The policy's decision. `triggered` retrains when the performance or the drift rule fired, unless the same
    evidence already led to a declined candidate (the batch still becomes a span, for the next window)."""
    if policy == "periodic":
        return Decision(True, True, "periodic policy: retrain on every batch")
    if policy == "static":
        return Decision(False, False, "static policy: never retrain")
    fired = []
    if performance.get("retrain"):
        fired.append(f"performance: {performance['reason']}")
    if drift.get("drifted"):
        fired.append(drift["reason"])
    if not fired:
        return Decision(False, False, f"no rule fired ({performance['reason']}; {drift['reason']})")
    evidence = {"drop": performance.get("drop") if performance.get("retrain") else None,
                "drifted_features": list(drift.get("drifted_features") or [])}
    reason = "; ".join(fired)
    held_back = _repeats_a_decline(memory, evidence, next_span, spans_after_decline, max_drop)
    if held_back:
        return Decision(True, False, f"{reason}; {held_back}", evidence)
    return Decision(True, True, reason, evidence)


def batch_figures(performance: Dict[str, Any]) -> Dict[str, Any]:
    """What the batch scored, realized and estimated: the evidence a training run's history row shows."""
    estimated, realized = performance.get("estimated") or {}, performance.get("metrics") or {}
    figures = {f"batch_{name}": realized.get(name) for name in ("accuracy", "mae", "rmse")}
    figures.update({f"estimated_{name}{end}": estimated.get(f"{name}{end}") for name in ("accuracy", "mae")
                    for end in ("", "_low", "_high")})
    return {name: value for name, value in figures.items() if value is not None}


def retrain_before_labels(data_root: str, memory: Memory, serving_spans_end: int) -> Tuple[int, str]:
    """(window end, why) of a retraining decided on a batch that has no labels yet: the newest span, when it is
    newer than the serving model's spans and than the last declined window; 0 when nothing new is labeled."""
    latest = spans.latest_span(data_root) or 0
    if not serving_spans_end:
        return 0, "; the serving model's spans are not known here: retraining waits for the labels"
    newest_used = max(serving_spans_end, memory.end_span)
    if latest > newest_used:
        return latest, f"; retraining now on the spans labeled so far (up to span {latest})"
    return 0, (f"; no span labeled since the serving model's or the last declined window (up to span "
               f"{newest_used}): retraining waits for the labels")


def prepare(batch: Batch, data_root: str, policy: str, test_fraction: float, performance: Dict[str, Any],
            drift: Dict[str, Any], evaluate_only: bool = False, memory: Memory = Memory(),
            spans_after_decline: int = 1, max_drop: float = 0.0, serving_spans_end: int = 0) -> Dict[str, Any]:
    """Decides, writes the span if needed, records the batch state; returns what happened.

    `evaluate_only` reports the decision and changes nothing: no span, no state, the batch stays ready.
    A batch without labels that a rule fired on awaits its labels to become a span; the retraining it calls for
    runs now on the newest labeled spans when there are any the serving model has not learned from
    (`serving_spans_end`: its window's last span; 0 = unknown). When the labels come, the batch becomes a span
    whatever its labeled evaluation decides about retraining.
    """
    existing = spans.span_for_batch(data_root, batch.batch_id)
    next_span = existing or (spans.latest_span(data_root) or 0) + 1
    decision = decide(policy, performance, drift, memory, next_span, spans_after_decline, max_drop)
    decision.evidence = {**decision.evidence, **batch_figures(performance)}
    reason, labeled = decision.reason, bool(performance.get("labeled"))
    awaited = (batch.state() or {}).get("status") == "awaiting-labels"
    if labeled and awaited and not decision.span:
        decision.span = True
        reason += "; the batch becomes a span: it awaited its labels since an unlabeled evaluation decided so"
    span, status, window_end = 0, "evaluated", 0
    if evaluate_only:
        if decision.span and existing is None:
            reason += "; evaluate only: no span written, the batch stays ready"
        return {"batch": batch.batch_id, "span": existing or 0, "retrain": decision.train, "reason": reason,
                "status": "evaluate-only", "created": False, "evidence": decision.evidence}
    if decision.span and existing is not None:
        span, status = existing, "span"
        reason += f"; batch already is span {existing}"
    elif decision.span and not labeled:
        status = "awaiting-labels"
        reason += "; a span needs labels: waiting for the labels file"
        if decision.train:
            window_end, why = retrain_before_labels(data_root, memory, serving_spans_end)
            decision.train, reason = bool(window_end), reason + why
    elif decision.span:
        span = write_batch_span(batch, data_root, test_fraction, source={"batch": batch.batch_id, "reason": reason})
        status = "span"
    window_end = span or window_end
    pending = {"trained": False, "window_end": window_end} if decision.train and window_end else {}
    batch.write_state({"status": status, "labeled": labeled, "span": span or None, "retrain": decision.train,
                       "reason": reason, "policy": policy, **pending})  # "trained" until the training run reports
    return {"batch": batch.batch_id, "span": span, "window_end": window_end if decision.train else 0,
            "retrain": decision.train, "reason": reason, "status": status,
            "created": bool(span) and existing is None, "evidence": decision.evidence}


class Executor(base_executor.BaseExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        listing = read_report(artifact_utils.get_single_instance(input_dict["file_list"]))
        performance = read_report(artifact_utils.get_single_instance(input_dict["performance"]))
        drift = read_report(artifact_utils.get_single_instance(input_dict["drift_report"]))
        batch = Batch(listing["uri"], label=listing["label"],
                      labels_file=os.path.basename(listing["labels_file"] or "labels.csv"),
                      records=BatchRecords.beside(exec_properties["data_root"]))
        result = prepare(batch, exec_properties["data_root"], exec_properties["policy"],
                         float(exec_properties["test_fraction"]), performance, drift,
                         evaluate_only=bool(exec_properties.get("evaluate_only")),
                         memory=Memory.from_json(exec_properties.get("last_decline") or "{}"),
                         spans_after_decline=int(exec_properties.get("spans_after_decline") or 1),
                         max_drop=float(exec_properties.get("max_drop") or 0.0),
                         serving_spans_end=int(exec_properties.get("serving_spans_end") or 0))
        artifact = artifact_utils.get_single_instance(output_dict["span"])
        artifact.batch = result["batch"]
        artifact.span = result["span"]
        artifact.retrain = int(result["retrain"])
        artifact.reason = result["reason"]
        write_report(artifact, result)
