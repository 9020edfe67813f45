"""Feature distributions read from TFDV statistics, and merged over several spans.

TFDV describes a string feature, and an integer feature the kept schema
declares categorical (`int_domain.is_categorical`: booleans, small codes), by
its value counts (rank histogram): those are exact, and a discrete feature is
compared by them. A 0/1 integer feature is read as the categories 0 and 1 from
its mean. Any other numeric feature has a quantiles histogram (equal-mass
buckets); it is held as its CDF through the bucket boundaries, with a step at
every value repeated across buckets (a spike: many rows at 0 or at a cap, a
code with a large share), so that it keeps its point mass instead of having it
spread by interpolation (`_with_steps`). Between
boundaries the CDF is interpolated for distances, and for tests only bounded:
it lies between its values at the boundaries around it (`cdf_bounds`), which
is all a sketch guarantees when values repeat (codes, rounded numbers,
coordinates of a few centroids). Several spans merge into their mixture, weighted by row counts,
so the statistics StatisticsGen computed once per span are reused as they are.
"""
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np
from tensorflow_metadata.proto.v0 import statistics_pb2

from core.drift.settings import QUANTILE_BUCKETS

QUANTILES = statistics_pb2.Histogram.QUANTILES
OTHER = "__other__"  # values beyond the rank histogram's length: counted, not named


@dataclass
class Numeric:
    points: np.ndarray   # ascending x values
    cdf: np.ndarray      # F(x) = P(X <= x) at points, from 0 to 1 (interpolated in between)
    count: float
    mean: float
    std: float
    lower: np.ndarray    # what the sketch guarantees at each point: lower <= F(point) <= upper
    upper: np.ndarray

    def cdf_at(self, x) -> np.ndarray:
        return np.interp(x, self.points, self.cdf, left=0.0, right=1.0)

    def cdf_bounds(self, x) -> Tuple[np.ndarray, np.ndarray]:
        """(lower, upper) bounds of F at x that hold whatever lies between the sketch's points: F is at least its
        bound at the nearest point at or below x and at most its bound at the nearest point at or above."""
        x = np.asarray(x, dtype=float)
        below = np.searchsorted(self.points, x, side="right") - 1
        above = np.searchsorted(self.points, x, side="left")
        lower = np.where(below >= 0, self.lower[np.clip(below, 0, None)], 0.0)
        upper = np.where(above < len(self.points), self.upper[np.clip(above, None, len(self.points) - 1)], 1.0)
        return lower, upper

    def quantiles(self, levels: Sequence[float]) -> np.ndarray:
        cdf, index = np.unique(self.cdf, return_index=True)  # np.interp needs increasing x
        return np.interp(levels, cdf, self.points[index])


@dataclass
class Categorical:
    counts: Dict[str, float]

    @property
    def count(self) -> float:
        return float(sum(self.counts.values()))


def _with_steps(points: np.ndarray, cdf: np.ndarray):
    """(points, F, lower, upper) through the bucket boundaries, with a step at every value repeated across buckets.

    At a boundary the sketch gives F exactly. A value v that ends several
    buckets (a 0/1 feature, a spike at 0, a code with a large share) carries
    all their mass: F(v) is the cumulative share at its last bucket, and just
    below v (the point `nextafter(v, -inf)`) F is at most the share at its
    first one, so interpolation from the previous boundary rises only to
    that, and the rest of the mass stays a point mass at v.
    """
    distinct, first = np.unique(points, return_index=True)
    _, last_reversed = np.unique(points[::-1], return_index=True)
    last = len(points) - 1 - last_reversed
    xs, fs, lows, highs = [], [], [], []
    for value, before, at in zip(distinct, cdf[first], cdf[last]):
        if at > before and xs:
            xs.append(np.nextafter(value, -np.inf))
            fs.append(before)
            lows.append(fs[-2])  # F just below v is at least F at the boundary before it
            highs.append(before)
        xs.append(value)
        fs.append(at)
        lows.append(at)
        highs.append(at)
    return np.array(xs), np.array(fs), np.array(lows), np.array(highs)


def feature_name(feature: statistics_pb2.FeatureNameStatistics) -> str:
    return ".".join(feature.path.step) if feature.path.step else feature.name


def _categorical(string_stats) -> "Categorical | None":
    buckets = string_stats.rank_histogram.buckets or string_stats.top_values
    counts = {getattr(b, "label", "") or getattr(b, "value", ""): float(b.sample_count or b.frequency)
              for b in buckets}
    if string_stats.unique > len(counts):
        # More distinct values than the rank histogram keeps: the rest is one category. (Only then: TFDV
        # counts an empty string of a tf.Example as present without listing it, a CSV batch's as missing.)
        counts[OTHER] = max(string_stats.common_stats.num_non_missing - sum(counts.values()), 0.0)
    return Categorical(counts) if counts and sum(counts.values()) > 0 else None


def _numeric(stats) -> "Numeric | None":
    histogram = next((h for h in stats.histograms if h.type == QUANTILES), None)
    count = stats.common_stats.num_non_missing
    if histogram is None or not histogram.buckets or count == 0:
        return None
    buckets = histogram.buckets
    points = np.array([buckets[0].low_value] + [b.high_value for b in buckets])
    masses = np.array([b.sample_count for b in buckets], dtype=float)
    cdf = np.concatenate([[0.0], np.cumsum(masses) / masses.sum()])
    xs, fs, lows, highs = _with_steps(points, cdf)
    return Numeric(xs, fs, float(count), stats.mean, stats.std_dev, lows, highs)


def from_feature(feature: statistics_pb2.FeatureNameStatistics):
    """A Numeric or Categorical distribution, or None when the feature has no values."""
    if feature.HasField("string_stats"):
        return _categorical(feature.string_stats)
    if feature.HasField("num_stats"):
        stats = feature.num_stats
        if feature.type == statistics_pb2.FeatureNameStatistics.INT and stats.min == 0 and stats.max == 1:
            # A 0/1 feature (a binary label, a flag) is a category share, not a quantity.
            count = stats.common_stats.num_non_missing
            return Categorical({"0": (1 - stats.mean) * count, "1": stats.mean * count}) if count else None
        return _numeric(stats)
    return None


def features_of(statistics: statistics_pb2.DatasetFeatureStatisticsList) -> Dict[str, object]:
    dataset = statistics.datasets[0]
    found = {}
    for feature in dataset.features:
        distribution = from_feature(feature)
        if distribution is not None:
            found[feature_name(feature)] = distribution
    return found


def categorical_integers(statistics: statistics_pb2.DatasetFeatureStatisticsList) -> List[str]:
    """Integer features these statistics describe by value counts (declared categorical when computed)."""
    return sorted(feature_name(f) for f in statistics.datasets[0].features
                  if f.type == statistics_pb2.FeatureNameStatistics.INT and f.HasField("string_stats"))


def merge(distributions: Sequence[object]):
    """The mixture of several spans' distributions of one feature."""
    if len(distributions) == 1:
        return distributions[0]
    if all(isinstance(d, Categorical) for d in distributions):
        merged: Dict[str, float] = {}
        for distribution in distributions:
            for value, count in distribution.counts.items():
                merged[value] = merged.get(value, 0.0) + count
        return Categorical(merged)
    numeric = [d for d in distributions if isinstance(d, Numeric)]
    total = sum(d.count for d in numeric)
    weights = [d.count / total for d in numeric]
    grid = np.unique(np.concatenate([d.points for d in numeric]))
    cdf = sum(w * d.cdf_at(grid) for w, d in zip(weights, numeric))
    bounds = [d.cdf_bounds(grid) for d in numeric]
    lower = sum(w * low for w, (low, _) in zip(weights, bounds))
    upper = sum(w * high for w, (_, high) in zip(weights, bounds))
    mean = sum(w * d.mean for w, d in zip(weights, numeric))
    variance = sum(w * (d.std ** 2 + d.mean ** 2) for w, d in zip(weights, numeric)) - mean ** 2
    return Numeric(grid, cdf, total, mean, float(np.sqrt(max(variance, 0.0))), lower, upper)


def numeric_from_values(values: Sequence[float], buckets: int = QUANTILE_BUCKETS) -> "Numeric | None":
    """The distribution of raw values (a model's predicted numbers), as TFDV's sketch would hold them but exact:
    F at the values at `buckets` equal-mass levels, and just below each, so that a repeated value keeps its mass."""
    data = np.sort(np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float))
    if not len(data):
        return None
    xs: List[float] = []
    fs: List[float] = []
    for point in np.unique(np.quantile(data, np.linspace(0.0, 1.0, buckets + 1), method="inverted_cdf")):
        below = np.searchsorted(data, point, side="left") / len(data)
        if xs:  # every point is a value with mass: F rises to `below` just before it, then steps
            xs.append(np.nextafter(point, -np.inf))
            fs.append(below)
        xs.append(point)
        fs.append(np.searchsorted(data, point, side="right") / len(data))
    cdf = np.array(fs)
    return Numeric(np.array(xs), cdf, float(len(data)), float(data.mean()), float(data.std()), cdf.copy(), cdf.copy())


def categorical_from_values(values: Sequence[str]) -> "Categorical | None":
    counts: Dict[str, float] = {}
    for value in values:
        if value is not None:
            counts[str(value)] = counts.get(str(value), 0.0) + 1.0
    return Categorical(counts) if counts else None


def to_dict(distribution) -> Dict:
    """A distribution as JSON keeps it (a model's answers on its holdout, recorded at training)."""
    if isinstance(distribution, Categorical):
        return {"kind": "categorical", "counts": dict(distribution.counts)}
    return {"kind": "numeric", "points": distribution.points.tolist(), "cdf": distribution.cdf.tolist(),
            "count": distribution.count, "mean": distribution.mean, "std": distribution.std}


def from_dict(found: Dict):
    if found["kind"] == "categorical":
        return Categorical({str(k): float(v) for k, v in found["counts"].items()})
    cdf = np.array(found["cdf"], dtype=float)
    return Numeric(np.array(found["points"], dtype=float), cdf, float(found["count"]), float(found["mean"]),
                   float(found["std"]), cdf.copy(), cdf.copy())


def aligned_categorical(baseline: Categorical, current: Categorical) -> Tuple[List[str], np.ndarray, np.ndarray]:
    values = sorted(set(baseline.counts) | set(current.counts))
    return (values, np.array([baseline.counts.get(v, 0.0) for v in values]),
            np.array([current.counts.get(v, 0.0) for v in values]))


def aligned_numeric(baseline: Numeric, current: Numeric, bins: int = 10) -> Tuple[np.ndarray, np.ndarray]:
    """Shares of both in the baseline's decile bins, the outer two open-ended.

    Extreme values beyond the baseline's range fall in the outer bins: the
    outer quantile buckets of TFDV stretch to single outliers, and splitting
    mass there by interpolation would measure the outliers, not the data.
    """
    edges = np.unique(baseline.quantiles(np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    def shares(distribution: Numeric) -> np.ndarray:  # bins (-inf, e0], (e0, e1], ..., (ek, inf)
        return np.clip(np.diff(np.concatenate([[0.0], distribution.cdf_at(edges), [1.0]])), 0.0, None)
    return shares(baseline), shares(current)


CENTRAL = (0.1, 0.9)


def quantile_sample(distribution: Numeric, size: int = 200) -> np.ndarray:
    """Equal-weight points following the central 80% of the distribution: what Wasserstein compares.

    TFDV's outer quantile buckets stretch to the extreme values (a 24-hour
    taxi trip), so the tails are left out rather than interpolated.
    """
    low, high = CENTRAL
    return distribution.quantiles(low + (high - low) * (np.arange(size) + 0.5) / size)


def spread(distribution: Numeric) -> float:
    """The 10th-90th percentile range: the unit of the Wasserstein distance, robust to outliers."""
    p10, p90 = distribution.quantiles([0.1, 0.9])
    return float(p90 - p10) or float(distribution.std) or 1.0
