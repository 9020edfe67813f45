"""The trees' hyperparameter search inside the Trainer's run_fn (`model.tune`, core/hyperparameters.py).

YDF's RandomSearchTuner (the library TF-DF wraps, so the settings it picks mean
the same to the TF-DF forest the Trainer exports) tries SEARCH_SPACE's settings
within `model.tune_budget_seconds`. Every trial grows on the window's older
training rows and is scored on its newest ones: the last training file pattern
(the newest span: TFX hands the window's spans oldest first) when the window
has several, else the last VALIDATION_SHARE of the rows as read. The holdout the
Evaluator compares candidate and serving model on is never read here.

The best trial was picked on those same validation rows, so some of its lead
over the defaults is the luck of the draw, and more so the fewer the rows. Its
settings are kept only when they beat the default settings by more than
GATE_STANDARD_ERRORS standard errors of the paired per-row loss difference
(`Comparison`); otherwise the search keeps the defaults and says why.

Without a search due, the serving model's choice is reused (read from its model
info through the Trainer's base model), so a retrain between searches reads no
rows and grows no forest more than an untuned one.
"""
import logging
import math
import time
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from core.contract import read_model_info
from core.hyperparameters import (BUDGET_KEY, TUNE_KEY, ChosenHyperparameters, TuneSchedule, previous_choice,
                                  search_due)
from models import gradient_boosted

DEFAULT_BUDGET_SECONDS = 60
SEARCH_SPACE = {
    "max_depth": [3, 4, 6, 8],
    "shrinkage": [0.03, 0.05, 0.1, 0.2],
    "num_trees": [50, 100, 200],
    "min_examples": [5, 10, 20, 40],
    "subsample": [0.7, 0.85, 1.0],
    "l2_regularization": [0.0, 0.1, 1.0],
}
MIN_TRIALS, MAX_TRIALS = 2, 60
TRIAL_COST = 3.0
VALIDATION_SHARE = 0.2
MIN_VALIDATION_ROWS = 50
GATE_STANDARD_ERRORS = 1.0
LOSS_FLOOR = 1e-7      # a probability below it counts as it in a row's log loss
_LABEL = "__label__"

Rows = Tuple[Dict[str, np.ndarray], np.ndarray]


def split_by_time(parts: Sequence[Rows]) -> Optional[Tuple[Rows, Rows]]:
    """(older rows to grow trials on, newest rows to score them on) of the window's training rows, given file
    pattern by file pattern, oldest first. None when too few rows to split."""
    parts = [part for part in parts if part is not None and len(part[1])]
    if not parts:
        return None
    if len(parts) >= 2 and len(parts[-1][1]) >= MIN_VALIDATION_ROWS:
        return joined_rows(parts[:-1]), parts[-1]
    features, labels = joined_rows(parts)
    cut = len(labels) - max(int(len(labels) * VALIDATION_SHARE), 1)
    if cut < 2 * gradient_boosted.MIN_EXAMPLES or len(labels) - cut < 2:
        return None
    return ({n: v[:cut] for n, v in features.items()}, labels[:cut]), \
        ({n: v[cut:] for n, v in features.items()}, labels[cut:])


def joined_rows(parts: Sequence[Rows]) -> Rows:
    """Several files' rows as one set of arrays, in the order given."""
    return ({name: np.concatenate([p[0][name] for p in parts]) for name in parts[0][0]},
            np.concatenate([p[1] for p in parts]))


@dataclass(frozen=True)
class Comparison:
    """The best trial against the default settings on the same validation rows, row by row."""

    default_loss: float      # log loss (classifier) or RMSE (regressor) over the rows
    best_loss: float
    gain: float              # mean per-row loss (squared error for a regressor) the best trial saves
    standard_error: float    # of that mean, from the rows' paired differences

    @classmethod
    def of(cls, default_rows: np.ndarray, best_rows: np.ndarray, regression: bool) -> "Comparison":
        difference = default_rows - best_rows
        spread = float(np.std(difference, ddof=1)) if len(difference) > 1 else math.inf
        overall = (lambda rows: math.sqrt(float(np.mean(rows)))) if regression else (lambda rows: float(np.mean(rows)))
        return cls(overall(default_rows), overall(best_rows), float(np.mean(difference)),
                   spread / math.sqrt(len(difference)))

    def beats_defaults(self, standard_errors: float) -> bool:
        return self.gain > 0 and self.gain > standard_errors * self.standard_error

    def reason(self, standard_errors: float) -> str:
        lead = (f"the best trial saved {self.gain:.4g} per row against the defaults, standard error "
                f"{self.standard_error:.4g}")
        if self.beats_defaults(standard_errors):
            return f"{lead}: kept"
        return f"{lead}: not more than {standard_errors:g} standard error(s), the defaults kept"


def search(parts: Sequence[Rows], unordered: Iterable[str], regression: bool, budget_seconds: float,
           seed: int = 42, standard_errors: float = GATE_STANDARD_ERRORS) -> Optional[ChosenHyperparameters]:
    """YDF's random search over SEARCH_SPACE within the budget, its best kept when it beats the defaults by more
    than `standard_errors` standard errors (0: by anything); None when the rows cannot be split or a
    classification's grown part holds a single class."""
    import ydf
    split = split_by_time(parts)
    if split is None or (not regression and len(np.unique(split[0][1])) < 2):
        return None
    started = time.perf_counter()
    (fit_features, fit_labels), (valid_features, valid_labels) = split
    categorical = set(unordered) & set(fit_features)
    fit = {**gradient_boosted.ydf_columns(fit_features, categorical), _LABEL: fit_labels}
    valid = {**gradient_boosted.ydf_columns(valid_features, categorical), _LABEL: valid_labels}

    default = gradient_boosted.ydf_learner(_LABEL, categorical, regression, seed).train(fit, verbose=0)
    default_rows = row_losses(default, valid, regression)
    tuner = ydf.RandomSearchTuner(num_trials=_trials_within(budget_seconds, time.perf_counter() - started),
                                  max_trial_duration=max(budget_seconds / 4, 0.5))
    for name, values in SEARCH_SPACE.items():
        tuner.choice(name, values)
    # The trials grow on the older rows and are scored on `valid`, the newest; no early stopping: the exported
    # forest grows all its trees, as each trial must for its score to mean the same.
    learner = gradient_boosted.ydf_learner(_LABEL, categorical, regression, seed, tuner=tuner, early_stopping="NONE")
    tuned = learner.train(fit, valid=valid, verbose=0)
    trials = tuned.hyperparameter_optimizer_logs().trials
    comparison = Comparison.of(default_rows, row_losses(tuned, valid, regression), regression)
    best = max(trials, key=lambda trial: trial.score).params if trials else {}
    kept = comparison.beats_defaults(standard_errors)
    values = {name: _plain(value) for name, value in best.items()} if kept else {}
    chosen = ChosenHyperparameters(
        values=values, searched=True, trials=len(trials), search_seconds=round(time.perf_counter() - started, 2),
        validation_rows=len(valid_labels),
        validation_loss=round(comparison.best_loss if kept else comparison.default_loss, 6),
        default_loss=round(comparison.default_loss, 6), best_loss=round(comparison.best_loss, 6),
        reason=comparison.reason(standard_errors))
    logging.info("Hyperparameter search: %d trials in %.1f s on %d validation rows, loss %.4f (defaults %.4f); %s: %s",
                 chosen.trials, chosen.search_seconds, chosen.validation_rows, comparison.best_loss,
                 comparison.default_loss, chosen.reason, values or "the defaults")
    return chosen


def row_losses(model, rows: Dict[str, np.ndarray], regression: bool) -> np.ndarray:
    """The model's loss on each of `rows` (holding the label): squared error for a regressor, log loss for a
    classifier (a class the model never saw: LOSS_FLOOR's)."""
    predicted = np.asarray(model.predict(rows), dtype=float)
    labels = rows[_LABEL]
    if regression:
        return (predicted.reshape(-1) - np.asarray(labels, dtype=float)) ** 2
    classes = {name: index for index, name in enumerate(model.label_classes())}
    probabilities = np.stack([1 - predicted, predicted], axis=1) if predicted.ndim == 1 else predicted
    at = np.array([classes.get(str(label), -1) for label in labels])
    chosen = np.where(at >= 0, probabilities[np.arange(len(at)), np.maximum(at, 0)], 0.0)
    return -np.log(np.clip(chosen, LOSS_FLOOR, 1.0))


def _trials_within(budget_seconds: float, default_seconds: float) -> int:
    """How many trials fit the budget left after the default forest took `default_seconds`. YDF's own
    maximum_training_duration_seconds does not stop its tuner (12 s for a 2 s budget here), so the count is
    sized instead: a trial costs about TRIAL_COST default forests (up to twice the trees, deeper, scored on the
    validation rows; 1.5 overran a 2 s budget 2x on a busy machine), and the tuner grows one more forest with
    the best settings at the end."""
    per_trial = max(default_seconds, 0.01) * TRIAL_COST
    return int(min(MAX_TRIALS, max(MIN_TRIALS, (budget_seconds - default_seconds) / per_trial - 1)))


def _plain(value):
    """A trial's value as JSON writes it (YDF hands numpy scalars)."""
    return value.item() if hasattr(value, "item") else value


def choose(fn_args, read_rows, unordered: Iterable[str], regression: bool,
           seed: int = 42) -> Optional[ChosenHyperparameters]:
    """The hyperparameters this training grows its forest with: a new search when `model.tune` says one is due,
    else the serving model's (None: the defaults, as before any search). `read_rows(file patterns)` reads
    training rows as arrays."""
    custom = fn_args.custom_config or {}
    schedule = TuneSchedule.parse(custom.get(TUNE_KEY, "off"))
    previous = previous_choice(_model_info(getattr(fn_args, "base_model", None)))
    if search_due(schedule, previous):
        budget = float(custom.get(BUDGET_KEY, DEFAULT_BUDGET_SECONDS))
        patterns: List = list(fn_args.train_files) if isinstance(fn_args.train_files, (list, tuple)) \
            else [fn_args.train_files]
        chosen = search([read_rows(pattern) for pattern in patterns], unordered, regression, budget, seed)
        if chosen is not None:
            return chosen
    return previous.reused() if previous is not None else None


def _model_info(model_path: Optional[str]) -> Optional[dict]:
    if not model_path:
        return None
    try:
        return read_model_info(model_path)
    except FileNotFoundError:
        return None
