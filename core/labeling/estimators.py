"""The estimators of a partially labeled batch's metric, by key (`performance.label_estimator` in adapt.yaml):
each says which rows are worth labeling (the weights the active sample draws in proportion to) and how the
labeled rows' sums (core/labeling/estimate.py) become the batch's estimate with its standard error.

- `importance`: Horvitz-Thompson on the losses (active testing, Kossen et al. 2021); rows drawn by their
  expected loss. Tight where the model's expected loss points at its errors; where the model is confidently
  wrong (concept drift) rows it is sure of are rarely drawn and weigh much when they are wrong.
- `difference`: the model's expected loss over all rows plus Horvitz-Thompson on the residuals (loss - expected
  loss); rows drawn by the residual's expected spread (for a 0-1 loss of expected value p: sqrt(p (1 - p)); for
  |error|: the error model's spread). Its variance is the residuals', so it is never far behind a uniform sample
  and beats the confidence-based estimate wherever that one is biased. Without the model's expected loss on
  every labeled row (a regression model exported without an error model) it is the `importance` estimate.

Both are unbiased for any inclusion probabilities above zero; the sampling weights only decide how tight.
"""
import math
from typing import List, Optional, Tuple

import numpy as np

from core.labeling.acquisition import UNIFORM_SHARE, inclusion_probabilities, systematic_sample
from core.labeling.estimate import LabeledSums, PartialEstimate
from core.registry import Registry


class LabelEstimator:
    key = ""
    uniform_share = UNIFORM_SHARE   # the share of a label request's draw spread evenly over all rows, by default

    def sampling_weights(self, expected_loss, loss_variance) -> np.ndarray:
        """What each row's chance of being labeled is proportional to (before the uniform share is mixed in)."""
        raise NotImplementedError

    def applies(self, sums: LabeledSums, expected_mean: Optional[float]) -> bool:
        """Whether the sums (and the model's expected mean loss over the batch) carry what it needs."""
        return True

    def mean_loss(self, sums: LabeledSums, rows: int, expected_mean: Optional[float]) -> Tuple[float, float]:
        """(the batch's mean loss, its standard error) from the labeled rows' sums and, when known, the model's
        expected mean loss over all `rows`."""
        raise NotImplementedError


ESTIMATORS: Registry[LabelEstimator] = Registry("label estimator")


@ESTIMATORS.register
class ImportanceWeighted(LabelEstimator):
    key = "importance"
    uniform_share = 0.5   # lower than 0.2 on all five streams of benchmarks/results/label_budget.md at 100 labels

    def sampling_weights(self, expected_loss, loss_variance) -> np.ndarray:
        return np.asarray(expected_loss, dtype=float)

    def mean_loss(self, sums: LabeledSums, rows: int, expected_mean: Optional[float]) -> Tuple[float, float]:
        return sums.mean_loss(rows), sums.standard_error(rows)


@ESTIMATORS.register
class Difference(LabelEstimator):
    key = "difference"
    # benchmarks/results/label_budget.md, 100 labels: with 0.5 no stream's error was above importance weighting's
    # (0.87-1.01 of it); 0.8 was 0.89 of 0.5's on the concept-drift stream (the model's spread misleads there) but
    # 1.06 on the taxi quarters (where it guides), and lost taxi's 0.70 of the random sample's error
    uniform_share = 0.5

    def sampling_weights(self, expected_loss, loss_variance) -> np.ndarray:
        return np.sqrt(np.clip(np.nan_to_num(np.asarray(loss_variance, dtype=float)), 0.0, None))

    def applies(self, sums: LabeledSums, expected_mean: Optional[float]) -> bool:
        return expected_mean is not None and math.isfinite(expected_mean) and sums.fully_assisted

    def mean_loss(self, sums: LabeledSums, rows: int, expected_mean: Optional[float]) -> Tuple[float, float]:
        return (expected_mean + sums.residual.weighted / rows,
                sums.residual.standard_error(sums.count, sums.brewer_weight, rows))


# Measured in benchmarks/results/label_budget.md.
DEFAULT_ESTIMATOR = "difference"


def classification_loss_variance(expected_loss) -> np.ndarray:
    """The variance of a 0-1 loss expected to be p: p (1 - p)."""
    p = np.clip(np.asarray(expected_loss, dtype=float), 0.0, 1.0)
    return p * (1.0 - p)


def sampling_weights(estimator: str, expected_loss, loss_variance) -> np.ndarray:
    return ESTIMATORS.get(estimator)().sampling_weights(expected_loss, loss_variance)


def default_uniform_share(estimator: str) -> float:
    return ESTIMATORS.get(estimator).uniform_share


def estimate_partial(sums: LabeledSums, metric: str, rows: int, estimator: str = DEFAULT_ESTIMATOR,
                     expected_mean: Optional[float] = None, sigmas: float = 3.0, upper: float = math.inf
                     ) -> PartialEstimate:
    """The metric over all `rows` of the batch: accuracy (1 - mean 0-1 loss) for `accuracy`, else the mean loss
    itself (MAE), by the named estimator; the band is `sigmas` standard errors, clipped to the metric's range."""
    if not sums.count or rows < sums.count:
        raise ValueError(f"{sums.count} labeled rows cannot estimate a batch of {rows}")
    chosen = ESTIMATORS.get(estimator)()
    if not chosen.applies(sums, expected_mean):
        chosen = ImportanceWeighted()
    loss, error = chosen.mean_loss(sums, rows, expected_mean)
    spread = sigmas * error if math.isfinite(error) else math.inf
    if metric == "accuracy":
        value = min(max(1.0 - loss, 0.0), 1.0)
        low, high = max(0.0, 1.0 - loss - spread), min(1.0, 1.0 - loss + spread)
    else:
        value, low, high = max(loss, 0.0), max(0.0, loss - spread), min(upper, loss + spread)
    return PartialEstimate(metric, value, error, low, high, sums.count, rows, sums.weighted, chosen.key)


def estimate_from_sample(losses, inclusion_probabilities, rows: int, metric: str = "accuracy",
                         sigmas: float = 3.0, labels=None, estimator: str = ImportanceWeighted.key,
                         expected_losses=None, expected_mean: Optional[float] = None) -> PartialEstimate:
    """The estimate of a batch of `rows` from the losses of its labeled rows (0/1 for `accuracy`, |error| for
    `mae`), their inclusion probabilities and, for the difference estimator, the model's expected loss on them
    and its mean over all rows."""
    sums = labeled_sums(losses, inclusion_probabilities, labels, expected_losses)
    return estimate_partial(sums, metric, rows, estimator, expected_mean, sigmas)


def labeled_sums(losses, inclusion_probabilities, labels=None, expected_losses=None) -> LabeledSums:
    """The sums of labeled rows given as arrays: their losses, inclusion probabilities and, when known, labels and
    the model's expected loss on each."""
    losses, probabilities = np.asarray(losses, dtype=float), np.asarray(inclusion_probabilities, dtype=float)
    uniform = bool(np.allclose(probabilities, probabilities[0])) if len(probabilities) else True
    sums = LabeledSums()
    for index, (loss, probability) in enumerate(zip(losses, probabilities)):
        sums.add(loss, probability, None if labels is None else labels[index], weighted=not uniform,
                 expected_loss=None if expected_losses is None else float(expected_losses[index]))
    return sums


def repeated_draws(losses, expected_loss, estimator: str, budget: int, uniform_share: float, draws: int,
                   sigmas: float = 3.0) -> List[PartialEstimate]:
    """How a design does on a batch whose every loss is known (0-1 losses, the model's expected loss on each row):
    `draws` samples of `budget` rows drawn by the estimator's sampling weights mixed with the uniform share, each
    estimated by it. What benchmarks/label_budget.py measures, and the tests check."""
    losses, expected_loss = np.asarray(losses, dtype=float), np.asarray(expected_loss, dtype=float)
    weights = sampling_weights(estimator, expected_loss, classification_loss_variance(expected_loss))
    probabilities = inclusion_probabilities(weights, budget, uniform_share)
    expected_mean = float(expected_loss.mean())
    found = []
    for seed in range(draws):
        chosen = systematic_sample(probabilities, seed)
        found.append(estimate_from_sample(losses[chosen], probabilities[chosen], len(losses), sigmas=sigmas,
                                          estimator=estimator, expected_losses=expected_loss[chosen],
                                          expected_mean=expected_mean))
    return found
