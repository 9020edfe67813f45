import numpy as np
import pytest
import tensorflow as tf

from core.learning_curve import HOLDOUT, OUT_OF_FOLD, LearningCurve, extrapolate
from models import gradient_boosted, learning_curve


def _regression_rows(count, seed):
    """A smooth function of two numbers plus noise: a forest's error keeps falling for thousands of rows."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.uniform(-2, 2, count).astype(np.float32), rng.uniform(-2, 2, count).astype(np.float32)
    y = (np.sin(2 * x1) * 3 + x2 ** 2 + rng.normal(0, 0.3, count)).astype(np.float32)
    return {"x1": x1, "x2": x2}, y


def _dataset(features, labels):
    return tf.data.Dataset.from_tensor_slices((features, labels)).batch(256)


def test_the_holdout_curve_pairs_a_half_forest_with_the_trained_model_on_the_same_rows():
    train, held = _regression_rows(1200, 0), _regression_rows(1000, 1)
    import ydf   # the trained model stands in as YDF's forest on every row: TF-DF's, without a Keras trace
    full = ydf.GradientBoostedTreesLearner(label="y", task=ydf.Task.REGRESSION, random_seed=1,
                                           **gradient_boosted.SETTINGS).train({**train[0], "y": train[1]}, verbose=0)
    outputs = np.asarray(full.predict(held[0]), dtype=float).reshape(-1, 1)
    found = learning_curve.on_holdout([], 0, _dataset(*train), _dataset(*held), outputs, held[1], seed=1,
                                      regression=True)
    by_metric = {curve.metric: curve for curve in found}
    mae = by_metric["mae"]
    assert set(by_metric) == {"mae", "rmse"} and mae.scored_on == HOLDOUT and mae.scored_rows == 1000
    assert [point.rows for point in mae.points] == [600, 1200] and mae.training_rows == 1200
    assert mae.points[0].value > mae.points[1].value + 2 * mae.paired_se   # twice the rows: clearly better
    assert mae.points[1].value == pytest.approx(float(np.abs(outputs[:, 0] - held[1]).mean()), rel=1e-6)
    assert LearningCurve.from_dict(mae.to_dict()) == mae
    assert extrapolate(mae, 4800, 0.05).beyond_chance


def test_the_out_of_fold_curve_pairs_quarter_forests_with_the_calibrations_four_fold_forests():
    train = _regression_rows(400, 2)
    quarters = gradient_boosted.out_of_fold_outputs([], 0, _dataset(*train), seed=3, regression=True)
    found = learning_curve.out_of_fold([], 0, _dataset(*train), quarters, seed=3, regression=True)
    mae = found[0]
    assert mae.scored_on == OUT_OF_FOLD and [point.rows for point in mae.points] == [100, 300]
    assert mae.training_rows == 400 and mae.scored_rows == 400 and mae.paired_se > 0
    assert mae.points[0].value > mae.points[1].value + 2 * mae.paired_se   # a quarter of the rows: clearly worse


def test_out_of_fold_the_curve_averages_each_rows_scores_over_three_draws_of_the_folds(monkeypatch):
    """On 400 rows the curve is measured on three draws of the folds: each row's error is averaged over them, so
    the paired standard error of the rise is below a single draw's (about 20 forests on 100-300 rows, ~2 s)."""
    train = _regression_rows(400, 5)
    quarters = gradient_boosted.out_of_fold_outputs([], 0, _dataset(*train), seed=3, regression=True)
    three = learning_curve.out_of_fold([], 0, _dataset(*train), quarters, seed=3, regression=True)[0]
    monkeypatch.setattr(learning_curve, "out_of_fold_repeats", lambda rows: 1)
    one = learning_curve.out_of_fold([], 0, _dataset(*train), quarters, seed=3, regression=True)[0]
    assert [point.rows for point in three.points] == [100, 300] and three.scored_rows == 400
    assert three.paired_se < one.paired_se
    assert one.points[1].value == pytest.approx(float(np.abs(quarters[0][:, 0] - quarters[1]).mean()), rel=1e-6)
    assert three.points[1].value != pytest.approx(one.points[1].value, rel=1e-9)   # other draws, other forests


def test_a_classifiers_curve_is_on_accuracy_and_a_mismatch_of_rows_measures_nothing():
    rng = np.random.default_rng(4)
    signal = rng.normal(size=600).astype(np.float32)
    labels = ((signal > 0) ^ (rng.random(600) < 0.2)).astype(np.int64)
    features = {"signal": signal}
    outputs = (signal > 0).astype(float).reshape(-1, 1)
    found = learning_curve.on_holdout([], 2, _dataset(features, labels), _dataset(features, labels), outputs, labels)
    assert [curve.metric for curve in found] == ["accuracy"]
    assert found[0].points[1].value == pytest.approx(float(((signal > 0) == labels).mean()))
    assert learning_curve.on_holdout([], 2, _dataset(features, labels), _dataset(features, labels), outputs,
                                     labels[::-1]) == []
