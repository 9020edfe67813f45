import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from core import error_estimation, estimation


def _calibrated_sample(rng, n, a, b):
    """Positive-class probabilities from Beta(a, b) and labels drawn from them: a model calibrated by construction."""
    p = rng.beta(a, b, size=n)
    return p, (rng.random(n) < p).astype(int)


def test_a_calibrated_models_estimate_holds_the_realized_accuracy_on_a_shifted_sample():
    rng = np.random.default_rng(0)
    covered = 0
    for _ in range(200):
        p, y = _calibrated_sample(rng, 500, 0.8, 0.8)   # the shifted batch: more rows near 0.5 than a holdout
        estimate = estimation.estimate_accuracy(p[:, None])
        realized = np.mean((p > 0.5).astype(int) == y)
        covered += estimate.low <= realized <= estimate.high
        assert estimate.rows == 500 and estimate.low < estimate.value < estimate.high
    assert covered >= 196   # a 3-sigma band: 99.7 % expected


def test_the_estimate_falls_when_rows_move_where_the_model_is_unsure():
    rng = np.random.default_rng(1)
    confident, _ = _calibrated_sample(rng, 2000, 0.3, 0.3)
    unsure, _ = _calibrated_sample(rng, 2000, 3.0, 3.0)
    assert estimation.estimate_accuracy(unsure).value < estimation.estimate_accuracy(confident).value - 0.1


def test_the_expected_roc_auc_is_the_realized_one_of_a_calibrated_model():
    rng = np.random.default_rng(2)
    p, y = _calibrated_sample(rng, 20000, 0.7, 0.9)
    assert estimation.estimate_roc_auc(p) == pytest.approx(roc_auc_score(y, p), abs=0.01)
    assert estimation.estimate_roc_auc(np.full((10, 3), 1 / 3)) == pytest.approx(0.5)   # no ranking at all


def test_calibration_repairs_an_overconfident_model_and_the_estimate_then_holds():
    rng = np.random.default_rng(3)
    true_p, y = _calibrated_sample(rng, 4000, 1.0, 1.0)
    overconfident = true_p ** 0.25 / (true_p ** 0.25 + (1 - true_p) ** 0.25)
    calibrator = estimation.fit_calibrator(overconfident, y)
    assert calibrator.kept and calibrator.ece_after < calibrator.ece_before / 2
    batch_p, batch_y = _calibrated_sample(rng, 1000, 2.0, 2.0)
    shown = batch_p ** 0.25 / (batch_p ** 0.25 + (1 - batch_p) ** 0.25)
    raw = estimation.estimate_accuracy(shown)
    calibrated = estimation.estimate_accuracy(calibrator.apply(shown))
    realized = np.mean((shown > 0.5).astype(int) == batch_y)
    assert not raw.low <= realized <= raw.high    # the model's own confidence overstates its accuracy
    assert calibrated.low <= realized <= calibrated.high
    assert estimation.Calibrator.from_dict(calibrator.to_dict()).apply(shown) == pytest.approx(
        calibrator.apply(shown))


def test_a_calibrator_that_does_not_lower_the_error_is_not_kept():
    rng = np.random.default_rng(4)
    y = (rng.random(3000) < 0.7).astype(int)
    constant = np.full(3000, y.mean())
    calibrator = estimation.fit_calibrator(constant, y)
    assert not calibrator.kept and calibrator.ece_after == calibrator.ece_before
    assert calibrator.apply(constant)[:, 1] == pytest.approx(constant)


def test_several_classes_are_calibrated_per_class_and_renormalised():
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(3000, 3)) * 2
    truth = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in truth])
    shown = np.exp(3 * logits) / np.exp(3 * logits).sum(axis=1, keepdims=True)   # overconfident
    calibrator = estimation.fit_calibrator(shown, y)
    calibrated = calibrator.apply(shown)
    assert calibrated.sum(axis=1) == pytest.approx(np.ones(3000))
    assert calibrator.kept and calibrator.ece_after < calibrator.ece_before
    assert estimation.estimate_accuracy(calibrated).value == pytest.approx(np.mean(shown.argmax(axis=1) == y),
                                                                           abs=0.03)


def test_the_estimate_judges_the_models_own_prediction_not_the_calibrated_argmax():
    # Calibration may move a row's argmax; the model still predicted its raw class.
    calibrated = np.array([[0.6, 0.4], [0.3, 0.7]])
    assert estimation.estimate_accuracy(calibrated, predicted=np.array([1, 1])).value == pytest.approx(0.55)
    assert estimation.estimate_accuracy(calibrated).value == pytest.approx(0.65)


def test_sums_of_blocks_merge_into_the_estimate_of_the_whole_batch():
    rng = np.random.default_rng(6)
    logits = rng.normal(size=(3000, 3)) * 2
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    whole = estimation.EstimationSums(3).add(p)
    merged = estimation.EstimationSums(3).add(p[:1000]).merge(estimation.EstimationSums(3).add(p[1000:]))
    assert merged.results() == whole.results() and merged.rows == 3000
    y = np.array([rng.choice(3, p=row) for row in p])
    realized = np.mean([roc_auc_score(y == k, p[:, k]) for k in range(3)])
    assert whole.roc_auc() == pytest.approx(realized, abs=0.02)    # macro one-vs-rest of a calibrated model
    assert set(whole.results()) == {"accuracy", "accuracy_low", "accuracy_high", "auc", "rows"}


def test_too_few_holdout_rows_are_not_calibrated():
    rng = np.random.default_rng(7)
    p, y = _calibrated_sample(rng, 40, 1.0, 1.0)
    calibrator = estimation.fit_calibrator(p ** 0.25 / (p ** 0.25 + (1 - p) ** 0.25), y)
    assert not calibrator.kept and calibrator.rows == 40 and calibrator.ece_before == calibrator.ece_after


def test_the_band_widens_with_the_calibration_holdouts_own_sampling_error():
    p = np.full(10_000, 0.9)
    batch_only = estimation.estimate_accuracy(p)
    with_reference = estimation.estimate_accuracy(p, reference_rows=300)
    assert batch_only.high - batch_only.low == pytest.approx(6 * np.sqrt(0.09 / 10_000))
    assert with_reference.high - with_reference.low == pytest.approx(6 * np.sqrt(0.09 / 10_000 + 0.09 / 300))


def _heteroscedastic(rng, n, low, high):
    """A regression model whose absolute error grows with its prediction (errors ~ N(0, 0.1 * prediction))."""
    predicted = rng.uniform(low, high, size=n)
    return predicted, predicted + rng.normal(0.0, 0.1 * predicted)


def test_the_error_model_estimates_a_higher_mae_where_predictions_move_into_larger_errors():
    rng = np.random.default_rng(10)
    predicted, labels = _heteroscedastic(rng, 3000, 10, 100)
    model = error_estimation.fit_error_model(predicted, labels)
    assert len(model.counts) > 1 and model.rows == 3000
    covered = 0
    for _ in range(100):
        batch, truth = _heteroscedastic(rng, 500, 60, 100)   # shifted towards the large values
        estimate = error_estimation.estimate_mae(model, batch)
        realized = np.abs(batch - truth).mean()
        covered += estimate.low <= realized <= estimate.high
        assert estimate.value > np.abs(predicted - labels).mean() * 1.2   # the holdout's MAE would miss the shift
    assert covered >= 95


def test_errors_that_do_not_depend_on_the_prediction_get_one_bin_and_the_holdouts_mae():
    rng = np.random.default_rng(11)
    predicted = rng.uniform(0, 10, size=2000)
    labels = predicted + rng.normal(0.0, 1.0, size=2000)
    model = error_estimation.fit_error_model(predicted, labels)
    assert len(model.counts) <= 2
    estimate = error_estimation.estimate_mae(model, rng.uniform(0, 10, size=400))
    assert estimate.value == pytest.approx(np.sqrt(2 / np.pi), abs=0.06)
    assert estimate.low < estimate.value < estimate.high


def test_a_small_holdout_gets_one_bin_and_the_error_model_round_trips():
    rng = np.random.default_rng(12)
    predicted, labels = _heteroscedastic(rng, 60, 10, 100)
    model = error_estimation.fit_error_model(predicted, labels)
    assert len(model.counts) == 1 and model.summary()["holdout_mae"] == pytest.approx(
        np.abs(predicted - labels).mean(), rel=1e-5)
    again = error_estimation.ErrorModel.from_dict(model.to_dict())
    sums = error_estimation.ErrorSums(1).add(again, predicted[:30]).merge(error_estimation.ErrorSums(1).add(again, predicted[30:]))
    assert sums.results(again)["mae"] == pytest.approx(model.summary()["holdout_mae"], rel=1e-5)
    assert sums.results(again)["rmse"] == pytest.approx(np.sqrt(((predicted - labels) ** 2).mean()), rel=1e-5)
    assert error_estimation.fit_error_model([], []).rows == 0
