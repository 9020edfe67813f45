"""The command line's tables name the metric that decided: accuracy for a classifier, the error for a regressor."""
from pipeline.cli import tables


def test_a_model_row_compares_accuracy_or_the_error_by_name():
    classifier = {"metrics": {"accuracy": 0.83, "auc": 0.9}, "baseline_metrics": {"accuracy": 0.731},
                  "baseline_version": 1}
    assert tables.comparison(classifier) == "accuracy 0.830 vs 0.731 (v1)"
    regressor = {"metrics": {"mae": 12.375, "rmse": 20.0}, "baseline_metrics": {"mae": 14.0}, "baseline_version": 3}
    assert tables.comparison(regressor) == "mae 12.4 vs 14.0 (v3)"
    assert tables.comparison({"metrics": {"mae": 4.21}, "baseline_metrics": {}}) == "mae 4.210 (no serving model)"
    assert tables.comparison({"metrics": {}}) == "-"


def test_the_history_shows_the_batch_and_the_candidate_in_the_models_metric():
    row = {"time": 0, "event": "retraining", "trigger": "batch-evaluation", "spans": "1-2", "production_version": 2,
           "metric": "mae", "batch_value": 7.5, "estimated_value": None, "candidate_value": 4.25,
           "baseline_value": 5.5, "compute_seconds": 21.04, "outcome": "pushed as version 2", "reason": "drift"}
    text = tables.history_table([row])
    assert "7.500 / -" in text and "mae 4.250 vs 5.500" in text and "21.0" in text


def test_an_estimate_is_said_in_the_models_metric():
    assert tables.estimate_text({"accuracy": 0.842, "accuracy_low": 0.801, "accuracy_high": 0.883, "auc": 0.911,
                                 "rows": 2000, "calibrated": True}) == \
        "accuracy 0.842 (band 0.801-0.883), auc 0.911; calibrated, 2000 rows"
    assert tables.estimate_text({"mae": 42.5, "mae_low": 39.5, "mae_high": 45.5, "rmse": 61.0, "rows": 300,
                                 "error_bins": 4}) == "mae 42.5 (band 39.5-45.5), rmse 61.0; error model of 4 bins, 300 rows"
    assert tables.estimate_text({}) == "-"
