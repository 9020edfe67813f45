import csv

import numpy as np
import pytest

from core.labeling.acquisition import (PROBABILITY_COLUMN, LabelRequest, choose_rows, expected_classification_loss,
                                       inclusion_probabilities, read_request, systematic_sample)
from core.labeling.estimate import LabeledSums
from core.labeling.estimators import ESTIMATORS, estimate_from_sample, estimate_partial, repeated_draws
from core.labeling.explain import explain_drop


def _population(rows=2000, seed=1):
    """A calibrated model right about 94 % of the time: most rows sure, its errors among the few it doubts."""
    generator = np.random.default_rng(seed)
    expected = 0.5 * generator.beta(0.3, 2.0, rows)
    return expected, (generator.uniform(size=rows) < expected).astype(float)


def test_inclusion_probabilities_sum_to_the_budget_none_is_zero_and_none_above_one():
    loss = np.r_[np.zeros(50), np.full(5, 10.0), np.linspace(0.01, 0.5, 445)]
    probabilities = inclusion_probabilities(loss, 60)
    assert probabilities.sum() == pytest.approx(60)
    assert probabilities.min() > 0 and probabilities.max() <= 1.0
    assert (probabilities[50:55] == 1.0).all()        # the sure errors are taken for sure
    assert probabilities[-1] > probabilities[60]       # more expected loss, more chance


def test_the_systematic_sample_takes_exactly_the_budget_with_the_stated_chances():
    expected, _ = _population(400)
    probabilities = inclusion_probabilities(expected, 40)
    hits = np.zeros(400)
    for seed in range(3000):
        chosen = systematic_sample(probabilities, seed)
        assert len(chosen) == 40
        hits[chosen] += 1
    assert np.abs(hits / 3000 - probabilities).max() < 0.04


def test_the_estimate_is_unbiased_over_many_draws_and_its_band_covers_about_as_stated():
    expected, wrong = _population()
    truth = 1.0 - wrong.mean()
    estimates, covered = [], 0
    for seed in range(1500):
        probabilities = inclusion_probabilities(expected, 100)
        chosen = systematic_sample(probabilities, seed)
        found = estimate_from_sample(wrong[chosen], probabilities[chosen], len(wrong), sigmas=1.96)
        estimates.append(found.value)
        covered += found.low <= truth <= found.high
    assert np.mean(estimates) == pytest.approx(truth, abs=0.004)
    assert 0.90 <= covered / 1500 <= 0.99


def test_active_sampling_beats_a_uniform_sample_of_the_same_size():
    expected, wrong = _population()
    truth = 1.0 - wrong.mean()
    errors = {"active": [], "uniform": []}
    for seed in range(400):
        for name, share in (("active", 0.2), ("uniform", 1.0)):
            probabilities = inclusion_probabilities(expected, 100, share)
            chosen = systematic_sample(probabilities, seed)
            errors[name].append(abs(estimate_from_sample(wrong[chosen], probabilities[chosen], 2000).value - truth))
    assert np.mean(errors["active"]) < 0.9 * np.mean(errors["uniform"])


def test_a_uniform_subset_gives_the_plain_mean_with_the_finite_population_band():
    found = estimate_from_sample([0, 1, 0, 0], [0.4] * 4, 10, sigmas=1.0)
    assert found.value == 0.75 and not found.weighted and (found.labeled_rows, found.rows) == (4, 10)
    assert found.estimator == "importance"
    assert found.standard_error == pytest.approx(np.sqrt((1 - 0.4) * np.var([0, 1, 0, 0], ddof=1) / 4))
    assert "from 4 of 10 rows" in found.describe()


def test_sums_merge_as_if_added_at_once_and_estimate_class_shares():
    one, two, whole = LabeledSums(), LabeledSums(), LabeledSums()
    for index, (loss, pi, label) in enumerate([(1, 0.5, "a"), (0, 0.2, "b"), (0, 0.1, "b"), (1, 0.8, "a")]):
        (one if index < 2 else two).add(loss, pi, label)
        whole.add(loss, pi, label)
    merged = one.merge(two)
    assert estimate_partial(merged, "accuracy", 20) == estimate_partial(whole, "accuracy", 20)
    assert merged.class_shares() == pytest.approx({"a": 3.25 / 18.25, "b": 15 / 18.25})
    mae = estimate_partial(whole, "mae", 20)
    assert mae.value == pytest.approx((2 + 1.25) / 20)


def test_chosen_rows_and_the_written_request_and_csv(tmp_path):
    ids = [f"data.csv:{i}" for i in range(30)]
    loss = expected_classification_loss(np.c_[np.linspace(0.5, 1, 30), 1 - np.linspace(0.5, 1, 30)])
    chosen = choose_rows(ids, loss, 10, seed=3)
    assert len(chosen) == 10 and len({row.instance_id for row in chosen}) == 10
    request = LabelRequest("b", 2, 30, 10, 0.2, 3, "churned", "2026-12-07T00:00:00Z", chosen)
    request.write_csv(tmp_path / "to-label.csv", ["x1", "channel"])
    with open(tmp_path / "to-label.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["instance_id", PROBABILITY_COLUMN, "x1", "channel", "churned"]
    assert [row["instance_id"] for row in rows] == [row.instance_id for row in chosen]
    assert all(0 < float(row[PROBABILITY_COLUMN]) <= 1 and row["churned"] == "" for row in rows)
    logged = {chosen[0].instance_id: "trip-7"}   # a batch made from the prediction log: rows by request id
    request.write_csv(tmp_path / "logged.csv", ["x1"], shown_ids=logged)
    with open(tmp_path / "logged.csv") as handle:
        shown = [row["instance_id"] for row in csv.DictReader(handle)]
    assert shown[0] == "trip-7" and shown[1:] == [row.instance_id for row in chosen[1:]]
    request.write_record(tmp_path / "request.json")
    assert read_request(tmp_path / "request.json").probabilities() == request.probabilities()
    with pytest.raises(ValueError):
        choose_rows(ids, loss, 0)


def test_a_pure_class_share_change_is_explained_by_the_class_shares():
    # Class b is the hard one (0.6 right); its share rises from 0.3 to 0.7. The estimate, by confidence, misses it.
    accuracy = {"a": 0.95, "b": 0.6}
    reference = 0.7 * 0.95 + 0.3 * 0.6
    realized = 0.3 * 0.95 + 0.7 * 0.6
    found = explain_drop("accuracy", reference, reference - 0.01, realized, class_accuracy=accuracy,
                         expected_shares={"a": 0.7, "b": 0.3}, realized_shares={"a": 0.3, "b": 0.7},
                         labeled_rows=500, estimated_error=0.01, realized_error=0.02)
    assert found.total.value == pytest.approx(0.14)
    assert found.share(found.class_shares) > 0.85 and abs(found.concept.value) < 0.02
    assert found.class_shares.standard_error > 0 and "class shares" in found.describe()


def test_a_pure_concept_change_is_left_to_the_rest_and_a_shift_to_the_estimate():
    shares = {"a": 0.5, "b": 0.5}
    concept = explain_drop("accuracy", 0.9, 0.89, 0.75, class_accuracy={"a": 0.9, "b": 0.9}, expected_shares=shares,
                           realized_shares={"a": 0.52, "b": 0.48}, labeled_rows=300)
    assert concept.share(concept.concept) > 0.9 and concept.class_shares.value == pytest.approx(0.0)
    shift = explain_drop("accuracy", 0.9, 0.8, 0.79)
    assert shift.share(shift.input_shift) > 0.9
    rise = explain_drop("mae", 2.0, 2.5, 3.0)
    assert (rise.total.value, rise.input_shift.value, rise.concept.value) == pytest.approx((1.0, 0.5, 0.5))


def _confidently_wrong(rows=2000, seed=2):
    """A model whose confidence says 0.95 right, while a third of its answers are wrong (concept drift): its
    errors sit a little more among the rows it doubts."""
    generator = np.random.default_rng(seed)
    expected = 0.1 * generator.beta(0.5, 2.0, rows)
    wrong = (generator.uniform(size=rows) < 0.25 + 2 * expected).astype(float)
    return expected, wrong


def _draws(expected, wrong, estimator, share, budget=100, draws=600, sigmas=3.0):
    truth = 1.0 - wrong.mean()
    found = repeated_draws(wrong, expected, estimator, budget, share, draws, sigmas)
    assert {estimate.estimator for estimate in found} == {estimator}
    values = [estimate.value for estimate in found]
    covered = sum(estimate.low <= truth <= estimate.high for estimate in found)
    return np.asarray(values), truth, covered / draws


def test_the_difference_estimate_is_unbiased_even_when_the_model_is_confidently_wrong():
    expected, wrong = _confidently_wrong()
    values, truth, covered = _draws(expected, wrong, "difference", 0.5, sigmas=1.96)
    assert truth < 0.7 and 1 - expected.mean() > 0.9           # the confidence-based estimate is 0.25 too high
    assert np.mean(values) == pytest.approx(truth, abs=0.006)
    assert 0.90 <= covered <= 0.99
    importance, _, _ = _draws(expected, wrong, "importance", 0.5)
    assert np.abs(values - truth).mean() < np.abs(importance - truth).mean()


def test_the_difference_estimate_beats_a_random_sample_where_the_expected_loss_is_good():
    expected, wrong = _population()
    values, truth, _ = _draws(expected, wrong, "difference", 0.5)
    uniform, _, _ = _draws(expected, wrong, "importance", 1.0)
    assert np.abs(values - truth).mean() < 0.8 * np.abs(uniform - truth).mean()


def test_the_difference_estimator_without_expected_losses_is_the_importance_estimate_and_keys_are_checked():
    losses, probabilities = [0, 1, 0, 1, 1], [0.2, 0.5, 0.1, 0.4, 0.3]
    plain = estimate_from_sample(losses, probabilities, 30, estimator="importance")
    fallback = estimate_from_sample(losses, probabilities, 30, estimator="difference")
    assert fallback == plain and fallback.estimator == "importance"
    zero = estimate_from_sample(losses, probabilities, 30, estimator="difference", expected_losses=[0.0] * 5,
                                expected_mean=0.0)
    assert (zero.value, zero.standard_error, zero.estimator) == pytest.approx((plain.value, plain.standard_error,
                                                                               "difference"))
    # exact: base 0.1 over the batch, residuals (l - e) / pi summed over 30 rows
    exact = estimate_from_sample([1, 0], [0.5, 0.25], 30, metric="mae", estimator="difference",
                                 expected_losses=[0.4, 0.2], expected_mean=0.1)
    assert exact.value == pytest.approx(0.1 + (0.6 / 0.5 - 0.2 / 0.25) / 30)
    assert ESTIMATORS.keys() == ("importance", "difference")
    with pytest.raises(ValueError, match="no label estimator 'lure'"):
        ESTIMATORS.get("lure")
