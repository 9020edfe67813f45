"""The drift report of a batch against the serving model's training spans, from TFDV statistics.

DriftDetector writes it for every evaluated batch; `adapt drift` prints it for
any two spans or batches. Both call `drift_report`.
"""
from typing import Any, Dict, List, Sequence

from core.drift import comparison
from core.drift.thresholds import DriftThresholds


def drift_report(baseline_stats: List, batch_stats, thresholds: DriftThresholds, skip: Sequence[str],
                 baseline_spans: List[int]) -> Dict[str, Any]:
    """{drifted, drifted_features, features (the drift table), skew, baseline_spans, reason}."""
    rows = comparison.drift_table(comparison.merged_features(baseline_stats),
                                  comparison.merged_features([batch_stats]), thresholds.lookup, skip)
    skew = comparison.skew_table(baseline_stats[-1], batch_stats, thresholds.lookup, skip)
    described = comparison.describe(rows)
    return {**comparison.summary(rows), "features": rows, "skew": skew, "baseline_spans": baseline_spans,
            "reason": f"drift on {described}" if described else "no feature drifted beyond its threshold"}
