"""Executor of SpanPreparator."""
import os
from typing import Any, Dict, Tuple

from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from components.artifacts import read_report, write_report
from core.data import spans
from core.data.batches import Batch


def decide(policy: str, performance: Dict[str, Any], drift: Dict[str, Any]) -> Tuple[bool, str]:
    if policy == "periodic":
        return True, "periodic policy: retrain on every batch"
    if policy == "static":
        return False, "static policy: never retrain"
    fired = []
    if performance.get("retrain"):
        fired.append(f"performance: {performance['reason']}")
    if drift.get("drifted"):
        fired.append(drift["reason"])
    if fired:
        return True, "; ".join(fired)
    return False, f"no rule fired ({performance['reason']}; {drift['reason']})"


def prepare(batch: Batch, data_root: str, policy: str, test_fraction: float, performance: Dict[str, Any],
            drift: Dict[str, Any], evaluate_only: bool = False) -> Dict[str, Any]:
    """Decides, writes the span if needed, records the batch state; returns what happened.

    `evaluate_only` reports the decision and changes nothing: no span, no state, the batch stays ready.
    """
    retrain, reason = decide(policy, performance, drift)
    labeled = bool(performance.get("labeled"))
    existing = spans.span_for_batch(data_root, batch.batch_id)
    span, status = 0, "evaluated"
    if evaluate_only:
        span = existing or 0
        if retrain and existing is None:
            reason += "; evaluate only: no span written, the batch stays ready"
        return {"batch": batch.batch_id, "span": span, "retrain": retrain, "reason": reason,
                "status": "evaluate-only", "created": False}
    if retrain and existing is not None:
        span, status = existing, "span"
        reason += f"; batch already is span {existing}"
    elif retrain and not labeled:
        status = "awaiting-labels"
        reason += "; a span needs labels: waiting for the labels file"
    elif retrain:
        header, rows = batch.labeled_rows()
        span = spans.write_span(data_root, header, rows, test_fraction=test_fraction,
                                source={"batch": batch.batch_id, "reason": reason})
        status = "span"
    batch.write_state({"status": status, "labeled": labeled, "span": span or None, "retrain": retrain,
                       "reason": reason, "policy": policy})
    return {"batch": batch.batch_id, "span": span, "retrain": retrain, "reason": reason, "status": status,
            "created": bool(span) and existing is None}


class Executor(base_executor.BaseExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        listing = read_report(artifact_utils.get_single_instance(input_dict["file_list"]))
        performance = read_report(artifact_utils.get_single_instance(input_dict["performance"]))
        drift = read_report(artifact_utils.get_single_instance(input_dict["drift_report"]))
        batch = Batch(listing["uri"], label=listing["label"],
                      labels_file=os.path.basename(listing["labels_file"] or "labels.csv"))
        result = prepare(batch, exec_properties["data_root"], exec_properties["policy"],
                         float(exec_properties["test_fraction"]), performance, drift,
                         evaluate_only=bool(exec_properties.get("evaluate_only")))
        artifact = artifact_utils.get_single_instance(output_dict["span"])
        artifact.batch = result["batch"]
        artifact.span = result["span"]
        artifact.retrain = int(result["retrain"])
        artifact.reason = result["reason"]
        write_report(artifact, result)
