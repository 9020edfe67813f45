"""A batch labeled on some rows only: the losses of its labeled predictions (and the serving model's expected
loss on each, for the difference estimator), summed for the unbiased estimate of the whole batch's accuracy (a
regression model's MAE) in core/labeling/estimators.py.

Each labeled row is weighted by the inclusion probability recorded for it (core/labeling/weights.py); when any
labeled row has none, all are taken as a uniform sample (pi = labeled / rows), so a random subset, or labels of
unknown origin, give the plain mean (or the model's expected loss corrected by the residuals' plain mean) with a
finite-population band.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from components.performance_evaluator.metrics import _BlockCombine
from core.estimation import Calibrator, as_class_probabilities, predicted_confidence
from core.error_estimation import ErrorModel
from core.labeling.estimate import LabeledSums, PartialEstimate
from core.labeling.estimators import DEFAULT_ESTIMATOR, estimate_partial

ESTIMATED_METRIC = {True: "mae", False: "accuracy"}   # by whether the model is a regression model


@dataclass
class LabeledLosses:
    recorded: LabeledSums = field(default_factory=LabeledSums)   # the rows with a recorded inclusion probability
    unrecorded: int = 0
    count: int = 0
    loss_sum: float = 0.0
    loss_square_sum: float = 0.0
    assisted: int = 0                 # rows with the model's expected loss, and their residuals' moments
    residual_sum: float = 0.0
    residual_square_sum: float = 0.0
    class_counts: Dict[str, int] = field(default_factory=dict)

    def add(self, loss: float, label: Optional[str], probability: Optional[float],
            expected_loss: Optional[float] = None) -> None:
        self.count += 1
        self.loss_sum += loss
        self.loss_square_sum += loss * loss
        if expected_loss is not None:
            self.assisted += 1
            self.residual_sum += loss - expected_loss
            self.residual_square_sum += (loss - expected_loss) ** 2
        if label is not None:
            self.class_counts[label] = self.class_counts.get(label, 0) + 1
        if probability is None:
            self.unrecorded += 1
        else:
            self.recorded.add(loss, probability, label, expected_loss=expected_loss)

    def merge(self, other: "LabeledLosses") -> "LabeledLosses":
        self.recorded.merge(other.recorded)
        for name in ("unrecorded", "count", "loss_sum", "loss_square_sum", "assisted", "residual_sum",
                     "residual_square_sum"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for label, n in other.class_counts.items():
            self.class_counts[label] = self.class_counts.get(label, 0) + n
        return self

    def sums(self, rows: int) -> LabeledSums:
        if self.recorded.count and not self.unrecorded:
            return self.recorded
        assisted = self.assisted == self.count
        return LabeledSums.uniform(self.count, self.loss_sum, self.loss_square_sum, rows, self.class_counts,
                                   self.residual_sum if assisted else None,
                                   self.residual_square_sum if assisted else None)

    def estimate(self, rows: int, regression: bool, sigmas: float = 3.0, estimator: str = DEFAULT_ESTIMATOR,
                 expected_mean: Optional[float] = None) -> Optional[PartialEstimate]:
        """The batch's estimate when only some of its `rows` are labeled; None when all (or none) are.
        `expected_mean`: the serving model's expected loss over all rows (the difference estimator's base)."""
        if not self.count or self.count >= rows:
            return None
        return estimate_partial(self.sums(rows), ESTIMATED_METRIC[regression], rows, estimator, expected_mean, sigmas)


def loss_of(prediction: dict, regression: bool) -> Optional[float]:
    """A labeled prediction's loss: 0-1 for a classifier, |error| for a regression model (None: not a number)."""
    if not regression:
        return float(prediction["prediction"] != prediction["label"])
    try:
        return abs(float(prediction["prediction"]) - float(prediction["label"]))
    except (TypeError, ValueError):
        return None


class LabeledLossesCombine(_BlockCombine):
    """Sums each labeled prediction's loss with its inclusion probability and the serving model's expected loss
    on it (a classifier: 1 - the calibrated probability of its predicted class; a regression model: its error
    model's expected |error|, none without one), a block of rows at a time."""

    def __init__(self, regression: bool, probabilities: Dict[str, float], calibration: Optional[dict] = None):
        self.regression = regression
        self.probabilities = probabilities
        self.calibration = calibration or {}

    def _sums(self):
        return LabeledLosses()

    def _value(self, prediction: dict):
        loss = loss_of(prediction, self.regression)
        if loss is None:
            return None
        answer = prediction["prediction"] if self.regression else prediction.get("probabilities")
        return (loss, None if self.regression else prediction["label"],
                self.probabilities.get(prediction["instance_id"]), answer)

    def _expected_losses(self, answers: list) -> List[Optional[float]]:
        if self.regression:
            if not self.calibration.get("error_model"):
                return [None] * len(answers)
            return [float(e) for e in ErrorModel.from_dict(self.calibration).predict(np.asarray(answers, float))]
        widths = {len(answer) for answer in answers if answer is not None}
        if len(widths) != 1 or None in answers:
            return [None] * len(answers)
        raw = as_class_probabilities(np.asarray(answers, dtype=float))
        calibrated = Calibrator.from_dict(self.calibration).apply(raw)
        return [float(e) for e in 1.0 - predicted_confidence(calibrated, raw.argmax(axis=1))]

    def _add_block(self, sums: LabeledLosses, pending: list) -> None:
        for (loss, label, probability, _), expected in zip(pending, self._expected_losses([p[3] for p in pending])):
            sums.add(loss, label, probability, expected)
