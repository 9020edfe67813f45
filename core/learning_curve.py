"""A model's learning curve, and what more rows are expected to gain along it.

Measured when the model is trained (models/learning_curve.py): the metric of a forest grown on part of the
training rows and of one grown on more of them, scored on the same rows (the holdout, or out of fold when the
holdout is small), with the paired standard error of their difference. The model's info file keeps it
(`learning_curves`, one per metric); a model without one (a network) has none, and nothing is extrapolated.

The extrapolation. In error terms (1 - accuracy; MAE; RMSE as they are) the error falls as a power of the rows,

    error(n) = error2 * (n2 / n) ** b,    b = ln(error1 / error2) / ln(n2 / n1), clipped to [0, 1],

the straight line through the curve's last two points (n1 < n2) in log-log space. b = 0: more rows change
nothing; b = 1: the error halves when the rows double, faster than learners improve once past their first rows.
The expected gain of a model grown on `rows_now` over one grown on `rows_then` is error(rows_then) -
error(rows_now), in the metric's units, positive when better. A power law has no floor, so far beyond the measured
rows it promises too much; a window holds a few times the rows, where the local slope is what is known.

Repeats. Out of fold, on a few hundred rows, which forest happens to answer a row is most of the noise of the two
points' difference: on 400 training rows of a table whose accuracy truly rises 2.3 points from 100 to 300 rows,
one draw of the folds measured the rise with a paired standard error of 0.017 (p = 0.33 on the generated stream of
benchmarks/tune.py, the rule declined). The measurement is therefore repeated on fresh draws of the folds
(`out_of_fold_repeats`: up to MAX_REPEATS while the rows are few, one alone past REPEAT_ROWS, so the forests grown
for the curve stay within a few times the model's own rows) and each row's scores are averaged over the repeats
before the paired difference is taken (`averaged`): the spread of the rise across 12 generated first batches of
400 rows fell from 0.011 to 0.006 with three repeats, and the one-sided test at 0.05 fired on 11 of 12 where it
fired on 8. Rows' scores are averaged, never the forests' answers (that would grow a bagged ensemble, a better
learner than the one whose curve is wanted).

Its uncertainty. Nearly all of it is in d = error1 - error2, measured with the paired standard error s over the
same rows; the gain rises monotonically with d at a fixed error2, so the interval of d maps onto the gain's:
[gain(d - z s), gain(d + z s)], z the one-sided normal quantile at the false-alarm rate. The gain is beyond chance
exactly when d is: p = P(Z > d / s). Pure Python: the configuration and the policies import it.
"""
import math
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any, Dict, Mapping, Optional, Tuple

from core.metrics import LOWER_IS_BETTER

HOLDOUT, OUT_OF_FOLD = "holdout", "out of fold"
MAX_EXPONENT = 1.0
MAX_REPEATS = 3        # draws of the folds for a curve measured out of fold
REPEAT_ROWS = 6000     # training rows over which a single draw is enough (and repeats would cost the most)


def out_of_fold_repeats(rows: int) -> int:
    """How many draws of the folds a curve out of fold on `rows` training rows is measured on: MAX_REPEATS up to
    REPEAT_ROWS / MAX_REPEATS rows, fewer as they grow, one from REPEAT_ROWS / 2 on."""
    return max(1, min(MAX_REPEATS, REPEAT_ROWS // max(rows, 1)))


@dataclass(frozen=True)
class CurvePoint:
    rows: int          # the training rows the forest was grown on
    value: float       # its metric on the scored rows
    stderr: float      # the standard error of that value


@dataclass(frozen=True)
class LearningCurve:
    metric: str
    points: Tuple[CurvePoint, ...]   # fewest rows first
    paired_se: float                 # standard error of the last two points' difference, paired over the same rows
    training_rows: int               # the rows the model itself was grown on
    scored_on: str = HOLDOUT         # HOLDOUT or OUT_OF_FOLD
    scored_rows: int = 0

    def to_dict(self) -> Dict[str, Any]:
        return {**asdict(self), "points": [asdict(point) for point in self.points]}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "LearningCurve":
        points = tuple(CurvePoint(int(p["rows"]), float(p["value"]), float(p["stderr"])) for p in values["points"])
        return cls(str(values["metric"]), points, float(values["paired_se"]), int(values["training_rows"]),
                   str(values.get("scored_on", HOLDOUT)), int(values.get("scored_rows", 0)))

    def describe(self) -> str:
        said = ", ".join(f"{point.value:.4g} on {point.rows:,} rows" for point in self.points)
        return f"{self.metric} {said} ({self.scored_on}, {self.scored_rows:,} rows scored)"


def standard_error(values) -> float:
    """The standard error of the mean of per-row values, a numpy array (0 for fewer than two rows)."""
    import numpy as np   # here: the rest of this module is pure Python
    return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0


def averaged(repeats):
    """Each row's score averaged over repeated measurements: a list of equally long numpy arrays, one a repeat."""
    import numpy as np
    return np.mean(np.stack([np.asarray(r, dtype=float) for r in repeats]), axis=0)


INFO_KEY = "learning_curves"


def curves_in_info(info: Mapping[str, Any]) -> Dict[str, LearningCurve]:
    """{metric: curve} from a model info file ({} for a model trained without one)."""
    return {values["metric"]: LearningCurve.from_dict(values) for values in info.get(INFO_KEY) or []}


def _error(metric: str, value: float) -> float:
    return value if metric in LOWER_IS_BETTER else 1.0 - value


def one_sided_z(false_alarm_rate: float) -> float:
    return NormalDist().inv_cdf(1.0 - false_alarm_rate)


@dataclass(frozen=True)
class GainOfMoreData:
    """What a model grown on `rows_now` is expected to gain over the one grown on `rows_then`."""

    metric: str
    rows_then: int
    rows_now: int
    level: float          # the serving model's metric at rows_then, on the curve
    gain: float           # expected improvement of the metric, in its units (positive: better)
    low: float            # the gain's interval at the false-alarm rate on each side
    high: float
    p_value: float        # one-sided, of "more rows gain nothing"
    exponent: float       # b, as measured (clipped)
    false_alarm_rate: float

    @property
    def relative(self) -> float:
        """The gain as a share of the serving model's level (as performance.max_drop is a share)."""
        return self.gain / abs(self.level) if self.level else 0.0

    @property
    def beyond_chance(self) -> bool:
        return self.p_value <= self.false_alarm_rate

    def describe(self) -> str:
        coverage = 1 - 2 * self.false_alarm_rate
        return (f"{self.metric} expected to gain {self.gain:.4g} ({self.relative:.1%} of {self.level:.4g}; "
                f"{coverage:.0%} interval {self.low:.4g} to {self.high:.4g}, p={self.p_value:.2g})")


def _gain(error2: float, difference: float, ratio: float, then: float, now: float) -> Tuple[float, float]:
    """(gain, exponent) for a difference error1 - error2 between points `ratio` apart in rows; `then` and `now`
    are the rows of the two models as multiples of the last point's."""
    error1 = error2 + difference
    if error2 <= 0 or error1 <= error2:
        return 0.0, 0.0
    exponent = min(math.log(error1 / error2) / math.log(ratio), MAX_EXPONENT)
    return error2 * (then ** -exponent - now ** -exponent), exponent


def extrapolate(curve: LearningCurve, rows_now: int, false_alarm_rate: float,
                rows_then: Optional[int] = None) -> Optional[GainOfMoreData]:
    """The expected gain of growing the model on `rows_now` rows instead of `rows_then` (default: the rows it was
    grown on), or None when the curve has fewer than two points or no spread to judge by."""
    if len(curve.points) < 2 or rows_now <= 0:
        return None
    first, last = curve.points[-2], curve.points[-1]
    if not 0 < first.rows < last.rows:
        return None
    rows_then = rows_then or curve.training_rows or last.rows
    metric = curve.metric
    error2, difference = _error(metric, last.value), _error(metric, first.value) - _error(metric, last.value)
    ratio, then, now = last.rows / first.rows, rows_then / last.rows, rows_now / last.rows
    gain, exponent = _gain(error2, difference, ratio, then, now)
    z, spread = one_sided_z(false_alarm_rate), max(curve.paired_se, 0.0)
    low = _gain(error2, difference - z * spread, ratio, then, now)[0]
    high = _gain(error2, difference + z * spread, ratio, then, now)[0]
    if spread > 0:
        p_value = 1.0 - NormalDist().cdf(difference / spread)
    else:
        p_value = 0.0 if difference > 0 else 1.0
    level_error = error2 * then ** -exponent
    level = level_error if metric in LOWER_IS_BETTER else 1.0 - level_error
    if rows_now < rows_then:   # fewer rows: the same law, a loss
        low, high = min(low, high), max(low, high)
    return GainOfMoreData(metric, int(rows_then), int(rows_now), level, gain, low, high, p_value, exponent,
                          false_alarm_rate)
