"""The drift report of a batch against the serving model's training spans, from TFDV statistics.

DriftDetector writes it for every evaluated batch; `adapt drift` prints it for
any two spans or batches; the replay report and the notebooks read it. All
of them call `drift_report`, so one engine (core/drift/comparison.py and the
methods of core/drift/methods.py) makes every drift decision:

- `features`: the batch against the mixture of the training spans, one row per
  feature (the decision rests on these);
- `skew`: the same comparison against the newest training span alone, the
  training/serving skew (reported); empty when the baseline is one span or
  batch (`adapt drift A B`), whose skew would repeat `features` row for row;
- `label_shift`: the label's distribution, when the batch carries labels
  (reported, a signal of its own);
- `prediction_drift`: the model's own answers on the batch (predicted values,
  or predicted classes) against its answers on its holdout, recorded at
  training (`prediction_drift`): one test like a feature's, at the false-alarm
  rate, reported beside the decision and never deciding. It needs no labels
  and no statistics: an early signal that what the model says has moved.
"""
from typing import Any, Dict, List, Mapping, Optional, Sequence

from core.drift import comparison, distributions
from core.drift.settings import DriftSettings

PREDICTION = "prediction"  # the row's name: the model's answer


def drift_report(baseline_stats: List, batch_stats, settings: DriftSettings, skip: Sequence[str],
                 baseline_spans: List[int], importances: Optional[Mapping[str, float]] = None,
                 label: str = "") -> Dict[str, Any]:
    """{drifted, drifted_features, drifted_importance, reported_drift, features, skew, label_shift, reason, ...}."""
    baseline = comparison.merged_features(baseline_stats)
    current = comparison.merged_features([batch_stats])
    features = _without(current, label)
    rows = comparison.drift_table(_without(baseline, label), features, settings, importances, skip)
    verdict = comparison.decision(rows, settings)
    skew = comparison.drift_table(_without(comparison.merged_features(baseline_stats[-1:]), label), features,
                                  settings, importances, skip) if len(baseline_stats) > 1 else []
    return {**verdict, "features": rows, "skew": skew,
            "label_shift": comparison.label_shift(baseline, current, label, settings),
            "baseline_spans": baseline_spans, "importances_recorded": bool(importances),
            "settings": {"false_alarm_rate": settings.false_alarm_rate, "min_importance": settings.min_importance,
                         "min_weighted_psi": settings.min_weighted_psi},
            "reason": comparison.reason(rows, verdict, settings)}


def _without(features: Dict[str, Any], label: str) -> Dict[str, Any]:
    """The features, the label left out (its shift is reported apart, and a batch may arrive before it)."""
    return {name: value for name, value in features.items() if name != label}


def prediction_drift(holdout_answers: Optional[Mapping[str, Any]], answers: Sequence,
                     settings: DriftSettings) -> Dict[str, Any]:
    """The batch's answers (predicted values or classes) against the model's answers on its holdout."""
    if not holdout_answers:
        return {"measured": False, "reason": "the serving model's answers on its holdout were not recorded"}
    baseline = distributions.from_dict(holdout_answers)
    current = (distributions.categorical_from_values(answers) if isinstance(baseline, distributions.Categorical)
               else distributions.numeric_from_values([float(a) for a in answers if a is not None]))
    if current is None:
        return {"measured": False, "reason": "the batch has no predictions"}
    row = comparison.compare_feature(PREDICTION, baseline, current, settings)
    return {"measured": True, **row, "shifted": row["p_value"] is not None and
            row["p_value"] < settings.false_alarm_rate}


def no_baseline_report(why: str) -> Dict[str, Any]:
    """The report of a batch that was not compared, and why."""
    return {"drifted": False, "drifted_features": [], "drifted_importance": 0.0, "weighted_psi": 0.0, "reported_drift": [],
            "features": [], "skew": [], "label_shift": {"measured": False, "reason": why}, "baseline_spans": [],
            "importances_recorded": False, "reason": why}
