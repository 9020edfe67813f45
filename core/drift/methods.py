"""Drift methods: one class per method and feature kind, fitted on the baseline, then measured on a batch.

Shaped as NannyML's univariate drift methods are: a registry keyed by
(feature kind, method key); `method_class(kind, key)(baseline)` fits one on
the baseline's distribution, `.measure(current)` measures a batch against it.

Two sorts of method:

- tests (`ks_t`, `ks`, `t`, `chi2`) give a p-value: the chance that two samples of these
  sizes drawn from one distribution lie at least this far apart. That is what
  "drifted" means, so a 200-row batch needs a larger move than a 100,000-row
  one. They decide.
- distances (`psi`, `kl`, `js`, `wasserstein`, `linf`) say how far in the
  measure's own unit, whatever the sample size. They are reported beside the
  test, as the size of the move, and never decide.

Numbers are tested by default with Kolmogorov-Smirnov and Welch's t together
(`ks_t`); the t-test reads TFDV's exact means and standard deviations. The
Kolmogorov-Smirnov distance is read from TFDV's quantile sketches: the
largest gap between the two CDFs that the sketches guarantee, at the union of
both sets of bucket boundaries, each CDF bounded between its boundaries
(core/drift/distributions.py: never more than the distance of the raw rows, and
within a bucket's share of it, 0.5 % at drift.quantile_buckets 200). Interpolating instead raised false alarms
at 10,000 rows on values that repeat (centroid coordinates, rounded miles); a
moved mean is seen by the t-test, which needs no sketch. Its p-value is the asymptotic Kolmogorov distribution with Stephens'
small-sample correction (conservative on discrete data). The chi-square test
runs on the exact value counts, with categories too rare for its
approximation (an expected count under 5) pooled.
"""
from dataclasses import dataclass
from typing import Callable, ClassVar, Dict, List, Optional, Sequence, Tuple, Type

import numpy as np
from scipy import stats

from core.drift import distributions, measures
from core.drift.distributions import Categorical, Numeric
from core.drift.settings import CATEGORICAL, NUMERIC

MIN_EXPECTED = 5.0  # the chi-square approximation's usual floor on expected cell counts


@dataclass(frozen=True)
class Measurement:
    value: float
    p_value: Optional[float] = None   # tests only


class Method:
    key: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    is_test: ClassVar[bool] = False

    def __init__(self, baseline):
        self.baseline = baseline

    def measure(self, current) -> Measurement:
        raise NotImplementedError


REGISTRY: Dict[Tuple[str, str], Type[Method]] = {}


def register(cls: Type[Method]) -> Type[Method]:
    REGISTRY[(cls.kind, cls.key)] = cls
    return cls


def method_class(kind: str, key: str) -> Type[Method]:
    try:
        return REGISTRY[(kind, key)]
    except KeyError:
        raise ValueError(f"no {kind} drift method {key!r} (known: {', '.join(keys(kind))})") from None


def keys(kind: str, tests: Optional[bool] = None) -> List[str]:
    return sorted(key for (k, key), cls in REGISTRY.items() if k == kind and (tests is None or cls.is_test == tests))


def kind_of(distribution) -> str:
    return NUMERIC if isinstance(distribution, Numeric) else CATEGORICAL


# -- tests ------------------------------------------------------------------------------
def ks_distance(baseline: Numeric, current: Numeric) -> float:
    """The largest gap between the two CDFs that their sketches guarantee (each bounded between its boundaries)."""
    grid = np.unique(np.concatenate([baseline.points, current.points]))
    (b_low, b_high), (c_low, c_high) = baseline.cdf_bounds(grid), current.cdf_bounds(grid)
    return float(np.max(np.maximum(np.maximum(b_low - c_high, c_low - b_high), 0.0)))


def ks_p_value(distance: float, n: float, m: float) -> float:
    effective = np.sqrt(n * m / (n + m))
    return float(stats.kstwobign.sf((effective + 0.12 + 0.11 / effective) * distance))


@register
class KolmogorovSmirnov(Method):
    key, kind, is_test = "ks", NUMERIC, True

    def measure(self, current: Numeric) -> Measurement:
        distance = ks_distance(self.baseline, current)
        return Measurement(distance, ks_p_value(distance, self.baseline.count, current.count))


def welch_p_value(baseline: Numeric, current: Numeric) -> Tuple[float, float]:
    """(t, p) of Welch's test on the two means, from TFDV's exact means and standard deviations."""
    n, m = baseline.count, current.count
    if n < 2 or m < 2:
        return 0.0, 1.0
    sample_sd = [d.std * np.sqrt(d.count / (d.count - 1)) for d in (baseline, current)]
    if sample_sd[0] == 0 and sample_sd[1] == 0:
        return (0.0, 1.0) if baseline.mean == current.mean else (float("inf"), 0.0)
    t, p = stats.ttest_ind_from_stats(baseline.mean, sample_sd[0], n, current.mean, sample_sd[1], m, equal_var=False)
    return float(t), float(p)


@register
class WelchT(Method):
    """Welch's t-test on the means: the most powerful test of a moved mean, blind to a changed shape."""
    key, kind, is_test = "t", NUMERIC, True

    def measure(self, current: Numeric) -> Measurement:
        t, p = welch_p_value(self.baseline, current)
        return Measurement(t, p)


@register
class KolmogorovSmirnovAndT(Method):
    """Kolmogorov-Smirnov (any change of shape) and Welch's t (a moved mean), Bonferroni-combined: the smaller
    p-value, doubled. KS alone needs a third more rows than t to see a mean that moved by a quarter of a standard
    deviation; t alone misses a spread that widened around the same mean."""
    key, kind, is_test = "ks_t", NUMERIC, True

    def measure(self, current: Numeric) -> Measurement:
        distance = ks_distance(self.baseline, current)
        _, t_p = welch_p_value(self.baseline, current)
        return Measurement(distance, min(1.0, 2 * min(ks_p_value(distance, self.baseline.count, current.count), t_p)))


def contingency(baseline: Categorical, current: Categorical) -> np.ndarray:
    """2 x k counts (baseline row, batch row); categories expected fewer than MIN_EXPECTED times pooled."""
    _, b, c = distributions.aligned_categorical(baseline, current)
    return pooled_rare(np.vstack([b, c]))


def pooled_rare(table: np.ndarray) -> np.ndarray:
    """A 2 x k table of counts with the categories expected fewer than MIN_EXPECTED times in either row pooled into
    one (or, still too rare, added to the smallest other category), and empty columns dropped."""
    total = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / total
    rare = expected.min(axis=0) < MIN_EXPECTED
    kept = table[:, ~rare]
    if rare.any():
        pooled = table[:, rare].sum(axis=1, keepdims=True)
        pooled_expected = np.outer(table.sum(axis=1), pooled.sum(axis=0)) / total
        if pooled_expected.min() >= MIN_EXPECTED or kept.shape[1] == 0:
            kept = np.hstack([kept, pooled])
        else:  # still too rare on its own: joins the smallest kept category
            smallest = int(np.argmin(kept.sum(axis=0)))
            kept = kept.copy()
            kept[:, smallest:smallest + 1] += pooled
    return kept[:, kept.sum(axis=0) > 0]


def chi2_test(table: np.ndarray) -> Measurement:
    if table.shape[1] < 2:
        return Measurement(0.0, 1.0)
    statistic, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    return Measurement(float(statistic), float(p_value))


@register
class ChiSquare(Method):
    key, kind, is_test = "chi2", CATEGORICAL, True

    def measure(self, current: Categorical) -> Measurement:
        return chi2_test(contingency(self.baseline, current))


# -- distances --------------------------------------------------------------------------
class BinnedDistance(Method):
    """A distance between the two distributions' shares in common bins: a category's values, or for numbers the
    baseline's deciles with open outer bins (core/drift/distributions.py: aligned_numeric)."""
    shares_distance: ClassVar[Callable[[Sequence[float], Sequence[float]], float]]

    def measure(self, current) -> Measurement:
        if self.kind == NUMERIC:
            baseline_shares, current_shares = distributions.aligned_numeric(self.baseline, current)
        else:
            _, baseline_shares, current_shares = distributions.aligned_categorical(self.baseline, current)
        return Measurement(type(self).shares_distance(baseline_shares, current_shares))


for _kind, _key, _distance in ((NUMERIC, "psi", measures.psi), (NUMERIC, "kl", measures.kl_divergence),
                               (NUMERIC, "js", measures.js_divergence), (CATEGORICAL, "psi", measures.psi),
                               (CATEGORICAL, "linf", measures.l_infinity)):  # L-infinity: TFDV's categorical drift
    register(type(f"{_kind.title()}{_key.upper()}", (BinnedDistance,),
                  {"key": _key, "kind": _kind, "shares_distance": staticmethod(_distance)}))


@register
class Wasserstein(Method):
    """Earth mover's distance over the central 80 %, in units of the baseline's 10th-90th percentile range."""
    key, kind = "wasserstein", NUMERIC

    def __init__(self, baseline: Numeric):
        super().__init__(baseline)
        self.sample, self.scale = distributions.quantile_sample(baseline), distributions.spread(baseline)

    def measure(self, current: Numeric) -> Measurement:
        return Measurement(measures.wasserstein(self.sample, distributions.quantile_sample(current), scale=self.scale))
