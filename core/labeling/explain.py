"""A batch's drop split by its cause: the inputs moved, the class shares changed, or the inputs mean something else.

From the serving model's reference (its holdout score) to what the batch realized:

- input shift: reference - the confidence-based estimate (core/estimation.py). The estimate follows rows into
  regions where the model is less sure; that is all it can see.
- class shares: what the batch's class shares, applied to the model's per-class accuracy, predict beyond the
  estimate: sum_k (expected share_k - realized share_k) * accuracy_k, where the expected shares are the model's
  own (its mean calibrated probabilities on the batch, what the estimate assumed) and the realized ones are the
  labels'. It is held within what the estimate left unexplained (same sign, no larger): class shares can only
  account for the part of the drop the confidence missed.
- the rest, a changed relation between inputs and label (concept drift): realized drop - the two above.

Each part carries a rough standard error: the estimate's and the realized metric's errors, the reference's
(from its holdout rows), and the class shares' (a multinomial over the labeled rows), combined as if independent.
For a regression model there are no classes: the class-share part is 0.
"""
import math
from dataclasses import asdict, dataclass
from typing import Mapping, Optional

from core.metrics import LOWER_IS_BETTER


@dataclass(frozen=True)
class DropPart:
    value: float            # in the metric's unit: a share of the drop is value / total
    standard_error: float


@dataclass(frozen=True)
class DropExplained:
    metric: str
    reference: float
    estimated: float
    realized: float
    total: DropPart
    input_shift: DropPart
    class_shares: DropPart
    concept: DropPart

    def to_dict(self) -> dict:
        return {name: ({key: round(v, 6) for key, v in value.items()} if isinstance(value, dict) else
                       round(value, 6) if isinstance(value, float) else value)
                for name, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> "DropExplained":
        parts = {name: DropPart(**data[name]) for name in ("total", "input_shift", "class_shares", "concept")}
        return cls(data["metric"], data["reference"], data["estimated"], data["realized"], **parts)

    def share(self, part: DropPart) -> Optional[float]:
        return part.value / self.total.value if self.total.value else None

    def describe(self) -> str:
        def said(name: str, part: DropPart) -> str:
            share = self.share(part)
            return (f"{name} {part.value:+.3f} ±{part.standard_error:.3f}"
                    + (f" ({share:.0%})" if share is not None else ""))
        return (f"drop {self.total.value:.3f} of {self.metric} ({self.reference:.3f} -> {self.realized:.3f}): "
                + ", ".join([said("input shift", self.input_shift), said("class shares", self.class_shares),
                             said("concept drift", self.concept)]))


def _sign(value: float) -> float:
    return -1.0 if value < 0 else 1.0


def explain_drop(metric: str, reference: float, estimated: float, realized: float, *,
                 reference_error: float = 0.0, estimated_error: float = 0.0, realized_error: float = 0.0,
                 class_accuracy: Optional[Mapping[str, float]] = None,
                 expected_shares: Optional[Mapping[str, float]] = None,
                 realized_shares: Optional[Mapping[str, float]] = None, labeled_rows: int = 0) -> DropExplained:
    """The drop from `reference` to `realized` split three ways. For an error metric (mae) a drop is a rise:
    every part is signed so that positive means worse."""
    worse = -1.0 if metric in LOWER_IS_BETTER else 1.0
    total = worse * (reference - realized)
    input_shift = worse * (reference - estimated)
    unexplained = total - input_shift
    classes, classes_error = 0.0, 0.0
    if class_accuracy and expected_shares and realized_shares:
        names = set(class_accuracy) & (set(expected_shares) | set(realized_shares))
        predicted = sum((expected_shares.get(k, 0.0) - realized_shares.get(k, 0.0)) * class_accuracy[k]
                        for k in names)
        classes = _sign(unexplained) * min(abs(predicted), abs(unexplained)) if predicted * unexplained > 0 else 0.0
        if labeled_rows:
            classes_error = math.sqrt(sum(realized_shares.get(k, 0.0) * (1 - realized_shares.get(k, 0.0))
                                          * class_accuracy[k] ** 2 for k in names) / labeled_rows)
    concept = total - input_shift - classes
    return DropExplained(
        metric, reference, estimated, realized,
        total=DropPart(total, math.hypot(reference_error, realized_error)),
        input_shift=DropPart(input_shift, math.hypot(reference_error, estimated_error)),
        class_shares=DropPart(classes, classes_error),
        concept=DropPart(concept, math.sqrt(estimated_error ** 2 + realized_error ** 2 + classes_error ** 2)))
