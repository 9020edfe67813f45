"""Prediction drift: a regression model's predicted values, or a classifier's predicted classes, on a batch against
its answers on its holdout, by the engine's own tests."""
import numpy as np

from core.drift import distributions
from core.drift.report import prediction_drift
from core.drift.settings import DriftSettings


def test_predicted_values_that_moved_are_seen_and_a_sample_of_the_same_law_is_not():
    rng = np.random.default_rng(3)
    holdout = distributions.to_dict(distributions.numeric_from_values(rng.normal(100, 10, 2000)))
    steady = prediction_drift(holdout, list(rng.normal(100, 10, 400)), DriftSettings())
    moved = prediction_drift(holdout, list(rng.normal(103, 10, 400)), DriftSettings())
    assert steady["measured"] and steady["method"] == "ks_t" and not steady["shifted"]
    assert moved["shifted"] and moved["p_value"] < 1e-3 and moved["distances"]["psi"] > steady["distances"]["psi"]
    assert (moved["baseline_rows"], moved["batch_rows"]) == (2000, 400)


def test_nothing_is_compared_without_the_holdout_answers_or_the_batch_predictions():
    assert prediction_drift({}, [1.0], DriftSettings())["reason"].startswith("the serving model's answers")
    holdout = distributions.to_dict(distributions.numeric_from_values([1.0, 2.0]))
    assert prediction_drift(holdout, [], DriftSettings()) == {"measured": False,
                                                              "reason": "the batch has no predictions"}
