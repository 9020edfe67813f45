"""What a retraining policy decides on, and what it decides: typed, where the components' reports are JSON."""
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

from core.policy.economics import PricingInputs, StatedPrice
from core.policy.memory import Grounds, Memory
from core.policy.more_data import MoreDataFinding


@dataclass(frozen=True)
class Verdict:
    """A rule's answer: whether to retrain (None: nothing to judge by), and why, naming the values it compared."""

    retrain: Optional[bool]
    reason: str


def batch_figures(report: Mapping[str, Any]) -> Dict[str, float]:
    """What the batch scored, realized and estimated: the evidence a training run's history row shows."""
    estimated, realized = report.get("estimated") or {}, report.get("metrics") or {}
    figures = {f"batch_{name}": realized.get(name) for name in ("accuracy", "mae", "rmse")}
    figures.update({f"estimated_{name}{end}": estimated.get(f"{name}{end}") for name in ("accuracy", "mae")
                    for end in ("", "_low", "_high")})
    return {name: value for name, value in figures.items() if value is not None}


@dataclass(frozen=True)
class PerformanceFinding:
    """The performance rule's verdict on a batch, as PerformanceEvaluator's report gives it."""

    retrain: Optional[bool]
    reason: str
    drop: Optional[float] = None   # the watched metric's relative drop below the serving model's holdout score
    labeled: bool = False
    figures: Dict[str, float] = field(default_factory=dict)   # batch_figures of the report
    reference: float = 0.0         # the serving model's holdout score the drop is measured from

    @classmethod
    def from_report(cls, report: Mapping[str, Any]) -> "PerformanceFinding":
        return cls(report.get("retrain"), report.get("reason", ""), report.get("drop"), bool(report.get("labeled")),
                   batch_figures(report), float(report.get("reference") or 0.0))


@dataclass(frozen=True)
class DriftFinding:
    """The drift rule's verdict on a batch (core/drift/comparison.py: decision), as DriftDetector's report gives it."""

    drifted: bool
    reason: str
    drifted_features: Tuple[str, ...] = ()
    weighted_psi: Optional[float] = None       # the drifted features' importance-weighted PSI
    min_weighted_psi: Optional[float] = None   # the rule's floor on it (drift.min_weighted_psi)

    @classmethod
    def from_report(cls, report: Mapping[str, Any]) -> "DriftFinding":
        return cls(bool(report.get("drifted")), report.get("reason", ""),
                   tuple(report.get("drifted_features") or ()), report.get("weighted_psi"),
                   (report.get("settings") or {}).get("min_weighted_psi"))


@dataclass(frozen=True)
class Evidence:
    """Everything a policy decides a batch on: the rules' findings, the span the batch becomes, the last decline."""

    performance: PerformanceFinding
    drift: DriftFinding
    next_span: int = 0
    declined: Memory = Memory()
    pricing: PricingInputs = PricingInputs()   # the batch's rows, the window, past retrains' cost and gains
    more_data: MoreDataFinding = MoreDataFinding()   # the gain-of-more-data rule's verdict (empty: the rule is off)


@dataclass(frozen=True)
class Decision:
    """What to do with a batch: make it a span, start training, and why."""

    span: bool
    train: bool
    reason: str
    grounds: Optional[Grounds] = None   # what a training run rests on, for the next decision; None: no rule fired
    price: Optional[StatedPrice] = None  # with `economics:`, a retrain the rules asked for: its gain, cost, verdict

    def grounds_as_dict(self) -> Dict[str, Any]:
        """The grounds as a training run records them ({} when no rule fired)."""
        return self.grounds.to_dict() if self.grounds else {}
