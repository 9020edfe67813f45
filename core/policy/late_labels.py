"""Decisions on a batch whose labels come after its data.

A batch without labels that a rule fired on awaits its labels to become a span; the retraining it calls for runs
at once on the newest labeled spans when there are any the serving model has not learned from. When the labels
come, the batch becomes a span whatever its labeled evaluation decides about retraining.

A batch evaluated with only some rows labeled (a label budget, a sample) is evaluated again when its labels file
labels more rows (core/data/batch/readiness.py). Not yet a span: it may become one of all the rows labeled now. Already
a span (written from the rows labeled then): the span stays as it is, and the rows labeled since re-score the batch
without entering training (`span_stays`). Too few labeled rows to fill both of a span's splits (a tiny label budget):
the batch is scored from them and waits for more labels to become a span (`split_waits`).
"""
import math
from dataclasses import replace
from typing import Dict, Optional, Tuple

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


def partly_labeled_before(state: dict) -> bool:
    """Whether a batch's recorded state says its last evaluation had only some of its rows labeled."""
    labeled_rows, rows = state.get("labeled_rows"), state.get("rows")
    return bool(state.get("labeled")) and labeled_rows is not None and bool(rows) and labeled_rows < rows


def span_stays(span: int, span_rows: Optional[int], labeled_now: int) -> str:
    """Why a span written from a partly labeled batch is kept as it is when more of the batch is labeled later.

    Spans are never rewritten, and one batch is one span: the rows labeled since the span was written re-score the
    batch (its metric, the rules) but do not enter training. Whoever wants them trained on brings them as a batch of
    their own."""
    since = f"the {labeled_now - span_rows} rows" if span_rows is not None else "the rows"
    held = f"{span_rows} labeled rows" if span_rows is not None else "the rows labeled then"
    return (f"; span {span} stays as written from {held} (spans are never rewritten): {since} labeled since "
            f"re-score the batch and are not trained on")


def split_waits(counts: Dict[str, int], test_fraction: float) -> str:
    """What a batch whose labeled rows would leave a span's train or test split empty waits for: more labels. Rows
    go to a split by their hash, so about 1 / min(test_fraction, 1 - test_fraction) labeled rows fill both."""
    labeled = sum(counts.values())
    needs = math.ceil(1.0 / min(test_fraction, 1.0 - test_fraction)) if 0 < test_fraction < 1 else 2
    return (f"{labeled} rows labeled; a span needs a labeled row in both its train and test split ("
            f"{counts.get('train', 0)} train / {counts.get('test', 0)} test so far; about {max(needs, labeled + 1)} "
            f"rows at test_fraction {test_fraction:g}): waiting for more labels")
