import json

import components  # noqa: F401
from components.artifacts import BatchPredictions, FileList, PerformanceReport, read_report, write_report
from components.performance_evaluator.executor import Executor, compute_metrics, evaluate
from tests.helpers import artifact, write_csv


def _records(labels):
    scores = [0.9, 0.2, 0.7, 0.4]
    return [{"instance_id": f"data.csv:{i}", "score": s, "label": l} for i, (s, l) in enumerate(zip(scores, labels))]


def test_metrics_on_a_labeled_batch():
    values = compute_metrics([1, 0, 0, 1], [0.9, 0.2, 0.7, 0.4], ["accuracy", "auc", "precision", "recall"])
    assert values == {"accuracy": 0.5, "auc": 0.75, "precision": 0.5, "recall": 0.5}


def test_below_threshold_asks_for_retraining():
    report = evaluate(_records([1, 0, 0, 1]), ["accuracy"], "accuracy", 0.88)
    assert report["labeled"] and report["retrain"] is True
    assert report["reason"] == "accuracy 0.500 < threshold 0.88"
    assert evaluate(_records([1, 0, 1, 0]), ["accuracy"], "accuracy", 0.88)["retrain"] is False


def test_without_labels_no_decision_is_made():
    report = evaluate(_records([None] * 4), ["accuracy"], "accuracy", 0.88)
    assert report == {**report, "labeled": False, "retrain": None, "reason": "no ground truth yet", "metrics": {}}


def _run(tmp_path, labels_file_rows=None):
    batch = tmp_path / "batch"
    write_csv(batch / "data.csv", ["fare"], [["1"], ["2"], ["3"], ["4"]])
    if labels_file_rows is not None:
        write_csv(batch / "labels.csv", ["big_tipper"], labels_file_rows)
    listing = artifact(FileList, tmp_path / "list")
    write_report(listing, {"batch": "batch", "uri": str(batch), "label": "big_tipper", "inline_labels": False,
                           "labels_file": str(batch / "labels.csv") if labels_file_rows else None})
    predictions = artifact(BatchPredictions, tmp_path / "pred", model_version=3)
    (tmp_path / "pred").mkdir()
    (tmp_path / "pred" / "predictions-00000-of-00001.jsonl").write_text(
        "\n".join(json.dumps(r) for r in _records([None] * 4)))
    output = artifact(PerformanceReport, tmp_path / "perf")
    Executor().Do({"predictions": [predictions], "file_list": [listing]}, {"performance": [output]},
                  {"metrics": json.dumps(["accuracy", "auc"]), "threshold_metric": "accuracy", "threshold": 0.88})
    return output, read_report(output)


def test_labels_arriving_later_in_a_labels_file_are_used(tmp_path):
    output, report = _run(tmp_path, [["1"], ["0"], ["1"], ["0"]])
    assert report["labeled"] and report["metrics"]["accuracy"] == 1.0
    assert output.retrain == 0 and output.get_float_custom_property("accuracy") == 1.0


def test_unlabeled_batch_records_no_decision(tmp_path):
    output, report = _run(tmp_path)
    assert output.labeled == 0 and output.retrain == -1 and report["reason"] == "no ground truth yet"
