"""A batch evaluated with only some rows labeled, whose labels file labels more rows later: ready again, re-scored,
and its span (if one was written from the earlier labels) kept as it is."""
import os

from components.span_preparator.executor import prepare
from core.data import spans
from core.data.batch import Batch, BatchRecords
from tests.helpers import write_csv

ROWS = 40
CALM = {"drifted": False, "reason": "no feature drifted beyond its threshold", "drifted_features": []}


def _batch(tmp_path):
    write_csv(tmp_path / "incoming" / "b" / "data.csv", ["fare"], [[f"{i}.0"] for i in range(ROWS)])
    return Batch(str(tmp_path / "incoming" / "b"), label="big_tipper",
                 records=BatchRecords.beside(str(tmp_path / "data")))


def _label(tmp_path, count):
    """labels.csv naming the first `count` rows by instance id (a fresh file, as a reviewer's save would be)."""
    path = tmp_path / "incoming" / "b" / "labels.csv"
    write_csv(path, ["instance_id", "big_tipper"], [[f"data.csv:{i}", str(i % 2)] for i in range(count)])
    os.utime(path, (1_000_000 + count, 1_000_000 + count))


def _report(labeled, retrain):
    return {"retrain": retrain, "labeled": True, "drop": 0.05 if retrain else -0.01, "instances": ROWS,
            "labeled_instances": labeled, "reason": f"accuracy from {labeled} of {ROWS} rows"}


def _span_rows(data, span):
    return sum(len((spans.span_dir(data, span) / split / "data.csv").read_text().splitlines()) - 1
               for split in ("train", "test"))


def test_a_span_written_from_some_labeled_rows_stays_when_more_are_labeled(tmp_path):
    batch, data = _batch(tmp_path), tmp_path / "data"
    _label(tmp_path, 12)
    first = prepare(batch, str(data), "triggered", 0.25, _report(12, True), CALM)
    assert first["span"] == 1 and first["created"] and _span_rows(data, 1) == 12
    batch.write_state({**batch.state(), "trained": True})   # the training run reported back
    assert batch.is_processed() and batch.readiness(1) == (False, "already processed")
    _label(tmp_path, 30)
    assert not batch.is_processed()
    assert batch.readiness(1) == (True, f"{ROWS} instances; 30 rows labeled now, 12 when evaluated")
    again = prepare(batch, str(data), "triggered", 0.25, _report(30, False), CALM)
    assert again["span"] == 1 and not again["created"] and spans.list_spans(data) == [1] and _span_rows(data, 1) == 12
    assert "span 1 stays as written from 12 labeled rows" in again["reason"]
    assert "the 18 rows labeled since re-score the batch and are not trained on" in again["reason"]
    state = batch.state()
    assert (state["labeled_rows"], state["span_labeled_rows"], state["span"]) == (30, 12, 1)
    assert batch.is_processed()   # the fuller file is now the one evaluated


def test_a_retrain_called_by_the_fuller_labels_ends_at_the_newest_span(tmp_path):
    batch, data = _batch(tmp_path), tmp_path / "data"
    _label(tmp_path, 12)
    prepare(batch, str(data), "triggered", 0.25, _report(12, True), CALM)
    spans.write_span(data, ["fare", "big_tipper"], [[f"9.{i}", str(i % 2)] for i in range(20)], test_fraction=0.3,
                     source={"batch": "later"})
    _label(tmp_path, ROWS)
    again = prepare(batch, str(data), "triggered", 0.25, _report(ROWS, True), CALM)
    assert again["retrain"] and again["span"] == 1 and again["window_end"] == 2


def test_a_partly_labeled_batch_that_made_no_span_may_become_one_of_all_rows_labeled_later(tmp_path):
    batch, data = _batch(tmp_path), tmp_path / "data"
    _label(tmp_path, 12)
    assert prepare(batch, str(data), "triggered", 0.25, _report(12, False), CALM)["span"] == 0
    assert batch.is_processed()
    _label(tmp_path, 12)   # saved again, nothing more labeled: not evaluated again
    assert batch.is_processed()
    _label(tmp_path, 30)
    assert batch.readiness(1)[0]
    again = prepare(batch, str(data), "triggered", 0.25, _report(30, True), CALM)
    assert again["span"] == 1 and again["created"] and _span_rows(data, 1) == 30


def test_a_fully_labeled_batch_is_not_read_again(tmp_path):
    batch, data = _batch(tmp_path), tmp_path / "data"
    _label(tmp_path, ROWS)
    prepare(batch, str(data), "triggered", 0.25, _report(ROWS, False), CALM)
    _label(tmp_path, ROWS - 1)
    assert batch.is_processed() and batch.labels_grown() is None


def test_too_few_labeled_rows_for_both_splits_wait_for_more_labels_then_make_the_span(tmp_path):
    # 2 labeled rows at test_fraction 0.05 both go to train: no span yet, no error; the batch says what it waits for
    batch, data = _batch(tmp_path), tmp_path / "data"
    _label(tmp_path, 2)
    first = prepare(batch, str(data), "triggered", 0.05, _report(2, True), CALM)
    assert first["span"] == 0 and first["status"] == "awaiting-labels" and spans.list_spans(data) == []
    assert "2 rows labeled; a span needs a labeled row in both its train and test split (2 train / 0 test" in \
        first["reason"]
    assert batch.is_processed()
    waiting = batch.readiness(1)
    assert not waiting[0] and waiting[1].startswith("2 rows labeled; a span needs") and "20 rows" in waiting[1]
    _label(tmp_path, ROWS)
    assert batch.readiness(1)[0]
    again = prepare(batch, str(data), "triggered", 0.05, _report(ROWS, False), CALM)   # the rule no longer fires
    assert again["span"] == 1 and again["created"] and _span_rows(data, 1) == ROWS
    assert "waiting" not in batch.state()
