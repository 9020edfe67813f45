"""The no-repeat memory: a declined candidate's evidence does not start training again until something changed."""
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple


@dataclass(frozen=True)
class Grounds:
    """What a retraining rests on: the relative drop that fired (None: the performance rule did not) and the
    drifted features."""

    drop: Optional[float] = None
    drifted_features: Tuple[str, ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        return {"drop": self.drop, "drifted_features": list(self.drifted_features)}


@dataclass(frozen=True)
class Memory:
    """The last retraining of the serving model that was declined, and what it rested on ({} when none)."""

    end_span: int = 0
    drop: Optional[float] = None
    drifted_features: List[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, text: str) -> "Memory":
        values = json.loads(text or "{}") or {}
        return cls(int(values.get("end_span") or 0), values.get("drop"), list(values.get("drifted_features") or []))

    def holds_back(self, grounds: Grounds, next_span: int, spans_after_decline: int,
                   max_drop: float) -> Optional[str]:
        """Why the same evidence should not start training again, or None when something changed: enough new
        spans, a drop larger by more than `max_drop`, or drift on a feature that had not drifted."""
        if not self.end_span:
            return None
        new_spans = next_span - self.end_span
        larger_drop = grounds.drop is not None and (self.drop is None or grounds.drop > self.drop + max_drop)
        new_drift = sorted(set(grounds.drifted_features) - set(self.drifted_features))
        if new_spans >= spans_after_decline or larger_drop or new_drift:
            return None
        return (f"not retraining yet: a candidate trained up to span {self.end_span} was declined on the same "
                f"evidence; {new_spans} new span(s) of {spans_after_decline}, no drift on new features, no larger "
                f"drop")
