"""Executor of SpanPreparator."""
import os
from typing import Any, Dict, Optional

from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from components.artifacts import read_report, write_report
from core.data import spans
from core.data.batch import Batch, BatchRecords
from core.data.ingest import write_batch_span
from core.policy.economics import Economics, PricingInputs
from core.policy.economics import from_json as economics_from_json
from core.policy.evidence import DriftFinding, Evidence, PerformanceFinding
from core.policy.late_labels import (partly_labeled_before, retrain_before_labels, span_once_labeled, span_stays,
                                     split_waits)
from core.policy.memory import Memory
from core.policy.more_data import MoreDataFinding, MoreDataInputs, judge as judge_more_data, window_rows
from core.policy.policies import POLICIES, PolicySettings


def prepare(batch: Batch, data_root: str, policy: str, test_fraction: float, performance: Dict[str, Any],
            drift: Dict[str, Any], evaluate_only: bool = False, memory: Memory = Memory(),
            spans_after_decline: int = 1, max_drop: float = 0.0, serving_spans_end: int = 0,
            economics: Economics = Economics(), pricing: PricingInputs = PricingInputs(),
            more_data: MoreDataInputs = MoreDataInputs()) -> Dict[str, Any]:
    """Decides, writes the span if needed, records the batch state; returns what happened.

    `evaluate_only` reports the decision and changes nothing: no span, no state, the batch stays ready.
    A batch without labels that a rule fired on awaits its labels to become a span; the retraining it calls for
    runs now on the newest labeled spans when there are any the serving model has not learned from
    (`serving_spans_end`: its window's last span; 0 = unknown). When the labels come, the batch becomes a span
    whatever its labeled evaluation decides about retraining. A batch evaluated again because more of its rows are
    labeled now keeps the span written from its earlier labels (core/policy/late_labels.py: span_stays); a
    retraining it calls for ends at the newest span.
    """
    existing = spans.span_for_batch(data_root, batch.batch_id)
    finding = PerformanceFinding.from_report(performance)
    next_span = existing or (spans.latest_span(data_root) or 0) + 1
    evidence = Evidence(finding, DriftFinding.from_report(drift), next_span=next_span, declined=memory,
                        pricing=pricing, more_data=more_data_finding(
                            more_data, data_root, next_span, existing,
                            round(int(performance.get("labeled_instances") or 0) * (1 - test_fraction))))
    decision = POLICIES.get(policy)(PolicySettings(spans_after_decline, max_drop, economics)).decide(evidence)
    previous = batch.state() or {}
    awaited = previous.get("status") == "awaiting-labels"
    relabeled = existing is not None and partly_labeled_before(previous)
    decision = span_once_labeled(decision, finding.labeled, awaited)
    stated = decision.price.to_dict() if decision.price else None
    # the price travels with the evidence into the training run's record (adapt history)
    recorded = {**decision.grounds_as_dict(), **finding.figures, **({"price": stated} if stated else {})}
    reason, train, labeled = decision.reason, decision.train, finding.labeled
    span, status, window_end, waiting = 0, "evaluated", 0, ""
    if evaluate_only:
        if decision.span and existing is None:
            reason += "; evaluate only: no span written, the batch stays ready"
        return {"batch": batch.batch_id, "span": existing or 0, "retrain": train, "reason": reason,
                "status": "evaluate-only", "created": False, "evidence": recorded, "price": stated}
    labeled_rows = int(performance.get("labeled_instances") or 0)
    if relabeled:
        span, status = existing, "span"
        reason += span_stays(existing, previous.get("span_labeled_rows"), labeled_rows)
    elif decision.span and existing is not None:
        span, status = existing, "span"
        reason += f"; batch already is span {existing}"
    elif decision.span and labeled:
        try:
            span = write_batch_span(batch, data_root, test_fraction, source={"batch": batch.batch_id, "reason": reason})
            status = "span"
        except spans.EmptySplitError as err:   # too few rows labeled yet (a tiny label budget): wait for more
            waiting = split_waits(err.counts, test_fraction)
    if decision.span and not span and existing is None:
        status = "awaiting-labels"
        reason += f"; {waiting}" if waiting else "; a span needs labels: waiting for the labels file"
        if train:
            window_end, why = retrain_before_labels(spans.latest_span(data_root) or 0, memory, serving_spans_end)
            train, reason = bool(window_end), reason + why
    window_end = (spans.latest_span(data_root) if relabeled else span) or window_end
    pending = {"trained": False, "window_end": window_end} if train and window_end else {}
    batch.write_state({"status": status, "labeled": labeled, "span": span or None, "retrain": train,
                       "reason": reason, "policy": policy, **pending,  # "trained" until the training run reports
                       **({"waiting": waiting} if waiting else {}),
                       **labels_record(batch, labeled_rows, int(performance.get("instances") or 0),
                                       previous.get("span_labeled_rows") if existing else span and labeled_rows)})
    return {"batch": batch.batch_id, "span": span, "window_end": window_end if train else 0,
            "retrain": train, "reason": reason, "status": status,
            "created": bool(span) and existing is None, "evidence": recorded, "price": stated}


def labels_record(batch: Batch, labeled_rows: int, rows: int, span_labeled_rows: Optional[int]) -> Dict[str, Any]:
    """What the state keeps of the batch's labels: how many of its rows were labeled at this evaluation, its labels
    file's stamp then (a fuller file later makes the batch ready again) and how many were labeled when its span was
    written."""
    stamp = batch.file_stamp(batch.labels_file) if batch.has_labels_file() else ""
    return {"labeled_rows": labeled_rows, "rows": rows, "labels_stamp": stamp,
            "span_labeled_rows": span_labeled_rows or None}


def more_data_finding(inputs: MoreDataInputs, data_root: str, next_span: int, existing: Optional[int],
                      batch_train_rows: int) -> MoreDataFinding:
    """The gain-of-more-data rule on the window a retrain would take now (this batch's training rows, as its span
    will hold about, or as its span already holds)."""
    if not inputs.settings.enabled:
        return MoreDataFinding()
    rows = spans.train_rows(data_root)
    batch_rows = rows.get(existing, batch_train_rows) if existing else batch_train_rows
    return judge_more_data(inputs.curve, window_rows(rows, next_span, inputs.window, batch_rows), inputs.settings,
                           inputs.false_alarm_rate)


class Executor(base_executor.BaseExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        listing = read_report(artifact_utils.get_single_instance(input_dict["file_list"]))
        performance = read_report(artifact_utils.get_single_instance(input_dict["performance"]))
        drift = read_report(artifact_utils.get_single_instance(input_dict["drift_report"]))
        batch = Batch(listing["uri"], label=listing["label"],
                      labels_file=os.path.basename(listing["labels_file"] or "labels.csv"),
                      records=BatchRecords.beside(exec_properties["data_root"]))
        economics, pricing = economics_from_json(exec_properties.get("economics") or "{}",
                                                 int(listing.get("num_instances") or 0))
        result = prepare(batch, exec_properties["data_root"], exec_properties["policy"],
                         float(exec_properties["test_fraction"]), performance, drift,
                         evaluate_only=bool(exec_properties.get("evaluate_only")),
                         memory=Memory.from_json(exec_properties.get("last_decline") or "{}"),
                         spans_after_decline=int(exec_properties.get("spans_after_decline") or 1),
                         max_drop=float(exec_properties.get("max_drop") or 0.0),
                         serving_spans_end=int(exec_properties.get("serving_spans_end") or 0),
                         economics=economics, pricing=pricing,
                         more_data=MoreDataInputs.from_json(exec_properties.get("more_data") or "{}"))
        artifact = artifact_utils.get_single_instance(output_dict["span"])
        artifact.batch = result["batch"]
        artifact.span = result["span"]
        artifact.retrain = int(result["retrain"])
        artifact.reason = result["reason"]
        if result["price"]:
            artifact.verdict = result["price"]["verdict"]
            artifact.retrain_cost = result["price"]["cost"]
            if result["price"]["expected_gain"] is not None:
                artifact.expected_gain = result["price"]["expected_gain"]
        write_report(artifact, result)
