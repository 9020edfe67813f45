import pytest

from core.policy.evidence import Decision
from core.policy.late_labels import retrain_before_labels, span_once_labeled
from core.policy.memory import Memory


@pytest.mark.parametrize("latest, serving_end, memory, window_end, why", [
    (3, 2, Memory(), 3, "; retraining now on the spans labeled so far (up to span 3)"),
    (3, 3, Memory(), 0, "; no span labeled since the serving model's or the last declined window (up to span 3): "
                        "retraining waits for the labels"),
    (3, 2, Memory(end_span=3), 0, "; no span labeled since the serving model's or the last declined window (up to "
                                  "span 3): retraining waits for the labels"),
    (3, 0, Memory(), 0, "; the serving model's spans are not known here: retraining waits for the labels"),
])
def test_a_retrain_before_the_labels_runs_on_the_spans_labeled_since_the_serving_model(
        latest, serving_end, memory, window_end, why):
    assert retrain_before_labels(latest, memory, serving_end) == (window_end, why)


def test_a_batch_that_awaited_its_labels_becomes_a_span_when_they_come():
    kept = Decision(False, False, "no rule fired")
    assert span_once_labeled(kept, labeled=True, awaited_labels=True) == Decision(
        True, False, "no rule fired; the batch becomes a span: it awaited its labels since an unlabeled evaluation "
                     "decided so")
    assert span_once_labeled(kept, labeled=True, awaited_labels=False) is kept
    assert span_once_labeled(kept, labeled=False, awaited_labels=True) is kept
    fired = Decision(True, True, "drift")
    assert span_once_labeled(fired, labeled=True, awaited_labels=True) is fired


def test_a_span_short_of_a_split_says_how_many_rows_it_waits_for():
    from core.policy.late_labels import split_waits
    found = split_waits({"train": 3, "test": 0}, 0.2)
    assert found.startswith("3 rows labeled; a span needs a labeled row in both its train and test split")
    assert "(3 train / 0 test so far; about 5 rows at test_fraction 0.2)" in found
    assert "about 8 rows" in split_waits({"train": 7, "test": 0}, 0.2)   # never fewer than one more than labeled
