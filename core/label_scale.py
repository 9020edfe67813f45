"""The scale a regression label is trained on (`model.label_scale`), and what a training chose.

A skewed, non-negative label (prices, durations) is often learned better as
log1p(label): the trees' squared error no longer chases the few large values,
and their answer is near the label's median rather than its mean, which is
what the Evaluator's MAE rewards. `model.label_scale` is `auto`, `identity`
or `log`. `auto` takes log only for a label that is a candidate (no value
below 0, skewness above SKEW_ABOVE over the window's training rows) and only
when a forest grown on the log scale has the lower MAE on the window's newest
training rows (models/label_scale.py: the time split of the hyperparameter
search, never the Evaluator's holdout). Whatever the scale, the exported model
answers in the label's unit (expm1 inside its serving signature).

The choice is written into the model info file under INFO_KEY, copied onto the
Model artifact in ML Metadata and read back from the serving model by the next
retrain, which reuses it without deciding again until DECIDE_EVERY retrains
have passed (as `model.tune`'s `auto` does): a retrain that reuses reads no
rows and grows no forest more than before this existed. Pure Python.
"""
from dataclasses import asdict, dataclass
from typing import Any, Dict, Mapping, Optional, Sequence

from core.errors import ConfigError

KEY = "label_scale"        # model.label_scale, the Trainer's custom_config key
INFO_KEY = "label_scale"   # in the model info file and as the Model artifact's custom property
AUTO, IDENTITY, LOG = "auto", "identity", "log"
MODES = (AUTO, IDENTITY, LOG)
SKEW_ABOVE = 1.0           # sample skewness above which a non-negative label is a candidate for log
DECIDE_EVERY = 4           # auto: decide again every 4 retrains (core/hyperparameters.py's AUTO_EVERY)


def parse_mode(text: Any) -> str:
    """auto, identity or log; a ConfigError naming model.label_scale otherwise."""
    mode = str(text).strip().lower()
    if mode not in MODES:
        raise ConfigError(f"model.label_scale: must be one of {', '.join(MODES)}, got {text!r}")
    return mode


def skewness(values: Sequence[float]) -> float:
    """The sample skewness (third standardized moment; 0 for a constant label)."""
    import numpy as np
    values = np.asarray(values, dtype=float).reshape(-1)
    if len(values) < 3:
        return 0.0
    centred = values - values.mean()
    second = float(np.mean(centred ** 2))
    return float(np.mean(centred ** 3)) / second ** 1.5 if second > 0 else 0.0


@dataclass(frozen=True)
class LabelShape:
    """What decides whether a label is a candidate for the log scale."""

    rows: int
    minimum: float
    skewness: float

    @classmethod
    def of(cls, values: Sequence[float]) -> "LabelShape":
        import numpy as np
        values = np.asarray(values, dtype=float).reshape(-1)
        return cls(len(values), float(values.min()) if len(values) else 0.0, round(skewness(values), 4))

    def not_a_candidate(self) -> Optional[str]:
        """Why the log scale is not tried (None: it is a candidate)."""
        if self.rows == 0:
            return "no training rows"
        if self.minimum < 0:
            return f"the label has negative values (minimum {self.minimum:g})"
        if self.skewness <= SKEW_ABOVE:
            return f"skewness {self.skewness:.2f} is not above {SKEW_ABOVE:g}"
        return None


@dataclass(frozen=True)
class LabelScale:
    """The scale this training fitted the label on, and why: kept beside the model, reused by the retrains after."""

    scale: str                                # identity | log
    reason: str                               # one sentence: why this scale
    decided: bool = False                     # True: this training measured it; False: configured or reused
    retrains_since_decision: int = 0
    skewness: Optional[float] = None          # of the window's training labels, when this training looked
    minimum: Optional[float] = None
    validation_rows: int = 0                  # the newest training rows both scales were scored on
    identity_mae: Optional[float] = None      # a forest grown on the label as it is, there
    log_mae: Optional[float] = None           # a forest grown on log1p(label), answered with expm1
    decision_seconds: float = 0.0

    @property
    def log(self) -> bool:
        return self.scale == LOG

    def forward(self, values):
        """Label values on the training scale (numpy arrays or floats)."""
        import numpy as np
        return np.log1p(values) if self.log else values

    def inverse(self, values):
        """Values on the training scale back in the label's unit."""
        import numpy as np
        return np.expm1(values) if self.log else values

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "LabelScale":
        return cls(**{name: values[name] for name in cls.__dataclass_fields__ if name in values})

    def reused(self) -> "LabelScale":
        """The same scale, as a retrain that does not decide records it."""
        return LabelScale(**{**self.to_dict(), "decided": False, "decision_seconds": 0.0,
                             "retrains_since_decision": self.retrains_since_decision + 1})

    def text(self) -> str:
        """One line for logs and `adapt models show`."""
        how = (f"decided now in {self.decision_seconds} s" if self.decided else
               f"reused from the decision {self.retrains_since_decision} retrain(s) before"
               if self.retrains_since_decision else "as configured")
        return f"label scale: {self.scale} ({self.reason}; {how})"


def previous_scale(model_info: Optional[Mapping[str, Any]]) -> Optional[LabelScale]:
    """The scale the serving model's training chose or reused (its model info); None when it recorded none."""
    recorded = (model_info or {}).get(INFO_KEY)
    return LabelScale.from_dict(recorded) if recorded else None


def decision_due(previous: Optional[LabelScale]) -> bool:
    """`auto`: decide when the serving model recorded no decision (or a configured scale), or DECIDE_EVERY
    retrains after the last decision."""
    if previous is None or previous.reason.startswith("model.label_scale"):
        return True
    return previous.retrains_since_decision + 1 >= DECIDE_EVERY


def configured(mode: str) -> LabelScale:
    """The scale `identity` or `log` names, without looking at the rows."""
    return LabelScale(scale=mode, reason=f"model.label_scale: {mode}")
