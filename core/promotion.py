"""Promotions with confidence: is the candidate better than the serving model, or only luckier on this holdout?

Both models answer the same holdout rows, so the question is paired: per row,
d = (candidate right) - (serving model right), in {-1, 0, 1}; the gain is the
mean of d. `paired_gain` resamples the rows (a paired bootstrap: each resample
keeps a row's two answers together) and takes the one-sided lower bound of
the gain at `confidence`. A candidate is promoted when that bound is above
`min_gain`; a gain inside the noise is "not proven better". With the rule off
(validation.confidence 0) the gain and its bound at REPORTED_CONFIDENCE are
still measured and said, and the point estimates decide: a candidate must
gain more than -validation.max_accuracy_drop, so with no drop allowed a tie
(as many rows right as the serving model) is "no better" and not pushed, a
change of model for nothing. Rows on which
both models agree carry no evidence either way, which is why a paired bound
is much tighter than comparing two separate intervals.
"""
from dataclasses import asdict, dataclass
from typing import Any, Dict

import numpy as np

PROMOTION_FILE = "promotion.json"   # the verdict, in the Evaluator's evaluation folder
RESAMPLES = 2000
REPORTED_CONFIDENCE = 0.9           # the bound said beside every push when the rule does not decide


@dataclass(frozen=True)
class Promotion:
    metric: str
    gain: float           # candidate minus serving model on the same holdout
    lower: float          # one-sided lower bound of the gain at `confidence`
    confidence: float
    min_gain: float
    rows: int
    decides: bool = True  # False: measured and said, the point estimates decide (validation.confidence 0)
    max_drop: float = 0.0  # with decides False: the gain must be above -max_drop (validation.max_accuracy_drop)

    @property
    def proven(self) -> bool:
        return self.lower > self.min_gain

    @property
    def no_better(self) -> bool:
        """The point estimate's rule (confidence 0): not above -max_drop, a tie when no drop is allowed."""
        return not self.decides and self.gain <= -self.max_drop

    @property
    def declines(self) -> bool:
        return (self.decides and not self.proven) or self.no_better

    def describe(self) -> str:
        """'accuracy +0.0123 over the serving model (90% lower bound +0.0041)', and, when not proven, why."""
        said = f"{self.metric} {self.gain:+.4f} over the serving model on {self.rows} rows " \
               f"({self.confidence:.0%} lower bound {self.lower:+.4f})"
        if not self.proven and self.decides:
            said += f": not proven better (needs a lower bound above {self.min_gain:+.4f})"
        elif self.no_better:
            said += f": no better than the serving model (a push needs a gain above {0.0 - self.max_drop + 0.0:+.4f})"
        elif not self.proven:
            said += ", within the noise (validation.confidence 0: the point estimates decide)"
        return said

    def to_dict(self) -> Dict[str, Any]:
        return {**asdict(self), "proven": self.proven, "declines": self.declines, "description": self.describe()}


def paired_gain(candidate_right, baseline_right, confidence: float, min_gain: float = 0.0,
                metric: str = "accuracy", seed: int = 0, decides: bool = True, max_drop: float = 0.0) -> Promotion:
    """The accuracy gain of the candidate over the serving model on the same rows, with its paired bootstrap
    lower bound (RESAMPLES resamples of the rows, seeded: the same holdout gives the same verdict)."""
    difference = np.asarray(candidate_right, dtype=float) - np.asarray(baseline_right, dtype=float)
    rows = len(difference)
    if not rows:
        raise ValueError("no holdout rows to compare the models on")
    gain = float(difference.mean())
    rng = np.random.default_rng(seed)
    means = np.empty(RESAMPLES)
    for start in range(0, RESAMPLES, 200):   # 200 resamples at a time: memory stays rows x 200
        picks = rng.integers(0, rows, size=(min(200, RESAMPLES - start), rows))
        means[start:start + len(picks)] = difference[picks].mean(axis=1)
    lower = float(np.quantile(means, 1.0 - confidence))
    return Promotion(metric, round(gain, 6), round(lower, 6), confidence, min_gain, rows, decides, max_drop)
