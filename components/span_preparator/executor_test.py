import csv

import pytest

from components.span_preparator.executor import prepare
from core.data import spans
from core.data.batch import Batch, BatchRecords
from core.policy.memory import Memory
from tests.helpers import rows_to_examples, taxi_rows, write_csv, write_tfrecord

KEEP = {"retrain": False, "labeled": True, "reason": "accuracy 0.910 >= threshold 0.88", "drop": -0.01}
LOW = {"retrain": True, "labeled": True, "reason": "accuracy 0.800 < threshold 0.88", "drop": 0.05}
UNLABELED = {"retrain": None, "labeled": False, "reason": "no ground truth yet"}
CALM = {"drifted": False, "reason": "no feature drifted beyond its threshold", "drifted_features": []}
DRIFT = {"drifted": True, "reason": "drift on payment_type (linf 0.190 > 0.1)", "drifted_features": ["payment_type"]}


@pytest.mark.parametrize("policy, performance, drift, span", [
    ("triggered", KEEP, CALM, 0), ("triggered", LOW, DRIFT, 1), ("periodic", KEEP, CALM, 1), ("static", LOW, DRIFT, 0),
])
def test_the_configured_policy_decides_whether_the_batch_becomes_a_span(tmp_path, policy, performance, drift, span):
    result = prepare(_batch(tmp_path), str(tmp_path / "data"), policy, 0.25, performance, drift)
    assert result["span"] == span and result["retrain"] is bool(span)
    assert result["reason"].startswith({"periodic": "periodic policy", "static": "static policy"}.get(policy, ""))


DECLINED_AT_5 = Memory(end_span=5, drop=0.05, drifted_features=["payment_type"])


def test_a_held_back_batch_still_becomes_a_span_for_the_next_window(tmp_path):
    batch, data = _batch(tmp_path), tmp_path / "data"
    for number in range(1, 6):
        spans.write_span(data, ["fare", "big_tipper"], [[f"{number}.{i}", str(i % 2)] for i in range(20)],
                         test_fraction=0.3, source={"batch": f"b{number}"})
    result = prepare(batch, str(data), "triggered", 0.25, LOW, DRIFT, memory=DECLINED_AT_5, spans_after_decline=2,
                     max_drop=0.03)
    assert result["span"] == 6 and result["created"] and not result["retrain"]
    assert "not retraining yet" in result["reason"] and "1 new span(s) of 2" in result["reason"]
    assert result["evidence"] == {"drop": 0.05, "drifted_features": ["payment_type"]}
    assert batch.state()["retrain"] is False and batch.is_processed()


def _batch(tmp_path, labeled=True, rows=40):
    header = ["fare", "big_tipper"] if labeled else ["fare"]
    data = [[f"{i}.0", str(i % 2)][:len(header)] for i in range(rows)]
    write_csv(tmp_path / "incoming" / "2014-Q2" / "data.csv", header, data)
    return Batch(str(tmp_path / "incoming" / "2014-Q2"), label="big_tipper",
                 records=BatchRecords.beside(str(tmp_path / "data")))


def test_retraining_writes_the_next_span_once(tmp_path):
    batch, data = _batch(tmp_path), tmp_path / "data"
    first = prepare(batch, str(data), "triggered", 0.25, LOW, CALM)
    assert first["span"] == 1 and first["created"] and spans.list_spans(data) == [1]
    assert spans.read_source(data, 1)["batch"] == "2014-Q2"
    again = prepare(batch, str(data), "triggered", 0.25, LOW, CALM)
    assert again["span"] == 1 and not again["created"] and spans.list_spans(data) == [1]
    assert batch.state()["status"] == "span" and batch.state()["trained"] is False
    assert not batch.is_processed()  # until the training it decided reports back (a crash retries it)


def test_the_decision_carries_the_batchs_realized_and_estimated_accuracy_for_the_history(tmp_path):
    performance = {**LOW, "metrics": {"accuracy": 0.8},
                   "estimated": {"accuracy": 0.84, "accuracy_low": 0.8, "accuracy_high": 0.88, "rows": 40}}
    result = prepare(_batch(tmp_path), str(tmp_path / "data"), "triggered", 0.25, performance, CALM)
    assert result["evidence"] == {"drop": 0.05, "drifted_features": [], "batch_accuracy": 0.8,
                                  "estimated_accuracy": 0.84, "estimated_accuracy_low": 0.8,
                                  "estimated_accuracy_high": 0.88}


def test_no_retraining_marks_the_batch_without_a_span(tmp_path):
    batch = _batch(tmp_path)
    result = prepare(batch, str(tmp_path / "data"), "triggered", 0.25, KEEP, CALM)
    assert result["span"] == 0 and spans.list_spans(tmp_path / "data") == []
    assert batch.state()["status"] == "evaluated"


def test_drift_without_labels_waits_for_them_and_loses_nothing(tmp_path):
    batch = _batch(tmp_path, labeled=False)
    result = prepare(batch, str(tmp_path / "data"), "triggered", 0.25, UNLABELED, DRIFT)
    assert not result["retrain"] and result["span"] == 0 and result["status"] == "awaiting-labels"
    assert result["reason"].endswith("retraining waits for the labels")
    assert batch.is_processed()  # evaluated; without labels there is nothing more to do yet
    (tmp_path / "incoming" / "2014-Q2" / "labels.csv").write_text("big_tipper\n" + "1\n" * 40)
    assert batch.readiness(1)[0]
    labeled = {"retrain": False, "labeled": True, "reason": "accuracy 0.95 >= threshold 0.88"}
    result = prepare(batch, str(tmp_path / "data"), "triggered", 0.25, labeled, DRIFT)
    assert result["span"] == 1
    assert (tmp_path / "data" / "span-1" / "train" / "data.csv").read_text().splitlines()[0] == "fare,big_tipper"


def _spans(data, count):
    for number in range(1, count + 1):
        spans.write_span(data, ["fare", "big_tipper"], [[f"{number}.{i}", str(i % 2)] for i in range(20)],
                         test_fraction=0.3, source={"batch": f"b{number}"})


LOW_ESTIMATE = {"retrain": True, "labeled": False, "drop": 0.12,
                "reason": "no ground truth yet; estimated accuracy 0.700 (band 0.600-0.800) is 12.0% below"}


@pytest.mark.parametrize("serving_end, memory, window_end, why", [
    (2, Memory(), 3, "retraining now on the spans labeled so far (up to span 3)"),
    (3, Memory(), 0, "no span labeled since the serving model's or the last declined window (up to span 3)"),
    (2, Memory(end_span=3), 0, "(up to span 3): retraining waits for the labels"),
    (0, Memory(), 0, "the serving model's spans are not known here"),
])
def test_a_rule_firing_before_the_labels_retrains_on_the_spans_labeled_since_the_serving_model(
        tmp_path, serving_end, memory, window_end, why):
    batch, data = _batch(tmp_path, labeled=False), tmp_path / "data"
    _spans(data, 3)
    result = prepare(batch, str(data), "triggered", 0.25, LOW_ESTIMATE, CALM, memory=memory,
                     serving_spans_end=serving_end)
    assert result["status"] == "awaiting-labels" and result["span"] == 0 and spans.list_spans(data) == [1, 2, 3]
    assert result["retrain"] is bool(window_end) and result["window_end"] == window_end and why in result["reason"]
    state = batch.state()
    assert state["status"] == "awaiting-labels" and state["span"] is None
    if window_end:  # until the training run reports back, a rerun would train again
        assert state["trained"] is False and state["window_end"] == 3 and not batch.is_processed()
    else:
        assert "trained" not in state and batch.is_processed()


def test_a_batch_that_awaited_its_labels_becomes_a_span_when_they_arrive_whatever_the_rules_say(tmp_path):
    batch, data = _batch(tmp_path, labeled=False), tmp_path / "data"
    prepare(batch, str(data), "triggered", 0.25, LOW_ESTIMATE, CALM, serving_spans_end=1)
    (tmp_path / "incoming" / "2014-Q2" / "labels.csv").write_text("big_tipper\n" + "1\n" * 40)
    result = prepare(batch, str(data), "triggered", 0.25, KEEP, CALM, serving_spans_end=1)
    assert result["span"] == 1 and not result["retrain"] and "awaited its labels" in result["reason"]
    assert batch.state()["status"] == "span"
    later = _batch(tmp_path / "other", labeled=True)
    assert prepare(later, str(tmp_path / "other" / "data"), "triggered", 0.25, KEEP, CALM)["span"] == 0


def test_evaluate_only_reports_the_decision_and_writes_nothing(tmp_path):
    batch, data = _batch(tmp_path), tmp_path / "data"
    result = prepare(batch, str(data), "triggered", 0.25, LOW, CALM, evaluate_only=True)
    assert result["retrain"] and result["span"] == 0 and result["status"] == "evaluate-only"
    assert result["reason"].endswith("evaluate only: no span written, the batch stays ready")
    assert spans.list_spans(data) == [] and batch.state() is None and batch.readiness(1)[0]


def test_a_tfrecord_batch_becomes_a_csv_span_with_every_labeled_record(tmp_path):
    header, rows = taxi_rows("2015-Q4", 60)
    folder = tmp_path / "incoming" / "2015-Q4"
    write_tfrecord(folder / "part-0.tfrecord.gz", rows_to_examples(header, rows[:40]), gzipped=True)
    write_tfrecord(folder / "part-1.tfrecord", rows_to_examples(header, rows[40:]))
    result = prepare(Batch(str(folder), label="big_tipper", records=BatchRecords.beside(str(tmp_path / "data"))),
                     str(tmp_path / "data"), "triggered", 0.25, LOW, CALM)
    assert result["span"] == 1 and result["created"]
    written = []
    for split in ("train", "test"):
        with open(tmp_path / "data" / "span-1" / split / "data.csv") as handle:
            written += list(csv.DictReader(handle))
    present = {name for index, name in enumerate(header) if any(row[index] for row in rows)}
    assert len(written) == 60 and set(written[0]) == present
    column = header.index("fare")
    assert sorted(float(row["fare"]) for row in written) == \
        pytest.approx(sorted(float(row[column]) for row in rows), abs=1e-3)
    assert sorted(row["company"] for row in written) == sorted(row[header.index("company")] for row in rows)


def test_a_retrain_not_worth_its_cost_still_makes_the_span_and_starts_no_training(tmp_path):
    from core.policy.economics import RetrainRecord, from_json, to_json
    from core.policy.economics import Economics
    text = to_json(Economics(error_cost=1.0, review_cost=10.0), RetrainRecord((30.0,), (0.002,)), 4)
    economics, pricing = from_json(text, batch_rows=40)
    assert (pricing.batch_rows, pricing.window, pricing.record.paired_gains) == (40, 4, (0.002,))
    batch, data = _batch(tmp_path), tmp_path / "data"
    result = prepare(batch, str(data), "triggered", 0.25, KEEP, DRIFT, economics=economics, pricing=pricing)
    assert result["span"] == 1 and result["created"] and not result["retrain"]   # 0.002 x 40 x 4 x 1 <= 10
    assert result["reason"].endswith("<= cost 10.00 (30 s of compute and the review): not worth a retrain")
    assert batch.state()["retrain"] is False and from_json("{}", 5)[0].enabled is False
    assert result["price"] == {"expected_gain": 0.32, "cost": 10.0, "verdict": "does not pay",
                               "gain_from": "the mean paired gain of the last 1 retrain(s)"}
    assert result["evidence"]["price"] == result["price"]   # what a training run started on it would record
    plain = prepare(_batch(tmp_path / "plain"), str(tmp_path / "plain" / "data"), "triggered", 0.25, KEEP, DRIFT)
    assert plain["price"] is None and "price" not in plain["evidence"]   # without economics: as before


def test_the_gain_of_more_data_counts_the_spans_train_rows_and_this_batchs(tmp_path):
    from core.learning_curve import CurvePoint, LearningCurve
    from core.policy.more_data import MoreDataInputs, MoreDataSettings
    batch, data = _batch(tmp_path, rows=40), tmp_path / "data"
    spans.write_span(data, ["fare", "big_tipper"], [[f"1.{i}", str(i % 2)] for i in range(40)], test_fraction=0.25,
                     source={"batch": "b1"})
    served = spans.train_rows(data)[1]   # the serving model was grown on span 1's train split
    rising = LearningCurve("accuracy", (CurvePoint(served // 2, 0.70, 0.05), CurvePoint(served, 0.80, 0.05)),
                           0.01, served)
    quiet = {**KEEP, "labeled_instances": 40}
    found = prepare(batch, str(data), "triggered", 0.25, quiet, CALM,
                    more_data=MoreDataInputs(MoreDataSettings(enabled=True), rising, window=4))
    assert found["retrain"] and found["span"] == 2
    assert found["reason"].startswith(f"more data: the window would hold {served + 30} training rows, the serving "
                                      f"model was grown on {served};")
    unmeasured = prepare(_batch(tmp_path / "other"), str(tmp_path / "other" / "data"), "triggered", 0.25, quiet, CALM)
    assert not unmeasured["retrain"] and "more data" not in unmeasured["reason"]   # the rule off: as before


def test_the_executor_records_the_price_on_the_span_artifact(tmp_path):
    from components.artifacts import DataSpan, DriftReport, FileList, PerformanceReport, write_report
    from components.span_preparator.executor import Executor
    from core.policy.economics import Economics, RetrainRecord, to_json
    batch = _batch(tmp_path)
    inputs = {}
    for key, kind, report in (("file_list", FileList, {"uri": batch.uri, "label": "big_tipper", "labels_file": "",
                                                       "num_instances": 40}),
                              ("performance", PerformanceReport, KEEP), ("drift_report", DriftReport, DRIFT)):
        artifact = kind()
        artifact.uri = str(tmp_path / key)
        write_report(artifact, report)
        inputs[key] = [artifact]
    span = DataSpan()
    span.uri = str(tmp_path / "span")
    Executor().Do(inputs, {"span": [span]}, {
        "data_root": str(tmp_path / "data"), "policy": "triggered", "test_fraction": 0.25,
        "economics": to_json(Economics(error_cost=1.0, review_cost=10.0), RetrainRecord((30.0,), (0.002,)), 4)})
    assert (span.expected_gain, span.retrain_cost, span.verdict) == (pytest.approx(0.32), 10.0, "does not pay")
    assert span.retrain == 0 and span.span == 1
