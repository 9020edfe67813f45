"""The trees' side of `model.label_scale` (core/label_scale.py): decide the scale, train on it, answer in the unit.

`decide` looks at the window's training labels: a label with a negative value,
or skewness not above SKEW_ABOVE, stays as it is without growing anything.
Otherwise two YDF forests (the Trainer's learner and settings, core/trees.py)
grow on the window's older training rows, one on the label, one on
log1p(label), and answer the newest training rows (models/tree_search.py's
split by time: the newest span, or the last fifth of a one-span window; never
the Evaluator's holdout); log is kept only when its answers, taken back with
expm1, have the lower MAE, the metric the Evaluator gates on. Each forest grows
on the newest of the older rows, at most half the window's training rows and at
most DECISION_ROWS, and is scored on at most DECISION_ROWS rows: a decision costs
about one forest's fit more than the training, whatever the window's size, and a
training reads its rows once for the decision and the hyperparameter search
together.

The TF-DF forest then trains on the chosen scale (`training_dataset`), and the
exported serving signature answers expm1 of its output (`in_label_units`), so
TFMA, infra validation, batch prediction and the model server all see the
label's unit. The forests that answer training rows out of fold, and the
learning curve's, take the same scale and answer in the unit too.
"""
import time
from typing import Callable, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from core.hyperparameters import previous_choice
from core.label_scale import AUTO, IDENTITY, KEY, LOG, LabelScale, LabelShape, configured, parse_mode
from core.trees import ydf_learner
from models import gradient_boosted, tree_search

DECISION_ROWS = 10_000
_LABEL = "__label__"

Rows = Tuple[dict, np.ndarray]


def _newest(rows: Rows, count: int) -> Rows:
    features, labels = rows
    return ({name: values[-count:] for name, values in features.items()}, labels[-count:]) \
        if len(labels) > count else rows


def decide(parts: Sequence[Optional[Rows]], unordered: Iterable[str], hyperparameters: Optional[Mapping] = None,
           seed: int = 42) -> LabelScale:
    """The scale for the window's training rows, given file pattern by file pattern, oldest first."""
    started = time.perf_counter()
    parts = [part for part in parts if part is not None and len(part[1])]
    shape = LabelShape.of(np.concatenate([labels for _, labels in parts]) if parts else [])
    measured = dict(decided=True, skewness=shape.skewness, minimum=shape.minimum)
    why_not = shape.not_a_candidate()
    split = None if why_not else tree_search.split_by_time(parts)
    if split is None:
        return LabelScale(IDENTITY, why_not or "too few training rows to compare the scales", **measured,
                          decision_seconds=round(time.perf_counter() - started, 2))
    # Both forests together grow on no more rows than the training's own forest: one extra fit's worth.
    grown_rows = min(DECISION_ROWS, max(shape.rows // 2, 2 * gradient_boosted.MIN_EXAMPLES))
    (fit_features, fit_labels), (valid_features, valid_labels) = (_newest(split[0], grown_rows),
                                                                  _newest(split[1], DECISION_ROWS))
    categorical = set(unordered) & set(fit_features)
    fit = gradient_boosted.ydf_columns(fit_features, categorical)
    valid = gradient_boosted.ydf_columns(valid_features, categorical)
    learner = ydf_learner(_LABEL, categorical, True, seed, hyperparameters)
    errors = {}
    for scale in (LabelScale(IDENTITY, ""), LabelScale(LOG, "")):
        forest = learner.train({**fit, _LABEL: scale.forward(np.asarray(fit_labels, dtype=float))}, verbose=0)
        answers = scale.inverse(np.asarray(forest.predict(valid), dtype=float).reshape(-1))
        errors[scale.scale] = float(np.mean(np.abs(answers - np.asarray(valid_labels, dtype=float))))
    chosen = LOG if errors[LOG] < errors[IDENTITY] else IDENTITY
    reason = (f"skewness {shape.skewness:.2f}, log1p lowered the newest training rows' MAE from "
              f"{errors[IDENTITY]:.4g} to {errors[LOG]:.4g}" if chosen == LOG else
              f"skewness {shape.skewness:.2f}, but log1p did not lower the newest training rows' MAE "
              f"({errors[LOG]:.4g} against {errors[IDENTITY]:.4g})")
    return LabelScale(chosen, reason, **measured, validation_rows=len(valid_labels),
                      identity_mae=round(errors[IDENTITY], 6), log_mae=round(errors[LOG], 6),
                      decision_seconds=round(time.perf_counter() - started, 2))


def choose(fn_args, read_rows: Callable, unordered: Iterable[str], seed: int = 42) -> LabelScale:
    """The scale this training fits a regression label on: `model.label_scale` when it names one (nothing read);
    with `auto`, decided on the window's training rows (`read_rows(file pattern)`: arrays), by forests with the
    hyperparameters the serving model grew with (a search's, else the defaults)."""
    custom = fn_args.custom_config or {}
    mode = parse_mode(custom.get(KEY, AUTO))
    if mode != AUTO:
        return configured(mode)
    searched = previous_choice(tree_search._model_info(getattr(fn_args, "base_model", None)))
    patterns: List = list(fn_args.train_files) if isinstance(fn_args.train_files, (list, tuple)) \
        else [fn_args.train_files]
    return decide([read_rows(pattern) for pattern in patterns], unordered,
                  searched.values if searched is not None else None, seed)


def scaled_rows(read_rows: Callable, scale: LabelScale) -> Callable:
    """`read_rows` with the labels on the training scale (for the hyperparameter search)."""
    def read(pattern):
        rows = read_rows(pattern)
        return rows if rows is None or not scale.log else (rows[0], scale.forward(np.asarray(rows[1], dtype=float)))
    return read


def training_dataset(dataset, scale: Optional[LabelScale]):
    """(features, label) batches with the label on the training scale; a label at or below -1 stops the training
    (log1p has no value there)."""
    if scale is None or not scale.log:
        return dataset

    @tf.autograph.experimental.do_not_convert
    def to_log(features, label):
        label = tf.cast(label, tf.float32)
        check = tf.debugging.assert_greater(label, -1.0, message="model.label_scale log: a label at or below -1 "
                                                                 "has no log1p; set model.label_scale: identity")
        with tf.control_dependencies([check]):
            return features, tf.math.log1p(label)
    return dataset.map(to_log)


def in_label_units(model, scale: Optional[LabelScale]):
    """What answers transformed features in the label's unit: the model, or expm1 of its answer."""
    if scale is None or not scale.log:
        return model
    return lambda features: tf.math.expm1(model(features))
