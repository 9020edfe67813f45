"""The simulator's learning curve, measured as the Trainer measures it: on a large holdout a forest on half the rows
against the model, on a small one out of fold; None when a part is too small or holds one class."""
import numpy as np
import pytest

from core.learning_curve import HOLDOUT, OUT_OF_FOLD
from core.tuning.curve import measure


def _grow(columns, labels):
    """A stand-in learner whose rows right rise with the rows it was grown on (0.6 from 40 rows, 0.9 from 600)."""
    share = min(0.9, 0.6 + 0.3 * (len(labels) - 40) / 560)
    return lambda answered, truth: (np.arange(len(truth)) % 100 < share * 100).astype(float)


def _rows(count, classes=2):
    return {"x": np.arange(count, dtype=float)}, np.array([str(i % classes) for i in range(count)])


def test_a_large_holdout_scores_half_the_rows_against_the_model_a_small_one_out_of_fold():
    model_scores = np.ones(1000) * 0.9
    found = measure("accuracy", _grow, _rows(800), _rows(1000), model_scores, regression=False)
    assert found.scored_on == HOLDOUT and [p.rows for p in found.points] == [400, 800]
    assert found.points[0].value == pytest.approx(0.8, abs=0.01) and found.points[1].value == pytest.approx(0.9)
    assert found.training_rows == 800 and found.scored_rows == 1000 and found.paired_se > 0
    small = measure("accuracy", _grow, _rows(800), _rows(200), np.ones(200), regression=False)
    assert small.scored_on == OUT_OF_FOLD and [p.rows for p in small.points] == [200, 600]
    assert small.points[0].value < small.points[1].value and small.scored_rows == 800


def test_too_few_rows_or_one_class_measures_nothing():
    assert measure("accuracy", _grow, _rows(120), _rows(30), np.ones(30), regression=False) is None
    assert measure("accuracy", _grow, _rows(800, classes=1), _rows(30), np.ones(30), regression=False) is None
    assert measure("mae", _grow, _rows(800, classes=1), _rows(30), np.ones(30), regression=True) is not None


def test_out_of_fold_each_rows_scores_are_averaged_over_repeated_draws_of_the_folds(monkeypatch):
    """A learner whose right answers are drawn at random around its rows' share (0.6 on 100 rows, 0.75 on 300):
    three draws of the folds average each row's scores, so the rise keeps its size and its paired standard error
    falls well below one draw's (pure numpy, ~0.1 s)."""
    calls = iter(range(10_000))

    def noisy(columns, labels):
        share = 0.6 if len(labels) < 200 else 0.75
        rng = np.random.default_rng(next(calls))
        return lambda answered, truth: (rng.random(len(truth)) < share).astype(float)

    from core import learning_curve as curves
    assert [curves.out_of_fold_repeats(rows) for rows in (400, 2000, 3000, 6000)] == [3, 3, 2, 1]
    three = measure("accuracy", noisy, _rows(400), _rows(100), np.ones(100), regression=False)
    monkeypatch.setattr("core.tuning.curve.out_of_fold_repeats", lambda rows: 1)
    one = measure("accuracy", noisy, _rows(400), _rows(100), np.ones(100), regression=False)
    for found in (one, three):
        assert found.points[1].value - found.points[0].value == pytest.approx(0.15, abs=0.06)
    assert three.paired_se < 0.7 * one.paired_se
