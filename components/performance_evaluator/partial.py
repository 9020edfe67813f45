"""A batch labeled on some rows only: the losses of its labeled predictions, summed for the unbiased estimate of
the whole batch's accuracy (a regression model's MAE) in core/labeling/estimate.py.

Each labeled row is weighted by the inclusion probability recorded for it (core/labeling/weights.py); when any
labeled row has none, all are taken as a uniform sample (pi = labeled / rows), so a random subset, or labels of
unknown origin, give the plain mean with a finite-population band.
"""
from dataclasses import dataclass, field
from typing import Dict, Optional

from components.performance_evaluator.metrics import MergingCombine
from core.labeling.estimate import LabeledSums, PartialEstimate

ESTIMATED_METRIC = {True: "mae", False: "accuracy"}   # by whether the model is a regression model


@dataclass
class LabeledLosses:
    recorded: LabeledSums = field(default_factory=LabeledSums)   # the rows with a recorded inclusion probability
    unrecorded: int = 0
    count: int = 0
    loss_sum: float = 0.0
    loss_square_sum: float = 0.0
    class_counts: Dict[str, int] = field(default_factory=dict)

    def add(self, loss: float, label: Optional[str], probability: Optional[float]) -> None:
        self.count += 1
        self.loss_sum += loss
        self.loss_square_sum += loss * loss
        if label is not None:
            self.class_counts[label] = self.class_counts.get(label, 0) + 1
        if probability is None:
            self.unrecorded += 1
        else:
            self.recorded.add(loss, probability, label)

    def merge(self, other: "LabeledLosses") -> "LabeledLosses":
        self.recorded.merge(other.recorded)
        for name in ("unrecorded", "count", "loss_sum", "loss_square_sum"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for label, n in other.class_counts.items():
            self.class_counts[label] = self.class_counts.get(label, 0) + n
        return self

    def sums(self, rows: int) -> LabeledSums:
        if self.recorded.count and not self.unrecorded:
            return self.recorded
        return LabeledSums.uniform(self.count, self.loss_sum, self.loss_square_sum, rows, self.class_counts)

    def estimate(self, rows: int, regression: bool, sigmas: float = 3.0) -> Optional[PartialEstimate]:
        """The batch's estimate when only some of its `rows` are labeled; None when all (or none) are."""
        if not self.count or self.count >= rows:
            return None
        return self.sums(rows).estimate(ESTIMATED_METRIC[regression], rows, sigmas, loss_is_error_rate=not regression)


def loss_of(prediction: dict, regression: bool) -> Optional[float]:
    """A labeled prediction's loss: 0-1 for a classifier, |error| for a regression model (None: not a number)."""
    if not regression:
        return float(prediction["prediction"] != prediction["label"])
    try:
        return abs(float(prediction["prediction"]) - float(prediction["label"]))
    except (TypeError, ValueError):
        return None


class LabeledLossesCombine(MergingCombine):
    def __init__(self, regression: bool, probabilities: Dict[str, float]):
        self.regression = regression
        self.probabilities = probabilities

    def create_accumulator(self):
        return LabeledLosses()

    def add_input(self, accumulator: LabeledLosses, prediction: dict):
        loss = loss_of(prediction, self.regression)
        if loss is not None:
            accumulator.add(loss, None if self.regression else prediction["label"],
                            self.probabilities.get(prediction["instance_id"]))
        return accumulator
