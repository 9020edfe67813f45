"""Comparing two sets of feature distributions: one row per feature, and the batch's decision.

Per feature, the test of its kind (drift.numeric_method / categorical_method)
gives a p-value, the Benjamini-Hochberg procedure adjusts the p-values of one
batch's features together, and a feature drifted when its adjusted p-value is
at most drift.false_alarm_rate: on a batch drawn from the baseline's own
distribution, the chance that any feature is flagged stays at that rate
however many features are compared. The distances (PSI, Jensen-Shannon, ...)
are reported beside it as the size of the move.

A feature decides only when the model relies on it: its importance (the
share the serving model gives it, recorded at training) is positive and it
is not excluded. The batch drifted when the deciding features that drifted
carry at least drift.min_importance of the model's importance, and moved far
enough for the model to feel it: their PSI, weighted by importance, sums to at
least drift.min_weighted_psi (chance cannot reach it, since only features
beyond chance count; a real but tiny move of a large batch does not retrain). Features that
do not decide (ids, timestamps, ignored columns, features the model does not
use) are measured and reported, with their own adjustment, and never fire.
Without recorded importances every compared feature weighs the same.
"""
from typing import Dict, Iterable, List, Mapping, Optional

from scipy import stats
from tensorflow_metadata.proto.v0 import statistics_pb2

from core.drift import distributions, methods
from core.drift.settings import DriftSettings

SIZE_MEASURE = "psi"  # how far a feature moved, in one unit for numbers (deciles) and categories (shares)
MISSING, NEW = "missing", "new"  # the kind of a row whose feature only the baseline, or only the batch, has


def merged_features(statistics: Iterable[statistics_pb2.DatasetFeatureStatisticsList]) -> Dict[str, object]:
    per_feature: Dict[str, list] = {}
    for item in statistics:
        for name, distribution in distributions.features_of(item).items():
            per_feature.setdefault(name, []).append(distribution)
    return {name: distributions.merge(found) for name, found in per_feature.items()
            if len({methods.kind_of(d) for d in found}) == 1}


def compare_feature(name: str, baseline, current, settings: DriftSettings) -> Dict:
    """The test's statistic and p-value and the distances for one feature (not yet adjusted)."""
    row = {"feature": name, "baseline_rows": int(round(baseline.count)), "batch_rows": int(round(current.count))}
    kind = methods.kind_of(baseline)
    if kind != methods.kind_of(current):
        return {**row, "kind": "mixed", "method": None, "value": None, "p_value": None,
                "note": "described differently in the two statistics (value counts and quantiles): not compared"}
    method = settings.method(name, kind)
    if (kind, method) not in methods.REGISTRY:
        raise ValueError(f"drift.feature_methods.{name}: {method} is no test of {kind} features "
                         f"({', '.join(methods.keys(kind, tests=True))} are)")
    test = methods.method_class(kind, method)(baseline).measure(current)
    distances = {key: round(methods.method_class(kind, key)(baseline).measure(current).value, 4)
                 for key in sorted(set(settings.distances) | {SIZE_MEASURE}) if (kind, key) in methods.REGISTRY}
    return {**row, "kind": kind, "method": method, "value": round(test.value, 4), "p_value": test.p_value,
            "distances": distances}


def adjusted(p_values: List[float]) -> List[float]:
    """Benjamini-Hochberg adjusted p-values (scipy), in the order given."""
    return [float(p) for p in stats.false_discovery_control(p_values, method="bh")] if p_values else []


def _flag(rows: List[Dict], rate: float) -> None:
    tested = [row for row in rows if row.get("p_value") is not None]
    for row, value in zip(tested, adjusted([row["p_value"] for row in tested])):
        row.update(adjusted_p_value=value, threshold=rate, drifted=bool(value <= rate))
    for row in rows:
        row.setdefault("drifted", False)


def importance_of(features: Iterable[str], importances: Optional[Mapping[str, float]],
                  skip: Iterable[str]) -> Dict[str, float]:
    """Each compared feature's share of the model's importance: recorded, or equal shares when none are."""
    skipped = set(skip)
    candidates = [name for name in features if name not in skipped]
    if not importances:
        return {name: (1.0 / len(candidates) if name in candidates else 0.0) for name in features}
    total = sum(max(float(v), 0.0) for v in importances.values()) or 1.0
    return {name: (max(float(importances.get(name, 0.0)), 0.0) / total if name in candidates else 0.0)
            for name in features}


def _absent_row(name: str, baseline, current) -> Dict:
    """A feature only one side has: shown as such, never compared, never left out of the table."""
    found = baseline if baseline is not None else current
    rows = int(round(found.count))
    return {"feature": name, "kind": MISSING if current is None else NEW, "method": None, "value": None,
            "p_value": None, "baseline_rows": rows if current is None else 0, "batch_rows": 0 if current is None
            else rows, "note": "missing from the batch" if current is None else "not in the baseline"}


def drift_table(baseline: Dict[str, object], current: Dict[str, object], settings: DriftSettings,
                importances: Optional[Mapping[str, float]] = None, skip: Iterable[str] = ()) -> List[Dict]:
    """One row per feature either side has: test, p-values, distances, importance, decides, drifted; a feature
    the batch lacks (a column the contract lets go missing) or the baseline lacks is a row saying so."""
    names = sorted(set(baseline) | set(current))
    weights = importance_of(names, importances, skip)
    rows = [{**(compare_feature(name, baseline[name], current[name], settings) if name in baseline and
                name in current else _absent_row(name, baseline.get(name), current.get(name))),
             "importance": round(weights[name], 4), "decides": weights[name] > 0} for name in names]
    _flag([row for row in rows if row["decides"]], settings.false_alarm_rate)
    _flag([row for row in rows if not row["decides"]], settings.false_alarm_rate)
    return rows


def missing_features(rows: List[Dict]) -> List[str]:
    return [row["feature"] for row in rows if row.get("kind") == MISSING]


def decision(rows: List[Dict], settings: DriftSettings) -> Dict:
    """{drifted, drifted_features, drifted_importance, weighted_psi, reported_drift}: the batch-level rule."""
    deciding = [row for row in rows if row["decides"] and row["drifted"]]
    share = float(sum(row["importance"] for row in deciding))
    size = float(sum(row["importance"] * row["distances"][SIZE_MEASURE] for row in deciding))
    return {"drifted": bool(deciding) and share >= settings.min_importance - 1e-9
            and size >= settings.min_weighted_psi - 1e-9,
            "drifted_features": sorted(row["feature"] for row in deciding),
            "drifted_importance": round(share, 4), "weighted_psi": round(size, 4),
            "reported_drift": sorted(row["feature"] for row in rows if row["drifted"] and not row["decides"])}


def describe(rows: List[Dict], limit: int = 4) -> Optional[str]:
    """'payment_type (chi2 p=2e-09, importance 0.31), fare (ks p=0.0004, importance 0.12)': the drifted deciding
    features, most important first."""
    drifted = sorted((row for row in rows if row["drifted"] and row["decides"]), key=lambda r: -r["importance"])
    if not drifted:
        return None
    text = ", ".join(f"{r['feature']} ({r['method']} p={r['adjusted_p_value']:.2g}, importance {r['importance']:.2f})"
                     for r in drifted[:limit])
    return text + (f" and {len(drifted) - limit} more" if len(drifted) > limit else "")


def reason(rows: List[Dict], verdict: Dict, settings: DriftSettings) -> str:
    missing = missing_features(rows)
    said = _verdict_reason(rows, verdict, settings)
    return said + (f"; missing from the batch: {', '.join(missing)}" if missing else "")


def _verdict_reason(rows: List[Dict], verdict: Dict, settings: DriftSettings) -> str:
    described = describe(rows)
    rate = f"false-alarm rate {settings.false_alarm_rate:g}"
    if described is None:
        unused = verdict["reported_drift"]
        return (f"no feature the model uses drifted beyond chance ({rate})"
                + (f"; drifted but not deciding: {', '.join(unused)}" if unused else ""))
    share, floor = verdict["drifted_importance"], settings.min_importance
    size, size_floor = verdict["weighted_psi"], settings.min_weighted_psi
    carried = f"{share:.0%} of the model's importance, importance-weighted PSI {size:.3f}"
    if verdict["drifted"]:
        return f"drift on {described}: {carried} (>= {floor:.0%} and {size_floor:g})"
    return f"drift too small for the model to feel: {described}: {carried} (needs {floor:.0%} and {size_floor:g})"


def label_shift(baseline: Dict[str, object], current: Dict[str, object], label: str,
                settings: DriftSettings) -> Dict:
    """The label's own distribution, batch against baseline: a signal of its own, never folded into feature drift."""
    if not label or label not in current or label not in baseline:
        return {"measured": False, "reason": "the batch carries no labels" if label else "no label configured"}
    row = compare_feature(label, baseline[label], current[label], settings)
    if row.get("p_value") is None:
        return {"measured": False, "reason": row.get("note", "not comparable")}
    shares = {}
    for side, distribution in (("baseline_shares", baseline[label]), ("batch_shares", current[label])):
        if isinstance(distribution, distributions.Categorical):
            total = distribution.count or 1.0
            shares[side] = {k: round(v / total, 4) for k, v in sorted(distribution.counts.items())}
    return {"measured": True, **row, **shares, "threshold": settings.false_alarm_rate,
            "drifted": bool(row["p_value"] <= settings.false_alarm_rate)}
