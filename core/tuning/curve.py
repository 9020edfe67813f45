"""The simulator's learning curve of a trained window: what the Trainer records for the gain-of-more-data rule,
measured the same way on the rows in memory (models/learning_curve.py measures it on TensorFlow datasets).

- A holdout (the window's test rows) of at least CROSS_FIT_BELOW rows: a forest grown on half the training rows
  against the window's model itself, both scored on the holdout.
- A smaller one: the training rows answered out of fold, by forests grown on a quarter of them (each fold's forest
  answers the next fold's rows) against forests grown on three quarters (each answering the fold it left out),
  on `out_of_fold_repeats` draws of the folds, each row's scores averaged over them (core/learning_curve.py).

Each point's value is the mean of per-row scores (1/0 right for accuracy, |error| for MAE), and the paired standard
error of the last two points' difference is over the same rows, as the Trainer's is.
"""
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from core.learning_curve import (HOLDOUT, OUT_OF_FOLD, CurvePoint, LearningCurve, averaged,
                                 out_of_fold_repeats, standard_error)
from core.trees import MIN_EXAMPLES

CROSS_FIT_BELOW = 1000   # holdout rows the Trainer measures the curve on alone (models/gradient_boosted.py)
FOLDS = 4                # the Trainer's cross-fitting folds

Columns = Dict[str, np.ndarray]
# grows a forest on (columns, labels) and returns a function scoring (columns, labels) row by row
Grow = Callable[[Columns, np.ndarray], Callable[[Columns, np.ndarray], np.ndarray]]


def _part(columns: Columns, rows: np.ndarray) -> Columns:
    return {name: values[rows] for name, values in columns.items()}


def _growable(labels: np.ndarray, regression: bool) -> bool:
    return len(labels) >= 2 * MIN_EXAMPLES and (regression or len(np.unique(labels)) > 1)


def from_scores(metric: str, points: Sequence[Tuple[int, np.ndarray]], training_rows: int,
                scored_on: str) -> LearningCurve:
    """The curve through [(rows grown on, per-row scores on the same rows)], fewest rows first."""
    paired = standard_error(points[-1][1] - points[-2][1])
    return LearningCurve(metric, tuple(CurvePoint(int(rows), float(scores.mean()), standard_error(scores))
                                       for rows, scores in points),
                         paired, int(training_rows), scored_on, len(points[-1][1]))


def measure(metric: str, grow: Grow, train: Tuple[Columns, np.ndarray], holdout: Tuple[Columns, np.ndarray],
            model_scores: np.ndarray, regression: bool, seed: int = 42) -> Optional[LearningCurve]:
    """The curve of a model grown on `train`, whose per-row scores on `holdout` are `model_scores`; None when it
    cannot be measured (too few rows, or a single class in a part)."""
    columns, labels = train
    count = len(labels)
    order = np.random.default_rng(seed).permutation(count)
    if len(holdout[1]) >= CROSS_FIT_BELOW:
        half = order < count // 2
        if not _growable(labels[half], regression):
            return None
        scores = grow(_part(columns, half), labels[half])(*holdout)
        return from_scores(metric, [(count // 2, scores), (count, model_scores)], count, HOLDOUT)
    quarters, three_quarters = [], []
    for repeat in range(out_of_fold_repeats(count)):
        fold = (order if repeat == 0 else np.random.default_rng(seed + repeat).permutation(count)) % FOLDS
        found = _one_draw(grow, columns, labels, fold, regression)
        if found is None:
            return None
        quarters.append(found[0])
        three_quarters.append(found[1])
    return from_scores(metric, [(count // FOLDS, averaged(quarters)), (count - count // FOLDS,
                                                                        averaged(three_quarters))], count, OUT_OF_FOLD)


def _one_draw(grow: Grow, columns: Columns, labels: np.ndarray, fold: np.ndarray,
              regression: bool) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Every row's scores out of fold on one draw of the folds: by a forest grown on a quarter (the fold before
    it), and by one grown on three quarters (those it is not in); None when a part cannot be grown on."""
    count = len(labels)
    quarter, three_quarters = np.zeros(count), np.zeros(count)
    for k in range(FOLDS):
        grown, answered, left_out = fold == k, fold == (k + 1) % FOLDS, fold != k
        if not (_growable(labels[grown], regression) and _growable(labels[left_out], regression)):
            return None
        quarter[answered] = grow(_part(columns, grown), labels[grown])(_part(columns, answered), labels[answered])
        three_quarters[grown] = grow(_part(columns, left_out), labels[left_out])(_part(columns, grown),
                                                                                 labels[grown])
    return quarter, three_quarters
