"""Promotions with confidence: is the candidate better than the serving model, or only luckier on this holdout?

The Evaluator (TFMA) measures both models on the same holdout rows and, with
confidence intervals on (jackknife over 20 buckets of rows, the same buckets
for both models), the standard error of their difference: a paired estimate.
A candidate is promoted when the one-sided lower bound of its gain at
`confidence` (Student's t with the jackknife's degrees of freedom) is above
`min_gain`; a gain inside the noise is "not proven better".
"""
from dataclasses import asdict, dataclass
from typing import Any, Dict

PROMOTION_FILE = "promotion.json"   # the verdict, in the Evaluator's evaluation folder


@dataclass(frozen=True)
class Promotion:
    metric: str
    gain: float                  # candidate minus serving model on the same holdout
    standard_error: float        # of the gain (0: no interval was computed)
    degrees_of_freedom: int
    confidence: float            # one-sided; 0 = judge the point estimate alone
    min_gain: float = 0.0

    @property
    def lower(self) -> float:
        if not self.confidence or not self.standard_error or self.degrees_of_freedom < 1:
            return self.gain
        from scipy.stats import t
        return self.gain - float(t.ppf(self.confidence, self.degrees_of_freedom)) * self.standard_error

    @property
    def proven(self) -> bool:
        return self.lower > self.min_gain

    def describe(self) -> str:
        """'accuracy +0.0123 over the serving model (90% lower bound +0.0041)', and, when not proven, why."""
        said = f"{self.metric} {self.gain:+.4f} over the serving model"
        if self.confidence and self.standard_error:
            said += f" ({self.confidence:.0%} lower bound {self.lower:+.4f})"
        if not self.proven:
            said += f": not proven better (needs a lower bound above {self.min_gain:+.4f})"
        return said

    def to_dict(self) -> Dict[str, Any]:
        return {**asdict(self), "lower": self.lower, "proven": self.proven, "description": self.describe()}
