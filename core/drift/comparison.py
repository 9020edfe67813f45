"""Comparing two sets of feature distributions: the drift table and the TFDV skew table."""
from typing import Callable, Dict, Iterable, List, Optional

import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

from core.drift import distributions, measures
from core.drift.distributions import Categorical, Numeric

CATEGORICAL_METRICS = ("linf", "psi")
NUMERIC_METRICS = ("psi", "kl", "js", "wasserstein")

Threshold = Callable[[str, str], float]


def _row(feature: str, kind: str, metric: str, value: float, threshold: float) -> Dict:
    return {"feature": feature, "kind": kind, "metric": metric, "value": round(value, 4),
            "threshold": threshold, "drifted": bool(value > threshold)}


def compare_feature(name: str, baseline, current, threshold: Threshold) -> List[Dict]:
    if isinstance(baseline, Categorical) and isinstance(current, Categorical):
        _, p, q = distributions.aligned_categorical(baseline, current)
        values = {"linf": measures.l_infinity(p, q), "psi": measures.psi(p, q)}
        return [_row(name, "categorical", m, values[m], threshold(name, m)) for m in CATEGORICAL_METRICS]
    if isinstance(baseline, Numeric) and isinstance(current, Numeric):
        p, q = distributions.aligned_numeric(baseline, current)
        values = {
            "psi": measures.psi(p, q), "kl": measures.kl_divergence(p, q), "js": measures.js_divergence(p, q),
            "wasserstein": measures.wasserstein(distributions.quantile_sample(baseline),
                                                distributions.quantile_sample(current),
                                                scale=distributions.spread(baseline)),
        }
        return [_row(name, "numeric", m, values[m], threshold(name, m)) for m in NUMERIC_METRICS]
    return [{"feature": name, "kind": "mixed", "metric": "type", "value": None, "threshold": None,
             "drifted": True}]


def drift_table(baseline: Dict[str, object], current: Dict[str, object], threshold: Threshold,
                skip: Iterable[str] = ()) -> List[Dict]:
    skipped = set(skip)
    rows = []
    for name in sorted(set(baseline) & set(current) - skipped):
        rows += compare_feature(name, baseline[name], current[name], threshold)
    return rows


def merged_features(statistics: Iterable[statistics_pb2.DatasetFeatureStatisticsList]) -> Dict[str, object]:
    per_feature: Dict[str, list] = {}
    for item in statistics:
        for name, distribution in distributions.features_of(item).items():
            per_feature.setdefault(name, []).append(distribution)
    return {name: distributions.merge(found) for name, found in per_feature.items()}


def skew_table(training: statistics_pb2.DatasetFeatureStatisticsList,
               serving: statistics_pb2.DatasetFeatureStatisticsList, threshold: Threshold,
               skip: Iterable[str] = (), schema=None) -> List[Dict]:
    """Training/serving skew as TFDV's skew comparator measures it: L-infinity on string features.

    TFDV also offers Jensen-Shannon for numbers, computed on its equal-width
    histograms; with the taxi data's long tails (one 10-hour trip stretches
    every bucket) it flags two random halves of one quarter, so numeric
    features are left to the drift table, which bins by quantiles.
    """
    schema = schema or tfdv.infer_schema(training)
    skipped = set(skip)
    # Features the batch does not have (a label still to come, an image measured by its pixel statistics) have
    # no skew; left in, TFDV's C++ logs a warning for each of them on the console.
    present = {step for dataset in serving.datasets for f in dataset.features for step in (f.path.step or [f.name])}
    for feature in [f for f in schema.feature if f.name not in present]:
        schema.feature.remove(feature)
    for feature in schema.feature:
        if feature.name not in skipped and feature.type == 1:  # BYTES
            feature.skew_comparator.infinity_norm.threshold = threshold(feature.name, "linf")
    anomalies = tfdv.validate_statistics(training, schema, serving_statistics=serving)
    measurement_type = anomalies_pb2.DriftSkewInfo.Measurement
    names = {measurement_type.L_INFTY: "linf", measurement_type.JENSEN_SHANNON_DIVERGENCE: "js"}
    rows = []
    for info in anomalies.drift_skew_info:
        feature = ".".join(info.path.step)
        for measurement in info.skew_measurements:
            metric = names.get(measurement.type)
            if metric:
                rows.append(_row(feature, "categorical" if metric == "linf" else "numeric", metric,
                                 measurement.value, measurement.threshold))
    return sorted(rows, key=lambda r: (r["feature"], r["metric"]))


def summary(rows: List[Dict]) -> Dict:
    drifted = sorted({r["feature"] for r in rows if r["drifted"]})
    return {"drifted": bool(drifted), "drifted_features": drifted}


def describe(rows: List[Dict], limit: int = 4) -> Optional[str]:
    """'payment_type (linf 0.21 > 0.10), fare (psi 0.31 > 0.25)' — the strongest signal per drifted feature."""
    worst: Dict[str, Dict] = {}
    for row in rows:
        if row["drifted"] and row["value"] is not None:
            ratio = row["value"] / row["threshold"] if row["threshold"] else float("inf")
            if row["feature"] not in worst or ratio > worst[row["feature"]]["ratio"]:
                worst[row["feature"]] = {**row, "ratio": ratio}
    if not worst:
        return None
    ranked = sorted(worst.values(), key=lambda r: -r["ratio"])
    text = ", ".join(f"{r['feature']} ({r['metric']} {r['value']:.3f} > {r['threshold']:g})" for r in ranked[:limit])
    return text + (f" and {len(ranked) - limit} more" if len(ranked) > limit else "")
