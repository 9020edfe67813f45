"""A probe for benchmarks/label_budget.py: a two-stage label request with a surrogate (Kossen et al., "Active
Testing", ICML 2021, refit a surrogate on the rows labeled so far). Not in adapt: measured, it did not pay
(benchmarks/results/label_budget.md).

- Stage 1: half the budget (n1 = n // 2) drawn as adapt draws today (the difference estimator's weights with its
  uniform share, core/labeling/estimators.py), estimated by the difference estimator: T1.
- Surrogate: a logistic regression fitted on the stage-1 rows' labels, from the batch's features (numbers
  standardised, categories one-hot) and the serving model's log calibrated probabilities; each row's expected loss
  g is the mean of the surrogate's (1 - its probability of the class the model predicts) and the model's own.
- Stage 2: the other n2 rows drawn from the M - n1 rows stage 1 left, by the same weights and share on g. Stage 2's
  estimate T2 = (sum over stage 1 of the loss + sum over the rest of g + sum over stage 2 of (loss - g) / pi2) / M
  is unbiased given stage 1 (g and pi2 are fixed once stage 1 is drawn), hence unbiased.
- Combined: T = (n1 T1 + n2 T2) / n. Fixed weights keep it unbiased (weights estimated from the draws would not);
  the budget's shares make it exactly as tight as one stage of n rows when the surrogate is no better than the
  model, and tighter when it is. E[T2 - truth | stage 1] = 0, so T1 and T2 are uncorrelated and
  Var T = w1^2 Var T1 + w2^2 Var T2, each from Brewer's variance of its own stage.
"""
from typing import Callable, Dict, List

import numpy as np
import pandas as pd

from core.labeling.acquisition import inclusion_probabilities, systematic_sample
from core.labeling.estimate import PartialEstimate
from core.labeling.estimators import (ESTIMATORS, classification_loss_variance, default_uniform_share,
                                      labeled_sums, sampling_weights)

ESTIMATOR = "difference"
COMBINED = "two-stage surrogate, combined"
SECOND = "two-stage surrogate, stage 2 alone"
# {labeled row indexes: each row's expected 0-1 loss}
Surrogate = Callable[[np.ndarray], np.ndarray]


def surrogate_inputs(features: pd.DataFrame, calibrated: np.ndarray) -> np.ndarray:
    """The surrogate's inputs: number columns standardised, category columns one-hot, and the serving model's log
    calibrated probabilities (so it can learn where to trust the model)."""
    numbers = features.select_dtypes("number").astype(float)
    numbers = ((numbers - numbers.mean()) / numbers.std().replace(0.0, 1.0)).fillna(0.0)
    categories = features.select_dtypes("category")
    one_hot = (pd.get_dummies(categories, dtype=float).to_numpy() if categories.shape[1]
               else np.empty((len(features), 0)))
    return np.hstack([numbers.to_numpy(), one_hot, np.log(np.clip(calibrated, 1e-6, 1.0))])


def label_surrogate(inputs: np.ndarray, labels: np.ndarray, predicted: np.ndarray,
                    expected_loss: np.ndarray) -> Surrogate:
    """A surrogate refit on whichever rows are labeled (the model's expected loss alone while they hold one
    class)."""
    from sklearn.linear_model import LogisticRegression

    def fitted(labeled: np.ndarray) -> np.ndarray:
        if len(np.unique(labels[labeled])) < 2:
            return expected_loss
        model = LogisticRegression(max_iter=2000).fit(inputs[labeled], labels[labeled])
        column = np.clip(np.searchsorted(model.classes_, predicted), 0, len(model.classes_) - 1)
        seen = model.classes_[column] == predicted      # a class no labeled row has: probability 0
        right = np.where(seen, model.predict_proba(inputs)[np.arange(len(predicted)), column], 0.0)
        return 0.5 * (1.0 - right) + 0.5 * expected_loss
    return fitted


def _stage(losses, expected, pool: np.ndarray, budget: int, seed: int):
    """Draw `budget` of the `pool` rows as adapt does on their expected losses: (chosen rows, the estimate of the
    pool's mean loss and its standard error)."""
    weights = sampling_weights(ESTIMATOR, expected[pool], classification_loss_variance(expected[pool]))
    probabilities = inclusion_probabilities(weights, budget, default_uniform_share(ESTIMATOR))
    drawn = systematic_sample(probabilities, seed)
    chosen = pool[drawn]
    sums = labeled_sums(losses[chosen], probabilities[drawn], expected_losses=expected[chosen])
    loss, error = ESTIMATORS.get(ESTIMATOR)().mean_loss(sums, len(pool), float(expected[pool].mean()))
    return chosen, loss, error


def _accuracy(loss: float, error: float, labeled: int, rows: int, sigmas: float) -> PartialEstimate:
    value = min(max(1.0 - loss, 0.0), 1.0)
    return PartialEstimate("accuracy", value, error, max(0.0, value - sigmas * error),
                           min(1.0, value + sigmas * error), labeled, rows, True, "two-stage")


def two_stage_draws(losses, expected_loss, surrogate: Surrogate, budget: int, draws: int,
                    sigmas: float = 3.0) -> Dict[str, List[PartialEstimate]]:
    """`draws` two-stage samples of `budget` rows of a batch whose every 0-1 loss is known: {COMBINED: [...],
    SECOND: [...]}."""
    losses, expected_loss = np.asarray(losses, dtype=float), np.asarray(expected_loss, dtype=float)
    rows, first = len(losses), budget // 2
    everything = np.arange(rows)
    found: Dict[str, List[PartialEstimate]] = {COMBINED: [], SECOND: []}
    for seed in range(draws):
        labeled, loss1, error1 = _stage(losses, expected_loss, everything, first, seed)
        rest = np.setdiff1d(everything, labeled)
        _, rest_loss, rest_error = _stage(losses, surrogate(labeled), rest, budget - first, draws + seed)
        loss2 = (losses[labeled].sum() + len(rest) * rest_loss) / rows
        error2 = len(rest) * rest_error / rows
        combined = (first * loss1 + (budget - first) * loss2) / budget
        combined_error = np.hypot(first * error1, (budget - first) * error2) / budget
        found[COMBINED].append(_accuracy(combined, combined_error, budget, rows, sigmas))
        found[SECOND].append(_accuracy(loss2, error2, budget, rows, sigmas))
    return found
