"""A batch's metric from labels on some of its rows: unbiased, with a band.

When only n of a batch's M rows are labeled, each labeled row i having been chosen with inclusion probability
pi_i (core/labeling/acquisition.py's active sample; n / M for a uniform random subset, or for labels whose
origin is unknown), the Horvitz-Thompson estimate of the batch's mean loss is

    L = (1 / M) * sum_i loss_i / pi_i

unbiased for any design whose pi_i are the rows' true inclusion probabilities (Kossen et al. 2021 use the
LURE weights of sequential sampling; with the inclusion probabilities of a fixed-size design, Horvitz-Thompson
is the same idea in closed form). The loss is the 0-1 loss for a classifier (accuracy = 1 - L) and |error| for
a regression model (MAE = L): the active sample draws rows in proportion to their expected loss, so
loss_i / pi_i varies little from row to row and the estimate is tight; estimating accuracy's own indicator
instead would lose that.

Its variance is Brewer's approximation for a fixed-size without-replacement design,

    v = n / (n - 1) * sum_i (1 - pi_i) (loss_i / pi_i - M L / n)^2 / M^2

which is the simple random sample's (1 - n/M) s^2 / n when pi_i = n / M. The band is `sigmas` standard
errors of a normal approximation, clipped to the metric's range.

`LabeledSums` accumulates the sums row by row and merges (a Beam CombineFn's accumulator).
"""
import math
from dataclasses import asdict, dataclass, field
from typing import Dict, Optional

import numpy as np


@dataclass(frozen=True)
class PartialEstimate:
    """A metric estimated from n labeled rows of M ("from n of M rows")."""
    metric: str
    value: float
    standard_error: float
    low: float
    high: float
    labeled_rows: int
    rows: int
    weighted: bool          # False: every labeled row equally likely (a uniform sample or unknown origin)

    def to_dict(self) -> Dict[str, object]:
        return {name: (round(value, 6) if isinstance(value, float) else value) for name, value in asdict(self).items()}

    def describe(self) -> str:
        how = "weighted by how each row was chosen" if self.weighted else "a uniform sample"
        return (f"{self.metric} {self.value:.3f} (band {self.low:.3f}-{self.high:.3f}) from {self.labeled_rows} of "
                f"{self.rows} rows, {how}")


@dataclass
class LabeledSums:
    """Per labeled row: its loss and inclusion probability, summed; `class_weights` sums 1/pi by label, so the
    batch's class shares are estimated the same way."""
    count: int = 0
    weighted_loss: float = 0.0       # sum loss / pi
    brewer_weight: float = 0.0       # sum (1 - pi)
    brewer_linear: float = 0.0       # sum (1 - pi) loss / pi
    brewer_square: float = 0.0       # sum (1 - pi) (loss / pi)^2
    weighted: bool = False
    class_weights: Dict[str, float] = field(default_factory=dict)

    def add(self, loss: float, inclusion_probability: float, label: Optional[str] = None,
            weighted: bool = True) -> "LabeledSums":
        pi = float(inclusion_probability)
        if not 0.0 < pi <= 1.0:
            raise ValueError(f"an inclusion probability must be in (0, 1], not {pi}")
        ratio = float(loss) / pi
        self.count += 1
        self.weighted_loss += ratio
        self.brewer_weight += 1.0 - pi
        self.brewer_linear += (1.0 - pi) * ratio
        self.brewer_square += (1.0 - pi) * ratio * ratio
        self.weighted = self.weighted or weighted
        if label is not None:
            self.class_weights[label] = self.class_weights.get(label, 0.0) + 1.0 / pi
        return self

    @classmethod
    def uniform(cls, count: int, loss_sum: float, loss_square_sum: float, rows: int,
                class_counts: Optional[Dict[str, int]] = None) -> "LabeledSums":
        """The sums of `count` labeled rows of `rows` that were equally likely to be chosen (pi = count / rows),
        from the losses' moments alone."""
        pi = count / rows
        return cls(count=count, weighted_loss=loss_sum / pi, brewer_weight=count * (1 - pi),
                   brewer_linear=(1 - pi) * loss_sum / pi, brewer_square=(1 - pi) * loss_square_sum / pi ** 2,
                   class_weights={label: n / pi for label, n in (class_counts or {}).items()})

    def merge(self, other: "LabeledSums") -> "LabeledSums":
        for name in ("count", "weighted_loss", "brewer_weight", "brewer_linear", "brewer_square"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.weighted = self.weighted or other.weighted
        for label, weight in other.class_weights.items():
            self.class_weights[label] = self.class_weights.get(label, 0.0) + weight
        return self

    def mean_loss(self, rows: int) -> float:
        return self.weighted_loss / rows

    def standard_error(self, rows: int) -> float:
        n = self.count
        if n < 2:
            return float("nan")
        centre = self.weighted_loss / n     # M L / n
        spread = self.brewer_square - 2 * centre * self.brewer_linear + centre * centre * self.brewer_weight
        return math.sqrt(max(spread, 0.0) * n / (n - 1)) / rows

    def class_shares(self) -> Dict[str, float]:
        """The batch's estimated share of each label (Hajek: the weights normalised)."""
        total = sum(self.class_weights.values())
        return {label: weight / total for label, weight in sorted(self.class_weights.items())} if total else {}

    def estimate(self, metric: str, rows: int, sigmas: float = 3.0, loss_is_error_rate: bool = True,
                 upper: float = math.inf) -> PartialEstimate:
        """The metric over all `rows` of the batch: accuracy (1 - mean 0-1 loss) when `loss_is_error_rate`,
        else the mean loss itself (MAE)."""
        if not self.count or rows < self.count:
            raise ValueError(f"{self.count} labeled rows cannot estimate a batch of {rows}")
        loss, error = self.mean_loss(rows), self.standard_error(rows)
        spread = sigmas * error if math.isfinite(error) else math.inf
        if loss_is_error_rate:
            value = min(max(1.0 - loss, 0.0), 1.0)
            low, high = max(0.0, 1.0 - loss - spread), min(1.0, 1.0 - loss + spread)
        else:
            value, low, high = loss, max(0.0, loss - spread), min(upper, loss + spread)
        return PartialEstimate(metric, value, error, low, high, self.count, rows, self.weighted)


def estimate_from_sample(losses, inclusion_probabilities, rows: int, metric: str = "accuracy",
                         sigmas: float = 3.0, labels=None) -> PartialEstimate:
    """The estimate of a batch of `rows` from the losses of its labeled rows (0/1 for `accuracy`, |error| for
    `mae`) and their inclusion probabilities."""
    losses, probabilities = np.asarray(losses, dtype=float), np.asarray(inclusion_probabilities, dtype=float)
    uniform = bool(np.allclose(probabilities, probabilities[0])) if len(probabilities) else True
    sums = LabeledSums()
    for index, (loss, probability) in enumerate(zip(losses, probabilities)):
        sums.add(loss, probability, None if labels is None else labels[index], weighted=not uniform)
    return sums.estimate(metric, rows, sigmas, loss_is_error_rate=metric == "accuracy")
