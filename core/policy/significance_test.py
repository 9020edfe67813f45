"""The performance rule's test at the batch's size: false alarms at most the rate on batches no worse than the
reference, a real drop beyond the tolerance found once the rows can show it."""
import numpy as np
import pytest

from core.policy.significance import accuracy_drop, error_drop


def _fire_rate(true_accuracy, rows, reference=0.88, reference_rows=1000, tolerance=0.02, rate=0.05, trials=1500):
    rng = np.random.default_rng(rows)
    batches = rng.binomial(rows, true_accuracy, size=trials) / rows
    holdouts = rng.binomial(reference_rows, reference, size=trials) / reference_rows
    return np.mean([accuracy_drop(b, rows, h, reference_rows, tolerance, rate).fires
                    for b, h in zip(batches, holdouts)])


@pytest.mark.parametrize("rows", [200, 1000, 10_000, 100_000])
def test_batches_as_good_as_the_reference_fire_at_most_at_the_rate(rows):
    assert _fire_rate(0.88, rows) <= 0.05
    # at the tolerance's own edge the rate is spent, never exceeded by more than the sampling error
    assert _fire_rate(0.88 * 0.98, rows) <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 1500)


def test_the_same_drop_is_chance_on_200_rows_and_a_finding_on_50000():
    small = accuracy_drop(0.85, 200, 0.88, 1000, 0.02, 0.05)
    large = accuracy_drop(0.85, 50_000, 0.88, 5000, 0.02, 0.05)
    assert not small.fires and small.p_value > 0.05
    assert large.fires and large.p_value < 0.01 and large.drop == pytest.approx(0.03 / 0.88)
    assert 0.02 < large.drop_low < large.drop
    assert "beyond the 2% tolerance by chance" in large.describe() and "on 50000 rows" in large.describe()
    assert "within the 2% tolerance" in small.describe()


def test_a_ten_point_drop_is_found_on_a_thousand_rows_and_a_gain_never_fires():
    assert _fire_rate(0.78, 1000) > 0.99
    better = accuracy_drop(0.95, 1000, 0.88, 1000, 0.02, 0.05)
    assert not better.fires and better.drop < 0 and "not below" in better.describe()


def test_an_unknown_holdout_size_takes_the_reference_as_exact():
    known = accuracy_drop(0.84, 2000, 0.88, 300, 0.02, 0.05)
    exact = accuracy_drop(0.84, 2000, 0.88, 0, 0.02, 0.05)
    assert exact.p_value < known.p_value


def test_mean_absolute_error_beyond_the_tolerance_fires_by_rows():
    rng = np.random.default_rng(5)
    fired = []
    for _ in range(1000):  # batches as good as the holdout: errors of the same law
        batch, holdout = np.abs(rng.normal(size=300)), np.abs(rng.normal(size=500))
        fired.append(error_drop("mae", batch.mean(), batch.std(), 300, holdout.mean(), holdout.std(), 500,
                                0.02, 0.05).fires)
    assert np.mean(fired) <= 0.05
    worse = np.abs(rng.normal(scale=1.3, size=5000))
    found = error_drop("mae", worse.mean(), worse.std(), 5000, 0.798, 0.6, 1000, 0.02, 0.05)
    assert found.fires and found.drop > 0.2 and "above the serving model's" in found.describe()
    unrecorded = error_drop("mae", worse.mean(), worse.std(), 5000, 0.798, 0.0, 1000, 0.02, 0.05)
    assert unrecorded.fires   # a holdout spread not recorded: taken to be the batch's


def test_rmse_is_tested_on_squared_errors_and_reported_on_its_own_scale():
    rng = np.random.default_rng(6)
    errors = rng.normal(scale=1.2, size=4000)
    squared = errors ** 2
    found = error_drop("rmse", float(np.sqrt(squared.mean())), float(squared.std()), 4000, 1.0, 0.0, 800, 0.02,
                       0.05)
    assert found.fires and found.drop == pytest.approx(np.sqrt(squared.mean()) - 1.0)
    assert 0 < found.drop_low < found.drop
