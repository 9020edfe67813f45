"""The trees' learning curve, measured when they are trained (core/learning_curve.py says what it is for).

Two forests, scored on the same rows, give two points of the curve and the paired standard error of their
difference:

- a holdout of at least CROSS_FIT_BELOW rows: one YDF forest grown on half the training rows (the Trainer's
  learner and settings, core/trees.py) against the trained model itself, both answering the holdout;
- a smaller holdout: the training rows answered out of fold, by forests grown on a quarter of them (each fold's
  forest answers the next fold's rows) and by the four-fold forests the calibration grows anyway (three quarters
  of them). Three times the rows apart, not two: on a few hundred rows the rise between a half and three quarters
  drowns in the noise of scoring them. Repeated on `out_of_fold_repeats` draws of the folds while the rows are
  few (core/learning_curve.py), the later draws growing their own three-quarter forests, each row's scores
  averaged over the draws.

The extra cost is one forest's worth of rows on a large holdout (one on half the rows); out of fold four on a
quarter each per draw, plus four on three quarters for each draw after the first: at most 1 + 4 x 2 forests'
worth on up to 2,000 rows, fewer draws as the rows grow (one from 3,000 on), grown by YDF outside TensorFlow.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from core.learning_curve import (HOLDOUT, OUT_OF_FOLD, CurvePoint, LearningCurve, averaged,
                                 out_of_fold_repeats, standard_error)
from core.trees import ydf_learner
from models import gradient_boosted

CLASSIFICATION_METRICS = ("accuracy",)
REGRESSION_METRICS = ("mae", "rmse")


def _per_row(metric: str, outputs: np.ndarray, labels: np.ndarray) -> Tuple[float, np.ndarray]:
    """(the metric, each row's share of it): the metric is the mean of the shares, or for RMSE moves with their
    mean to first order (its influence function), so the standard error of a mean of shares is the metric's."""
    outputs = np.asarray(outputs, dtype=float).reshape(len(labels), -1)
    if metric == "accuracy":
        predicted = (outputs[:, 0] > 0.5).astype(int) if outputs.shape[1] == 1 else outputs.argmax(axis=1)
        right = (predicted == np.asarray(labels).astype(int)).astype(float)
        return float(right.mean()), right
    errors = outputs[:, 0] - np.asarray(labels, dtype=float)
    if metric == "mae":
        return float(np.abs(errors).mean()), np.abs(errors)
    rmse = float(np.sqrt(np.mean(errors ** 2)))
    return rmse, errors ** 2 / (2 * rmse) if rmse else np.zeros(len(errors))


def _scored(metric: str, outputs, labels: np.ndarray) -> Tuple[float, np.ndarray]:
    """_per_row of one set of outputs, or of several (repeated draws) averaged row by row."""
    if not isinstance(outputs, list):
        return _per_row(metric, outputs, labels)
    draws = [_per_row(metric, one, labels) for one in outputs]
    return float(np.mean([value for value, _ in draws])), averaged([shares for _, shares in draws])


def curves(metrics: Sequence[str], answers: Sequence[Tuple[int, object]], labels: np.ndarray,
           training_rows: int, scored_on: str) -> List[LearningCurve]:
    """One curve per metric from forests' answers on the same rows: [(rows grown on, outputs, or a list of
    outputs of repeated draws)], fewest first."""
    found = []
    for metric in metrics:
        scored = [(rows, *_scored(metric, outputs, labels)) for rows, outputs in answers]
        points = tuple(CurvePoint(int(rows), value, standard_error(shares)) for rows, value, shares in scored)
        paired = standard_error(scored[-1][2] - scored[-2][2])
        found.append(LearningCurve(metric, points, paired, int(training_rows), scored_on, len(labels)))
    return found


def _metrics(regression: bool) -> Sequence[str]:
    return REGRESSION_METRICS if regression else CLASSIFICATION_METRICS


def grow_forest(features: Dict[str, np.ndarray], labels: np.ndarray, unordered: Sequence[str], seed: int = 42,
                regression: bool = False, label_scale=None):
    """The Trainer's forest as YDF grows it (core/trees.py) on these rows (a regression label on `label_scale`)."""
    columns = gradient_boosted.ydf_columns(features, unordered)
    learner = ydf_learner(gradient_boosted._LABEL, set(unordered) & set(columns), regression, seed)
    grown_on = labels if label_scale is None else label_scale.forward(np.asarray(labels, dtype=float))
    return learner.train({**columns, gradient_boosted._LABEL: grown_on}, verbose=0)


def forest_answers(forest, features: Dict[str, np.ndarray], unordered: Sequence[str], classes: int,
                   regression: bool = False, label_scale=None) -> np.ndarray:
    """A grown forest's answers in the TF-DF model's layout (and the label's unit)."""
    answers = forest.predict(gradient_boosted.ydf_columns(features, unordered))
    answers = answers if label_scale is None else label_scale.inverse(answers)
    return gradient_boosted._as_tfdf_outputs(forest, answers, classes, regression)


def _half_forest_answers(unordered: Sequence[str], classes: int, train: Tuple[Dict[str, np.ndarray], np.ndarray],
                         held: Dict[str, np.ndarray], seed: int, regression: bool,
                         label_scale=None) -> Optional[np.ndarray]:
    """The answers on `held` of a forest grown on half the training rows (None: too few rows or one class)."""
    features, labels = gradient_boosted._in_one_order(*train)
    half = np.random.default_rng(seed).permutation(len(labels)) < len(labels) // 2
    if half.sum() < 2 * gradient_boosted.MIN_EXAMPLES or (not regression and len(np.unique(labels[half])) < 2):
        return None
    forest = grow_forest({n: v[half] for n, v in features.items()}, labels[half], unordered, seed, regression,
                         label_scale)
    return forest_answers(forest, held, unordered, classes, regression, label_scale)


def on_holdout(unordered: Sequence[str], classes: int, train_dataset, holdout_dataset, outputs: np.ndarray,
               labels: np.ndarray, seed: int = 42, regression: bool = False, label_scale=None) -> List[LearningCurve]:
    """The curve on the holdout: a forest on half the training rows against the trained model (its `outputs`
    on the holdout rows `labels`, in the order `holdout_dataset` reads them); [] when it cannot be measured."""
    train, held = gradient_boosted._in_memory(train_dataset), gradient_boosted._in_memory(holdout_dataset)
    if train is None or held is None or not np.array_equal(held[1], labels):
        return []
    half = _half_forest_answers(unordered, classes, train, held[0], seed, regression, label_scale)
    if half is None:
        return []
    rows = len(train[1])
    return curves(_metrics(regression), [(rows // 2, half), (rows, outputs)], labels, rows, HOLDOUT)


def out_of_fold(unordered: Sequence[str], classes: int, train_dataset, quarters: Tuple[np.ndarray, np.ndarray],
                seed: int = 42, regression: bool = False, label_scale=None) -> List[LearningCurve]:
    """The curve out of fold: the training rows answered by forests grown on a quarter of them (each fold's forest
    answers the next fold) against `quarters`, out_of_fold_outputs' four-fold answers (each forest grown on three
    quarters); [] when it cannot be measured."""
    rows = gradient_boosted._in_memory(train_dataset)
    if rows is None:
        return []
    features, labels = gradient_boosted._in_one_order(*rows)
    if not np.array_equal(labels, quarters[1]):
        return []
    folds, count = gradient_boosted.CROSS_FIT_FOLDS, len(labels)
    quarter_answers, three_quarter_answers = [], [np.asarray(quarters[0], dtype=float)]
    for draw in range(out_of_fold_repeats(count)):
        fold = np.random.default_rng(seed + draw).permutation(count) % folds
        pairs = [(fold == k, fold == (k + 1) % folds) for k in range(folds)]      # grown on, answering
        found = _answers(pairs, features, labels, unordered, classes, seed, regression, label_scale)
        if found is None:
            return []
        quarter_answers.append(found)
        if draw:   # the first draw's three-quarter answers are the calibration's
            found = _answers([(fold != k, fold == k) for k in range(folds)], features, labels, unordered, classes,
                             seed, regression, label_scale)
            if found is None:
                return []
            three_quarter_answers.append(found)
    return curves(_metrics(regression), [(count // folds, quarter_answers),
                                         (count - count // folds, three_quarter_answers)], labels, count, OUT_OF_FOLD)


def _answers(pairs, features: Dict[str, np.ndarray], labels: np.ndarray, unordered: Sequence[str], classes: int,
             seed: int, regression: bool, label_scale) -> Optional[np.ndarray]:
    """Every row answered by a forest grown on other rows: `pairs` of (rows grown on, rows answered) masks that
    answer each row once; None when a part is too small or holds one class."""
    answers = None
    for grown, held in pairs:
        if grown.sum() < 2 * gradient_boosted.MIN_EXAMPLES or (not regression and len(np.unique(labels[grown])) < 2):
            return None
        forest = grow_forest({n: v[grown] for n, v in features.items()}, labels[grown], unordered, seed, regression,
                             label_scale)
        found = forest_answers(forest, {n: v[held] for n, v in features.items()}, unordered, classes, regression,
                               label_scale)
        answers = np.zeros((len(labels),) + found.shape[1:]) if answers is None else answers
        answers[held] = found
    return answers
