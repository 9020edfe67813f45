"""Performance rules: whether what a batch scored asks for retraining, and why.

Shaped as core/drift/methods.py registers drift methods: one class per rule, registered by key;
`RULES.get(key)(settings).judge(scores)` gives a Verdict whose reason names the values it compared. `judge`
picks the rule for the batch at hand: realized metrics are the authority once labels exist; before them, the
estimate from the model's own predictions.
"""
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Optional, Tuple

from core.metrics import LOWER_IS_BETTER
from core.policy.evidence import Verdict
from core.registry import Registry

NO_LABELS = "no ground truth yet"


def relative_drop(value: float, reference: float, metric: str = "accuracy") -> Optional[float]:
    """How much worse than the reference a value is, as a share of the reference (negative: better): below it, or
    for an error metric (mae, rmse) above it."""
    if not reference:
        return None
    return (value - reference) / reference if metric in LOWER_IS_BETTER else (reference - value) / reference


@dataclass(frozen=True)
class PerformanceSettings:
    """What the performance rules judge by: `performance.*` in adapt.yaml and the serving model's holdout score."""

    metric: str
    threshold: float = 0.0      # absolute floor (an error metric: ceiling), 0 = off
    reference: float = 0.0      # the serving model's value on its own holdout when pushed, 0 = unknown
    max_drop: float = 0.0       # relative drop below the reference that fires
    estimated_max_drop: float = 0.0   # the same, for the estimate of a batch without labels; 0 = off
    rule: str = "relative_drop"       # the rule for a labeled batch (performance.rule)
    reference_rows: int = 0     # the holdout rows the reference was measured on, 0 = unknown
    false_alarm_rate: float = 0.05    # the tested rule's chance of firing on a batch within the tolerance


@dataclass(frozen=True)
class BatchScores:
    """What a batch scored: its realized metrics once it has labels, and the estimate from its predictions (with
    its band, `<metric>_low`/`_high`, and whether the model was calibrated) when there was one to make."""

    metrics: Mapping[str, float]
    estimated: Mapping[str, Any]
    labeled: bool
    rows: int = 0                                   # labeled rows the metrics were measured on
    spreads: Mapping[str, float] = field(default_factory=dict)  # per-row error spread: mae's |e|, rmse's e²


@dataclass(frozen=True)
class PerformanceRule:
    settings: PerformanceSettings
    key: ClassVar[str] = ""
    realized: ClassVar[bool] = True   # judges realized metrics (a choice of performance.rule), not the estimate

    def judge(self, scores: BatchScores) -> Verdict:
        raise NotImplementedError


RULES: Registry[PerformanceRule] = Registry("performance rule")


@RULES.register
class RelativeDrop(PerformanceRule):
    """A labeled batch: fire when the metric is more than `max_drop` worse than the reference, or past the absolute
    threshold."""
    key = "relative_drop"

    def judge(self, scores: BatchScores) -> Verdict:
        settings, metric = self.settings, self.settings.metric
        if metric not in scores.metrics:
            return Verdict(None, f"{metric} is undefined on this batch; no performance decision")
        value = scores.metrics[metric]
        fired, said = False, []
        drop = relative_drop(value, settings.reference, metric)
        worse = "above" if metric in LOWER_IS_BETTER else "below"
        if drop is not None:
            comparison = (f"{metric} {value:.3f} is {drop:.1%} {worse} the serving model's {settings.reference:.3f} on "
                          f"its holdout" if drop > 0 else f"{metric} {value:.3f} is not {worse} the serving model's "
                          f"{settings.reference:.3f} on its holdout")
            fired = drop > settings.max_drop
            said.append(f"{comparison} (max drop {settings.max_drop:.0%})")
        if settings.threshold:
            crossed, clause = threshold_clause(value, settings)
            fired = fired or crossed
            said.append(clause)
        if not said:
            return Verdict(None, f"{metric} {value:.3f}; no reference or threshold to judge it by")
        return Verdict(fired, "; ".join(said))


@RULES.register
class TestedDrop(PerformanceRule):
    """A labeled batch: fire when the metric is worse than the reference by more than `max_drop` beyond chance, at
    the batch's and the holdout's rows (core/policy/significance.py), or past the absolute threshold. Metrics the
    test does not cover (auc, precision, recall) are judged by the relative drop alone."""
    key = "tested_drop"

    def judge(self, scores: BatchScores) -> Verdict:
        settings, metric = self.settings, self.settings.metric
        if metric not in TESTED_METRICS or metric not in scores.metrics or not settings.reference:
            return RelativeDrop(settings).judge(scores)
        from core.policy.significance import accuracy_drop, error_drop
        value = scores.metrics[metric]
        if metric == "accuracy":
            test = accuracy_drop(value, scores.rows, settings.reference, settings.reference_rows,
                                 settings.max_drop, settings.false_alarm_rate)
        else:
            test = error_drop(metric, value, scores.spreads.get(metric, 0.0), scores.rows, settings.reference,
                              0.0, settings.reference_rows, settings.max_drop, settings.false_alarm_rate)
        fired, said = test.fires, [test.describe()]
        if settings.threshold:
            crossed, clause = threshold_clause(value, settings)
            fired = fired or crossed
            said.append(clause)
        return Verdict(fired, "; ".join(said))


TESTED_METRICS = ("accuracy", "mae", "rmse")


def threshold_clause(value: float, settings: PerformanceSettings) -> Tuple[bool, str]:
    """Whether the value is past the absolute threshold (an error metric: above it), and the words saying so."""
    metric = settings.metric
    crossed = value > settings.threshold if metric in LOWER_IS_BETTER else value < settings.threshold
    sign = ('>' if crossed else '<=') if metric in LOWER_IS_BETTER else ('<' if crossed else '>=')
    return crossed, f"{metric} {value:.3f} {sign} threshold {settings.threshold:.2f}"


def describe_estimate(estimated: Mapping[str, Any], metric: str) -> str:
    band = (f" (band {estimated[metric + '_low']:.3f}-{estimated[metric + '_high']:.3f})"
            if f"{metric}_low" in estimated else "")
    calibrated = ", uncalibrated" if estimated.get("calibrated") is False else ""
    return f"estimated {metric} {estimated[metric]:.3f}{band}{calibrated}"


@RULES.register
class EstimatedDrop(PerformanceRule):
    """A batch without labels: fire when the estimate is more than `estimated_max_drop` worse than the reference
    and its band (accuracy's, a regression model's MAE's), when it has one, excludes the reference."""
    key = "estimated_drop"
    realized = False

    def judge(self, scores: BatchScores) -> Verdict:
        settings, metric, estimated = self.settings, self.settings.metric, scores.estimated
        if metric not in estimated:
            return Verdict(None, NO_LABELS)
        said = describe_estimate(estimated, metric)
        drop = relative_drop(estimated[metric], settings.reference, metric)
        if drop is None or not settings.estimated_max_drop:
            return Verdict(None, f"{NO_LABELS}; {said}")
        lower_is_better = metric in LOWER_IS_BETTER
        banded = f"{metric}_low" in estimated
        excluded = (not banded or (estimated[f"{metric}_low"] > settings.reference if lower_is_better
                                   else estimated[f"{metric}_high"] < settings.reference))
        fired = drop > settings.estimated_max_drop and excluded
        worse = "above" if lower_is_better else "below"
        comparison = (f"{drop:.1%} {worse}" if drop > 0 else f"not {worse}") + \
            f" the serving model's {settings.reference:.3f} on its holdout"
        band = ("" if not banded else "; the band excludes it" if excluded else "; the band holds it")
        return Verdict(fired, f"{NO_LABELS}; {said} is {comparison}{band} "
                              f"(estimated max drop {settings.estimated_max_drop:.0%})")


ESTIMATED_RULE = EstimatedDrop.key


def judge(scores: BatchScores, settings: PerformanceSettings) -> Verdict:
    """Realized metrics are the authority once they exist; a batch without labels is judged on its estimate."""
    return RULES.get(settings.rule if scores.labeled else ESTIMATED_RULE)(settings).judge(scores)


def realized_rules() -> tuple:
    """The keys performance.rule may name."""
    return tuple(key for key in RULES.keys() if RULES.get(key).realized)
