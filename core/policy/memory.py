"""The no-repeat memory: a declined candidate's evidence does not start training again until something changed."""
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple


@dataclass(frozen=True)
class Grounds:
    """What a retraining rests on: the relative drop that fired (None: the performance rule did not), the drifted
    features and the drift's importance-weighted PSI (None: the drift rule did not fire)."""

    drop: Optional[float] = None
    drifted_features: Tuple[str, ...] = ()
    weighted_psi: Optional[float] = None

    def to_dict(self) -> Dict[str, Any]:
        found = {"drop": self.drop, "drifted_features": list(self.drifted_features)}
        return found if self.weighted_psi is None else {**found, "weighted_psi": self.weighted_psi}


@dataclass(frozen=True)
class Memory:
    """The last retraining of the serving model that was declined, and what it rested on ({} when none)."""

    end_span: int = 0
    drop: Optional[float] = None
    drifted_features: List[str] = field(default_factory=list)
    weighted_psi: Optional[float] = None

    @classmethod
    def from_json(cls, text: str) -> "Memory":
        values = json.loads(text or "{}") or {}
        return cls(int(values.get("end_span") or 0), values.get("drop"), list(values.get("drifted_features") or []),
                   values.get("weighted_psi"))

    @classmethod
    def declined(cls, end_span: int, grounds: Optional[Grounds]) -> "Memory":
        """The memory of a candidate trained up to `end_span` on `grounds` and declined."""
        if grounds is None:
            return cls(end_span)
        return cls(end_span, grounds.drop, list(grounds.drifted_features), grounds.weighted_psi)

    def holds_back(self, grounds: Grounds, next_span: int, spans_after_decline: int,
                   max_drop: float, min_weighted_psi: Optional[float] = None) -> Optional[str]:
        """Why the same evidence should not start training again, or None when something changed: enough new
        spans, a drop larger by more than `max_drop`, drift on a feature that had not drifted, or drift larger by
        more than `min_weighted_psi` (the drift rule's own floor; None: drift size is not compared). The last is
        a drift that keeps moving away from the serving model's spans, which a decline on its earlier, smaller
        step says nothing about (a covariate shift that grows every batch)."""
        if not self.end_span:
            return None
        new_spans = next_span - self.end_span
        larger_drop = grounds.drop is not None and (self.drop is None or grounds.drop > self.drop + max_drop)
        new_drift = sorted(set(grounds.drifted_features) - set(self.drifted_features))
        sizes = (min_weighted_psi, grounds.weighted_psi, self.weighted_psi)
        larger_drift = None not in sizes and grounds.weighted_psi > self.weighted_psi + min_weighted_psi
        if new_spans >= spans_after_decline or larger_drop or new_drift or larger_drift:
            return None
        return (f"not retraining yet: a candidate trained up to span {self.end_span} was declined on the same "
                f"evidence; {new_spans} new span(s) of {spans_after_decline}, no drift on new features, no larger "
                f"drop or drift")
