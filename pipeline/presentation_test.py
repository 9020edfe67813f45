"""Values said in words name the metric that decided: accuracy for a classifier, the error for a regressor."""
from pipeline import presentation


def test_a_model_row_compares_accuracy_or_the_error_by_name():
    classifier = {"metrics": {"accuracy": 0.83, "auc": 0.9}, "baseline_metrics": {"accuracy": 0.731},
                  "baseline_version": 1}
    assert presentation.comparison(classifier) == "accuracy 0.830 vs 0.731 (v1)"
    regressor = {"metrics": {"mae": 12.375, "rmse": 20.0}, "baseline_metrics": {"mae": 14.0}, "baseline_version": 3}
    assert presentation.comparison(regressor) == "mae 12.4 vs 14.0 (v3)"
    assert presentation.comparison({"metrics": {"mae": 4.21}, "baseline_metrics": {}}) == \
        "mae 4.210 (no serving model)"
    assert presentation.comparison({"metrics": {}}) == "-"


def test_an_estimate_is_said_in_the_models_metric():
    assert presentation.estimate_text({"accuracy": 0.842, "accuracy_low": 0.801, "accuracy_high": 0.883,
                                       "auc": 0.911, "rows": 2000, "calibrated": True}) == \
        "accuracy 0.842 (band 0.801-0.883), auc 0.911; calibrated, 2000 rows"
    assert presentation.estimate_text({"mae": 42.5, "mae_low": 39.5, "mae_high": 45.5, "rmse": 61.0, "rows": 300,
                                       "error_bins": 4}) == \
        "mae 42.5 (band 39.5-45.5), rmse 61.0; error model of 4 bins, 300 rows"
    assert presentation.estimate_text({}) == "-"
