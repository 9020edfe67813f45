"""A batch's metric from labels on some of its rows: the sums the estimators (core/labeling/estimators.py) read.

When only n of a batch's M rows are labeled, each labeled row i having been chosen with inclusion probability
pi_i (core/labeling/acquisition.py's active sample; n / M for a uniform random subset, or for labels whose
origin is unknown), two unbiased estimates of the batch's mean loss follow from the same rows:

- importance weighting (Horvitz-Thompson, the closed form of Kossen et al.'s LURE weights):
      L = (1 / M) * sum_i loss_i / pi_i
- the difference estimator (model-assisted; the "active surrogate" / control-variate estimate): the model's own
  expected loss e over all M rows (the confidence-based estimate) corrected by the weighted residuals,
      L = (1 / M) * (sum_all e_j + sum_i (loss_i - e_i) / pi_i)
  unbiased whatever e is; its variance is that of the residuals, small wherever e is good.

The loss is the 0-1 loss for a classifier (accuracy = 1 - L) and |error| for a regression model (MAE = L).
The variance of either is Brewer's approximation for a fixed-size without-replacement design, on the values
y_i (the loss, or the residual):

    v = n / (n - 1) * sum_i (1 - pi_i) (y_i / pi_i - sum_k y_k / pi_k / n)^2 / M^2

which is the simple random sample's (1 - n/M) s^2 / n when pi_i = n / M.

`LabeledSums` accumulates the sums row by row and merges (a Beam CombineFn's accumulator).
"""
import math
from dataclasses import asdict, dataclass, field
from typing import Dict, Optional


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
    estimator: str = "importance"   # its key in core/labeling/estimators.ESTIMATORS

    def to_dict(self) -> Dict[str, object]:
        return {name: (round(value, 6) if isinstance(value, float) else value) for name, value in asdict(self).items()}

    def describe(self) -> str:
        how = "weighted by how each row was chosen" if self.weighted else "a uniform sample"
        return (f"{self.metric} {self.value:.3f} (band {self.low:.3f}-{self.high:.3f}) from {self.labeled_rows} of "
                f"{self.rows} rows, {how} ({self.estimator} estimate)")


@dataclass
class WeightedSums:
    """Brewer's sums of one value y over the labeled rows."""
    weighted: float = 0.0      # sum y / pi
    linear: float = 0.0        # sum (1 - pi) y / pi
    square: float = 0.0        # sum (1 - pi) (y / pi)^2

    def add(self, value: float, pi: float) -> None:
        ratio = value / pi
        self.weighted += ratio
        self.linear += (1.0 - pi) * ratio
        self.square += (1.0 - pi) * ratio * ratio

    def merge(self, other: "WeightedSums") -> None:
        self.weighted += other.weighted
        self.linear += other.linear
        self.square += other.square

    @classmethod
    def uniform(cls, pi: float, value_sum: float, square_sum: float) -> "WeightedSums":
        return cls(value_sum / pi, (1 - pi) * value_sum / pi, (1 - pi) * square_sum / pi ** 2)

    def standard_error(self, count: int, brewer_weight: float, rows: int) -> float:
        """The standard error of sum y / pi / rows (Brewer's approximation; nan below two rows)."""
        if count < 2:
            return float("nan")
        centre = self.weighted / count
        spread = self.square - 2 * centre * self.linear + centre * centre * brewer_weight
        return math.sqrt(max(spread, 0.0) * count / (count - 1)) / rows


@dataclass
class LabeledSums:
    """Per labeled row: its loss, its residual (loss - the model's expected loss, when given) and inclusion
    probability, summed; `class_weights` sums 1/pi by label, so the batch's class shares are estimated the same
    way."""
    count: int = 0
    brewer_weight: float = 0.0       # sum (1 - pi)
    loss: WeightedSums = field(default_factory=WeightedSums)
    residual: WeightedSums = field(default_factory=WeightedSums)
    assisted: int = 0                # rows added with an expected loss (the difference estimator needs all)
    weighted: bool = False
    class_weights: Dict[str, float] = field(default_factory=dict)

    def add(self, loss: float, inclusion_probability: float, label: Optional[str] = None,
            weighted: bool = True, expected_loss: Optional[float] = None) -> "LabeledSums":
        pi = float(inclusion_probability)
        if not 0.0 < pi <= 1.0:
            raise ValueError(f"an inclusion probability must be in (0, 1], not {pi}")
        self.count += 1
        self.brewer_weight += 1.0 - pi
        self.loss.add(float(loss), pi)
        if expected_loss is not None:
            self.assisted += 1
            self.residual.add(float(loss) - float(expected_loss), pi)
        self.weighted = self.weighted or weighted
        if label is not None:
            self.class_weights[label] = self.class_weights.get(label, 0.0) + 1.0 / pi
        return self

    @classmethod
    def uniform(cls, count: int, loss_sum: float, loss_square_sum: float, rows: int,
                class_counts: Optional[Dict[str, int]] = None, residual_sum: Optional[float] = None,
                residual_square_sum: Optional[float] = None) -> "LabeledSums":
        """The sums of `count` labeled rows of `rows` that were equally likely to be chosen (pi = count / rows),
        from the losses' (and residuals') moments alone."""
        pi = count / rows
        assisted = residual_sum is not None and residual_square_sum is not None
        return cls(count=count, brewer_weight=count * (1 - pi),
                   loss=WeightedSums.uniform(pi, loss_sum, loss_square_sum),
                   residual=WeightedSums.uniform(pi, residual_sum, residual_square_sum) if assisted
                   else WeightedSums(), assisted=count if assisted else 0,
                   class_weights={label: n / pi for label, n in (class_counts or {}).items()})

    def merge(self, other: "LabeledSums") -> "LabeledSums":
        self.count += other.count
        self.brewer_weight += other.brewer_weight
        self.loss.merge(other.loss)
        self.residual.merge(other.residual)
        self.assisted += other.assisted
        self.weighted = self.weighted or other.weighted
        for label, weight in other.class_weights.items():
            self.class_weights[label] = self.class_weights.get(label, 0.0) + weight
        return self

    @property
    def fully_assisted(self) -> bool:
        """Every labeled row came with the model's expected loss."""
        return bool(self.count) and self.assisted == self.count

    def mean_loss(self, rows: int) -> float:
        """The Horvitz-Thompson estimate of the batch's mean loss."""
        return self.loss.weighted / rows

    def standard_error(self, rows: int) -> float:
        return self.loss.standard_error(self.count, self.brewer_weight, rows)

    def class_shares(self) -> Dict[str, float]:
        """The batch's estimated share of each label (Hajek: the weights normalised)."""
        total = sum(self.class_weights.values())
        return {label: weight / total for label, weight in sorted(self.class_weights.items())} if total else {}
