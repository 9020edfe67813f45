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


def test_what_components_record_becomes_the_row_fields_every_table_reads_and_says_one_way():
    from core.policy.economics import StatedPrice
    price = presentation.price_fields(StatedPrice.from_dict({"expected_gain": 320.0, "cost": 50.05, "verdict": "pays"}))
    assert price == {"expected_gain": 320.0, "retrain_cost": 50.05, "verdict": "pays"}
    assert presentation.price_text(price) == "expected gain 320.00, cost 50.05: pays"
    assert presentation.price_text(presentation.price_fields(None)) == "-"   # no `economics:`
    partial = presentation.partial_fields({"metric": "accuracy", "value": 0.79, "low": 0.657, "high": 0.922,
                                           "labeled_rows": 60, "rows": 300}, "accuracy")
    assert presentation.is_partial(partial, "accuracy") and not presentation.is_partial(partial, "mae")
    assert presentation.partial_text(partial, "accuracy") == "0.790 (band 0.657-0.922) from 60 of 300 rows"
    assert presentation.partial_fields({"metric": "mae", "value": 4.0}, "accuracy")["partial_accuracy"] is None
    drop = presentation.drop_fields({"total": {"value": 0.08, "standard_error": 0.03},
                                     "concept": {"value": 0.07, "standard_error": 0.021}})
    assert presentation.drop_text(drop) == "0.080: +0.000 / +0.000 / +0.070 ±0.021"


def test_hyperparameters_say_where_they_come_from():
    searched = {"values": {"shrinkage": 0.1, "max_depth": 4}, "searched": True, "trials": 12, "search_seconds": 9.8,
                "validation_rows": 300, "validation_loss": 0.41, "default_loss": 0.45}
    assert presentation.hyperparameters_origin(searched) == "searched this retrain"
    reused = {**searched, "searched": False, "retrains_since_search": 2}
    assert presentation.hyperparameters_origin(reused, "v3") == "reused from v3"
    assert presentation.hyperparameters_text(reused) == \
        "max_depth 4, shrinkage 0.1; reused from the search 2 retrain(s) before"   # as `adapt models show` says
    assert presentation.hyperparameters_origin({}) == "defaults"
