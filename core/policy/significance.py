"""Is a batch's metric worse than the serving model's holdout score by more than the tolerance, beyond chance?

A fixed tolerance alone ignores the rows: on 200 rows accuracy wanders by ±2 points from chance alone, on 50,000
by ±0.3. The test here asks the question at the batch's and the holdout's sizes. The null hypothesis is that
the batch's metric is within the tolerance of the reference (accuracy at least (1 - tolerance) x reference; an
error at most (1 + tolerance) x reference); the rule fires when its one-sided p-value is at most the false-alarm
rate, so on batches no worse than the reference it fires at most that often, whatever their size.

- accuracy: two independent proportions (batch rows, holdout rows), unpooled normal approximation (Wald), the
  shares kept half a row inside (0, 1) so a perfect holdout still has a variance;
- mean absolute error, RMSE: two independent means (Welch), from each side's mean and standard deviation of the
  per-row errors (squared errors for RMSE, by the delta method); a holdout whose spread was not recorded is
  taken to spread as the batch does.
A reference whose rows are unknown (0) is taken as exact.
"""
import math
from dataclasses import asdict, dataclass
from typing import Dict


@dataclass(frozen=True)
class DropTest:
    metric: str
    value: float              # the batch's
    reference: float          # the serving model's on its holdout
    batch_rows: int
    reference_rows: int
    tolerance: float          # the relative drop allowed
    drop: float               # the relative drop seen (positive: worse)
    drop_low: float           # the one-sided lower confidence bound of the relative drop, at the rate
    p_value: float            # one-sided, of "no worse than the tolerance"
    false_alarm_rate: float

    @property
    def fires(self) -> bool:
        return self.p_value <= self.false_alarm_rate

    def describe(self) -> str:
        worse = "above" if self.metric in ("mae", "rmse") else "below"
        side = f"{self.drop:.1%} {worse}" if self.drop > 0 else f"not {worse}"
        verdict = "beyond" if self.fires else "within"
        return (f"{self.metric} {self.value:.3f} on {self.batch_rows} rows is {side} the serving model's "
                f"{self.reference:.3f} on {self.reference_rows or 'its'} holdout rows; {verdict} the "
                f"{self.tolerance:.0%} tolerance by chance (p={self.p_value:.2g}, drop at least "
                f"{self.drop_low:.1%} at {1 - self.false_alarm_rate:.0%})")

    def to_dict(self) -> Dict[str, object]:
        return {**asdict(self), "fires": self.fires}


def _one_sided(excess: float, variance: float) -> float:
    """P(seeing this excess or more | none), for an excess over the tolerance measured with this variance."""
    if variance <= 0:
        return 0.0 if excess > 0 else 1.0
    return 0.5 * math.erfc(excess / math.sqrt(2 * variance))


def _z(false_alarm_rate: float) -> float:
    """The normal quantile a one-sided bound at this rate stands on (scipy only here: config stays light)."""
    from scipy import stats
    return float(stats.norm.isf(false_alarm_rate))


def _clip(share: float, rows: int) -> float:
    margin = 0.5 / max(rows, 1)
    return min(max(share, margin), 1 - margin)


def accuracy_drop(value: float, rows: int, reference: float, reference_rows: int, tolerance: float,
                  false_alarm_rate: float) -> DropTest:
    """The test for a share of right answers (accuracy), higher is better."""
    floor = (1 - tolerance) * reference
    batch_var = _clip(value, rows) * (1 - _clip(value, rows)) / max(rows, 1)
    reference_var = ((1 - tolerance) ** 2 * _clip(reference, reference_rows) * (1 - _clip(reference, reference_rows))
                     / reference_rows) if reference_rows else 0.0
    variance = batch_var + reference_var
    z = _z(false_alarm_rate)
    low_gap = (reference - value) - z * math.sqrt(batch_var + (reference_var / (1 - tolerance) ** 2 if tolerance < 1
                                                               else 0.0))
    return DropTest("accuracy", value, reference, rows, reference_rows, tolerance,
                    drop=(reference - value) / reference if reference else 0.0,
                    drop_low=low_gap / reference if reference else 0.0,
                    p_value=_one_sided(floor - value, variance), false_alarm_rate=false_alarm_rate)


def error_drop(metric: str, value: float, spread: float, rows: int, reference: float, reference_spread: float,
               reference_rows: int, tolerance: float, false_alarm_rate: float) -> DropTest:
    """The test for a mean error (MAE: `spread` is the per-row absolute errors' standard deviation; RMSE: the
    squared errors', and the test runs on the mean squared error), lower is better."""
    if metric == "rmse":  # test MSE = RMSE², then report on RMSE's scale
        value_sq, reference_sq = value ** 2, reference ** 2
        ceiling = (1 + tolerance) ** 2 * reference_sq
        centre, reference_centre = value_sq, reference_sq
    else:
        ceiling = (1 + tolerance) * reference
        centre, reference_centre = value, reference
    reference_spread = reference_spread if reference_spread > 0 else spread
    batch_var = spread ** 2 / max(rows, 1)
    reference_var = ((ceiling / reference_centre) ** 2 * reference_spread ** 2 / reference_rows
                     if reference_rows and reference_centre else 0.0)
    z = _z(false_alarm_rate)
    low_centre = centre - reference_centre - z * math.sqrt(batch_var + reference_spread ** 2 / reference_rows
                                                           if reference_rows else batch_var)
    low_drop = ((math.sqrt(max(reference_centre + low_centre, 0.0)) - reference) / reference if metric == "rmse"
                else low_centre / reference) if reference else 0.0
    return DropTest(metric, value, reference, rows, reference_rows, tolerance,
                    drop=(value - reference) / reference if reference else 0.0, drop_low=low_drop,
                    p_value=_one_sided(centre - ceiling, batch_var + reference_var),
                    false_alarm_rate=false_alarm_rate)
