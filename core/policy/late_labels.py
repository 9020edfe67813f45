"""Decisions on a batch whose labels come after its data.

A batch without labels that a rule fired on awaits its labels to become a span; the retraining it calls for runs
at once on the newest labeled spans when there are any the serving model has not learned from. When the labels
come, the batch becomes a span whatever its labeled evaluation decides about retraining.
"""
from dataclasses import replace
from typing import Tuple

from core.policy.evidence import Decision
from core.policy.memory import Memory


def retrain_before_labels(latest_span: int, memory: Memory, serving_spans_end: int) -> Tuple[int, str]:
    """(window end, why) of a retraining decided on a batch that has no labels yet: the newest span, when it is
    newer than the serving model's spans and than the last declined window; 0 when nothing new is labeled."""
    if not serving_spans_end:
        return 0, "; the serving model's spans are not known here: retraining waits for the labels"
    newest_used = max(serving_spans_end, memory.end_span)
    if latest_span > newest_used:
        return latest_span, f"; retraining now on the spans labeled so far (up to span {latest_span})"
    return 0, (f"; no span labeled since the serving model's or the last declined window (up to span "
               f"{newest_used}): retraining waits for the labels")


def span_once_labeled(decision: Decision, labeled: bool, awaited_labels: bool) -> Decision:
    """A batch that awaited its labels becomes a span when they come, whatever the rules now say."""
    if not (labeled and awaited_labels) or decision.span:
        return decision
    return replace(decision, span=True, reason=decision.reason + "; the batch becomes a span: it awaited its labels "
                                                                 "since an unlabeled evaluation decided so")
