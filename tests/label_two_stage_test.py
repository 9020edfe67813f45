"""The two-stage label request with a surrogate that benchmarks/label_budget.py measures
(benchmarks/label_two_stage.py): unbiased whatever the surrogate says, the surrogate fitted on the first half of the
budget, and a surrogate that knows the errors makes it tighter than one stage."""
import numpy as np
import pandas as pd

from benchmarks.label_two_stage import COMBINED, SECOND, label_surrogate, surrogate_inputs, two_stage_draws
from core.labeling.estimators import repeated_draws


def _batch(rows: int = 400, seed: int = 0):
    """A model confidently wrong on a region it does not know: its expected loss says nothing about its errors."""
    rng = np.random.default_rng(seed)
    region = rng.random(rows) < 0.4
    losses = (rng.random(rows) < np.where(region, 0.8, 0.05)).astype(float)
    expected = rng.uniform(0.02, 0.2, rows)
    return losses, expected, region


def test_unbiased_whatever_the_surrogate_says_fitted_on_the_first_half():
    losses, expected, region = _batch()
    seen = []

    def misleading(labeled):
        seen.append(labeled)
        return np.where(region, 0.01, 0.9)    # the errors' opposite

    found = two_stage_draws(losses, expected, misleading, budget=40, draws=400)
    truth = 1.0 - losses.mean()
    for name in (COMBINED, SECOND):
        values = np.array([estimate.value for estimate in found[name]])
        assert abs(values.mean() - truth) < 3 * values.std() / np.sqrt(len(values)) + 0.002, name
    assert all(len(labeled) == 20 for labeled in seen)


def test_a_surrogate_that_knows_the_errors_beats_one_stage():
    losses, expected, region = _batch()
    truth = 1.0 - losses.mean()
    found = two_stage_draws(losses, expected, lambda labeled: np.where(region, 0.8, 0.05), budget=40, draws=200)
    one_stage = repeated_draws(losses, expected, "difference", 40, 0.5, 200)
    error = {name: np.mean([abs(estimate.value - truth) for estimate in estimates])
             for name, estimates in (*found.items(), ("one stage", one_stage))}
    assert error[SECOND] < 0.8 * error["one stage"] and error[COMBINED] < error["one stage"]


def test_the_logistic_surrogate_learns_a_new_boundary_from_the_labeled_rows():
    rng = np.random.default_rng(1)
    features = pd.DataFrame({"x": rng.normal(size=300), "kind": pd.Categorical(rng.choice(["a", "b"], 300))})
    labels = (features["x"] > 0).astype(int).to_numpy()
    predicted = np.ones(300, dtype=int)                          # the model says 1 everywhere, sure of it
    calibrated = np.tile([0.05, 0.95], (300, 1))
    expected = np.full(300, 0.05)
    surrogate = label_surrogate(surrogate_inputs(features, calibrated), labels, predicted, expected)
    guessed = surrogate(np.arange(60))
    assert guessed[labels == 0].mean() > guessed[labels == 1].mean() + 0.3
    assert np.array_equal(label_surrogate(surrogate_inputs(features, calibrated), labels, predicted, expected)(
        np.flatnonzero(labels == 1)[:10]), expected)             # one class labeled: the model's own expected loss
