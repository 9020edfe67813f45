import json

import pytest

import components  # noqa: F401
from components.artifacts import BatchPredictions, FileList, PerformanceReport, read_report, write_report
from components.performance_evaluator.executor import Executor, report_of
from components.performance_evaluator.metrics import Metrics, RegressionMetrics
from core.data.predictions import record
from core.errors import BatchError
from core.policy.rules import PerformanceSettings
from tests.helpers import artifact, write_csv

SCORES = [0.9, 0.2, 0.7, 0.4]


def _records(labels, classes=("0", "1")):
    return [record(f"data.csv:{i}", label, [score], list(classes)) for i, (score, label) in enumerate(zip(SCORES, labels))]


def _metrics(records, classes=("0", "1")):
    metrics = Metrics(list(classes))
    for r in records:
        if r["label"] is not None:
            metrics.add(r["label"], r["prediction"], r["probabilities"])
    return metrics


def test_metrics_on_a_labeled_batch():
    values = _metrics(_records(["1", "0", "0", "1"])).results(["accuracy", "auc", "precision", "recall"])
    assert values == {"accuracy": 0.5, "auc": 0.75, "precision": 0.5, "recall": 0.5}


def test_a_labeled_report_carries_the_metrics_their_drop_and_the_rules_verdict():
    report = report_of(_metrics(_records(["1", "0", "1", "1"])), 4, ["accuracy"],
                       PerformanceSettings("accuracy", threshold=0.8, reference=0.9, max_drop=0.03))
    assert report == {**report, "labeled": True, "labeled_instances": 4, "metrics": {"accuracy": 0.75},
                      "threshold": 0.8, "reference": 0.9, "max_drop": 0.03, "retrain": True,
                      "reason": "accuracy 0.750 is 16.7% below the serving model's 0.900 on its holdout (max drop 3%); "
                                "accuracy 0.750 < threshold 0.80"}
    assert report["drop"] == pytest.approx(1 / 6)


def test_without_labels_no_decision_is_made():
    report = report_of(_metrics(_records([None] * 4)), 4, ["accuracy"], PerformanceSettings("accuracy", threshold=0.88))
    assert report == {**report, "labeled": False, "retrain": None, "reason": "no ground truth yet", "metrics": {}}


def _run(tmp_path, labels_file_rows=None, header=("big_tipper",), classes=("0", "1"), inline=None, calibration=None,
         **properties):
    batch = tmp_path / "batch"
    write_csv(batch / "data.csv", ["fare"], [["1"], ["2"], ["3"], ["4"]])
    if labels_file_rows is not None:
        write_csv(batch / "labels.csv", list(header), labels_file_rows)
    listing = artifact(FileList, tmp_path / "list")
    write_report(listing, {"batch": "batch", "uri": str(batch), "label": "big_tipper", "inline_labels": inline is not None,
                           "files": [{"name": "data.csv", "path": str(batch / "data.csv"), "instances": 4}],
                           "num_instances": 4,
                           "labels_file": str(batch / "labels.csv") if labels_file_rows else None})
    predictions = artifact(BatchPredictions, tmp_path / "pred", model_version=3)
    (tmp_path / "pred").mkdir()
    (tmp_path / "pred" / "model.json").write_text(json.dumps({"version": 3, "classes": list(classes),
                                                                      "calibration": calibration}))
    records = _records(inline or [None] * 4, classes)
    (tmp_path / "pred" / "predictions-00000-of-00002.jsonl").write_text("\n".join(json.dumps(r) for r in records[:2]))
    (tmp_path / "pred" / "predictions-00001-of-00002.jsonl").write_text("\n".join(json.dumps(r) for r in records[2:]))
    output = artifact(PerformanceReport, tmp_path / "perf")
    Executor().Do({"predictions": [predictions], "file_list": [listing]}, {"performance": [output]},
                  {"metrics": json.dumps(["accuracy", "auc"]), "threshold_metric": "accuracy", "threshold": 0.88,
                   **properties})
    return output, read_report(output)


def test_inline_labels_across_shards(tmp_path):
    output, report = _run(tmp_path, inline=["1", "0", "0", "1"])
    assert report["labeled_instances"] == 4 and report["metrics"] == {"accuracy": 0.5, "auc": 0.75}


def test_labels_arriving_later_in_a_labels_file_are_joined_by_row_order(tmp_path):
    output, report = _run(tmp_path, [["1"], ["0"], ["1"], ["0"]])
    assert report["labeled"] and report["metrics"]["accuracy"] == 1.0
    assert output.retrain == 0 and output.get_float_custom_property("accuracy") == 1.0


def test_a_labels_file_with_instance_ids_labels_a_subset_by_id(tmp_path):
    _, report = _run(tmp_path, [["data.csv:3", "0"], ["data.csv:0", "1"]], header=("instance_id", "big_tipper"))
    assert report["labeled_instances"] == 2 and report["metrics"]["accuracy"] == 1.0


def test_a_labels_file_naming_an_unknown_instance_fails_naming_it(tmp_path):
    with pytest.raises(BatchError, match="labels.csv names unknown instance 'data.csv:9'"):
        _run(tmp_path, [["data.csv:9", "0"]], header=("instance_id", "big_tipper"))


def test_string_classes_are_compared_by_name(tmp_path):
    _, report = _run(tmp_path, [["yes"], ["no"], ["yes"], ["maybe"]], classes=("no", "yes"))
    assert report["metrics"]["accuracy"] == 0.75 and report["classes"] == ["no", "yes"]


def test_unlabeled_batch_records_no_decision_and_carries_the_estimate(tmp_path):
    output, report = _run(tmp_path)
    assert output.labeled == 0 and output.retrain == -1
    # The predicted classes' probabilities are 0.9, 0.8, 0.7 and 0.6: 0.75 expected right, uncalibrated.
    assert report["estimated"]["accuracy"] == 0.75 and report["estimated"]["rows"] == 4
    assert report["estimated"]["accuracy_low"] < 0.75 < report["estimated"]["accuracy_high"]
    assert report["estimated"]["calibrated"] is False and 0 <= report["estimated"]["auc"] <= 1
    assert report["reason"].startswith("no ground truth yet; estimated accuracy 0.750 (band ")
    assert report["reason"].endswith(", uncalibrated")
    assert output.get_float_custom_property("estimated_accuracy") == 0.75
    assert output.get_float_custom_property("estimated_calibrated") == 0.0


def test_the_estimate_reads_the_probabilities_through_the_models_calibration(tmp_path):
    # Maps every class probability p to 0.25 + p / 2: confidence 0.9 becomes 0.7, and the mean 0.75 becomes 0.625.
    shrink = {"thresholds": [[0.0, 1.0], [0.0, 1.0]], "values": [[0.25, 0.75], [0.25, 0.75]]}
    output, report = _run(tmp_path, inline=["1", "0", "0", "1"], calibration=shrink)
    assert report["estimated"]["accuracy"] == 0.625 and report["estimated"]["calibrated"] is True
    assert report["metrics"]["accuracy"] == 0.5    # the realized figure beside it
    assert output.get_float_custom_property("estimated_calibrated") == 1.0


ESTIMATED = {"accuracy": 0.70, "accuracy_low": 0.66, "accuracy_high": 0.74, "auc": 0.71, "rows": 1000,
             "calibrated": True}


def test_an_unlabeled_report_judges_the_estimate_and_carries_its_drop():
    rule = PerformanceSettings("accuracy", reference=0.85, max_drop=0.05, estimated_max_drop=0.05)
    report = report_of(_metrics(_records([None] * 4)), 1000, ["accuracy"], rule, dict(ESTIMATED))
    assert report["retrain"] is True and not report["labeled"] and report["drop"] is None
    assert report["reason"].startswith("no ground truth yet; estimated accuracy 0.700 (band 0.660-0.740) is 17.6%")
    assert report["estimated"]["drop"] == pytest.approx(0.15 / 0.85)


def test_realized_metrics_are_the_authority_once_labels_exist_and_the_estimate_stays_beside_them():
    rule = PerformanceSettings("accuracy", reference=0.5, max_drop=0.05, estimated_max_drop=0.05)
    report = report_of(_metrics(_records(["1", "0", "1", "0"])), 4, ["accuracy"], rule,
                       {**ESTIMATED, "accuracy": 0.2, "accuracy_high": 0.3})
    assert report["retrain"] is False and report["metrics"]["accuracy"] == 1.0 and report["drop"] == -1.0
    assert report["estimated"]["accuracy"] == 0.2 and report["estimated"]["drop"] == pytest.approx(0.6)


def test_an_error_metrics_report_measures_its_drop_as_a_rise():
    errors = RegressionMetrics()
    for label, predicted in [("10", 12.0), ("20", 17.0), ("30", 30.0), ("40", 44.0)]:
        errors.add(label, predicted)
    report = report_of(errors, 4, ["mae", "rmse", "r2"], PerformanceSettings("mae", reference=2.0, max_drop=0.2))
    assert report["metrics"]["mae"] == 2.25 and report["retrain"] is False
    assert report["drop"] == pytest.approx(0.125)
    assert report["reason"] == "mae 2.250 is 12.5% above the serving model's 2.000 on its holdout (max drop 20%)"


def _regression_run(tmp_path, labels, error_model=None, reference=0.5, estimated_max_drop=0.0):
    batch = tmp_path / "batch"
    write_csv(batch / "data.csv", ["x", "price"], [[str(i), label or ""] for i, label in enumerate(labels)])
    listing = artifact(FileList, tmp_path / "list")
    write_report(listing, {"batch": "batch", "uri": str(batch), "label": "price", "inline_labels": True,
                           "files": [{"name": "data.csv", "path": str(batch / "data.csv"), "instances": 4}],
                           "num_instances": 4, "labels_file": None})
    predictions = artifact(BatchPredictions, tmp_path / "pred", model_version=1)
    (tmp_path / "pred").mkdir()
    (tmp_path / "pred" / "model.json").write_text(json.dumps({"version": 1, "classes": [], "task": "regression",
                                                              "calibration": error_model}))
    records = [record(f"data.csv:{i}", label, [value], []) for i, (label, value) in
               enumerate(zip(labels, [11.0, 18.0, 5.0, 40.0]))]
    (tmp_path / "pred" / "predictions-00000-of-00001.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    output = artifact(PerformanceReport, tmp_path / "perf")
    Executor().Do({"predictions": [predictions], "file_list": [listing]}, {"performance": [output]},
                  {"metrics": json.dumps(["mae", "rmse", "r2"]), "threshold_metric": "mae", "reference": reference,
                   "max_drop": 0.1, "estimated_max_drop": estimated_max_drop})
    return output, read_report(output)


def test_a_regression_batch_is_measured_in_the_labels_unit_and_gets_no_estimate_without_an_error_model(tmp_path):
    output, report = _regression_run(tmp_path, ["10", "20", None, "40"])
    assert report["labeled_instances"] == 3 and report["metrics"]["mae"] == 1.0
    assert report["metrics"]["rmse"] == pytest.approx((5 / 3) ** 0.5, abs=1e-3)
    assert report["metrics"]["r2"] == pytest.approx(1 - 5 / (466 + 2 / 3), abs=1e-3)
    assert report["retrain"] is True and report["estimated"] == {}
    assert output.get_float_custom_property("mae") == 1.0


# Two bins cut at 20: predictions below err by 1 on the holdout, above by 10 (spread 0, so the band is the mean's).
ERROR_MODEL = {"error_model": True, "edges": [20.0], "absolute": [1.0, 10.0], "squared": [1.0, 100.0],
               "spread": [0.0, 0.0], "counts": [100, 100]}


def test_a_regression_batch_without_labels_gets_its_mae_estimated_by_the_error_model(tmp_path):
    output, report = _regression_run(tmp_path, [None] * 4, ERROR_MODEL, reference=2.0, estimated_max_drop=0.1)
    # Three predictions (11, 18, 5) fall in the first bin, one (40) in the second: (3 * 1 + 10) / 4.
    assert report["estimated"] == {**report["estimated"], "mae": 3.25, "mae_low": 3.25, "mae_high": 3.25,
                                   "rows": 4, "error_bins": 2}
    assert report["estimated"]["rmse"] == pytest.approx(((3 + 100) / 4) ** 0.5, abs=1e-4)
    assert not report["labeled"] and report["retrain"] is True
    assert report["reason"] == ("no ground truth yet; estimated mae 3.250 (band 3.250-3.250) is 62.5% above the "
                                "serving model's 2.000 on its holdout; the band excludes it (estimated max drop 10%)")
    assert output.get_float_custom_property("estimated_mae") == 3.25
    assert not output.has_custom_property("estimated_calibrated")


def test_a_partly_labeled_regression_batch_corrects_the_error_models_mae_by_the_labeled_rows_residuals(tmp_path):
    # The error model expects |error| 1, 1, 1, 10 (mean 3.25); rows 0, 1, 3 are labeled (a uniform sample of 3 of
    # 4), realized |error| 1, 2, 0: residuals 0, 1, -10, so the MAE is 3.25 + (0 + 1 - 10) / 0.75 / 4 = 0.25.
    _, report = _regression_run(tmp_path, ["10", "20", None, "40"], ERROR_MODEL, reference=2.0)
    assert report["partial"]["estimator"] == "difference" and report["partial"]["weighted"] is False
    assert report["metrics"]["mae"] == pytest.approx(0.25)


def test_a_regression_estimate_whose_band_holds_the_reference_does_not_fire(tmp_path):
    wide = {**ERROR_MODEL, "spread": [4.0, 400.0], "counts": [10, 10]}
    _, report = _regression_run(tmp_path, [None] * 4, wide, reference=3.0, estimated_max_drop=0.05)
    assert report["estimated"]["mae_low"] < 3.0 and report["retrain"] is False
    assert report["reason"].endswith("above the serving model's 3.000 on its holdout; the band holds it "
                                     "(estimated max drop 5%)")


def test_regression_metrics_carry_the_spread_the_tested_rule_needs():
    import numpy as np

    from components.performance_evaluator.metrics import RegressionMetrics
    errors = np.array([0.5, -1.0, 2.0, -0.25, 1.5])
    metrics = RegressionMetrics()
    for error in errors:
        metrics.add(10.0, 10.0 + error)
    halves = RegressionMetrics()
    for error in errors[:2]:
        halves.add(10.0, 10.0 + error)
    rest = RegressionMetrics()
    for error in errors[2:]:
        rest.add(10.0, 10.0 + error)
    merged = halves.merge(rest).spreads()
    assert merged["mae"] == pytest.approx(np.abs(errors).std()) and merged["rmse"] == pytest.approx((errors ** 2).std())
    assert metrics.spreads() == pytest.approx(merged)
    report = report_of(metrics, 5, ["mae"], PerformanceSettings("mae", reference=0.5, reference_rows=400,
                                                                 max_drop=0.02, rule="tested_drop"))
    assert report["rule"] == "tested_drop" and report["reference_rows"] == 400
    assert "mae 1.050 on 5 rows is 110.0% above the serving model's 0.500 on 400 holdout rows" in report["reason"]


PARTIAL_ROWS = [["data.csv:0", "0.8", "0"], ["data.csv:2", "0.2", "1"]]
PARTIAL_HEADER = ("instance_id", "inclusion_probability", "big_tipper")


def test_a_partially_labeled_batch_is_weighted_by_the_probabilities_its_labels_file_carries(tmp_path):
    # Row 0 (predicted 1, labeled 0) was chosen with probability 0.8, row 2 (right) with 0.2: of the 4 rows an
    # estimated 1 / 0.8 are wrong, accuracy 1 - 1.25 / 4, where the plain mean of the two would say 0.5.
    output, report = _run(tmp_path, PARTIAL_ROWS, header=PARTIAL_HEADER, label_estimator="importance")
    assert report["metrics"]["accuracy"] == 0.6875 and output.get_float_custom_property("accuracy") == 0.6875
    assert report["partial"] == {**report["partial"], "metric": "accuracy", "labeled_rows": 2, "rows": 4,
                                 "weighted": True, "estimator": "importance"}
    assert report["partial"]["low"] <= 0.6875 <= report["partial"]["high"]
    assert report["reason"].endswith("(accuracy from 2 of 4 rows)")
    assert output.get_float_custom_property("partial_labeled_rows") == 2.0


def test_by_default_the_partial_estimate_is_the_models_expected_loss_corrected_by_the_weighted_residuals(tmp_path):
    # The model expects losses 0.1, 0.2, 0.3, 0.4 on the four rows (1 - its confidence; mean 0.25). Row 0: wrong,
    # residual 0.9, chosen with 0.8; row 2: right, residual -0.3, chosen with 0.2: mean loss
    # 0.25 + (0.9 / 0.8 - 0.3 / 0.2) / 4 = 0.15625.
    _, report = _run(tmp_path, PARTIAL_ROWS, header=PARTIAL_HEADER)
    assert report["partial"]["estimator"] == "difference"
    assert report["metrics"]["accuracy"] == pytest.approx(0.8438, abs=1e-4)
    assert report["partial"]["low"] <= report["partial"]["value"] <= report["partial"]["high"]


def test_a_label_request_in_the_batch_folder_weights_labels_that_name_only_ids(tmp_path):
    from core.labeling.acquisition import REQUEST_FILE, ChosenRow, LabelRequest
    (tmp_path / "batch").mkdir()
    LabelRequest("batch", 3, 4, 2, 0.2, 0, "big_tipper", "now", [ChosenRow("data.csv:0", 0.8, 0.1),
                                                                 ChosenRow("data.csv:2", 0.2, 0.3)]
                 ).write_record(tmp_path / "batch" / REQUEST_FILE)
    _, report = _run(tmp_path, [["data.csv:0", "0"], ["data.csv:2", "1"]], header=("instance_id", "big_tipper"),
                     label_estimator="importance")
    assert report["metrics"]["accuracy"] == 0.6875 and report["partial"]["weighted"] is True


def test_a_fully_labeled_batch_has_no_partial_estimate_and_a_fall_is_explained():
    rule = PerformanceSettings("accuracy", reference=0.9, max_drop=0.05, reference_rows=1000)
    estimated = {**ESTIMATED, "accuracy": 0.85, "accuracy_low": 0.8, "accuracy_high": 0.9,
                 "class_shares": {"0": 0.5, "1": 0.5}}
    report = report_of(_metrics(_records(["1", "0", "1", "1"])), 4, ["accuracy"], rule, estimated)
    assert "partial" not in report and report["metrics"]["accuracy"] == 0.75
    explained = report["drop_explained"]
    assert explained["total"]["value"] == pytest.approx(0.15) and explained["input_shift"]["value"] == pytest.approx(0.05)
    parts = explained["input_shift"]["value"] + explained["class_shares"]["value"] + explained["concept"]["value"]
    assert parts == pytest.approx(0.15)
