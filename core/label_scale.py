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

`auto` decides at every training, unlike `model.tune`'s choice, which is
reused between searches: a decision costs about one forest's fit (two YDF
forests on half the window's rows at most), and a choice reused for four
retrains lost most of the gain on the taxi fares (benchmarks/results/label_scale.md:
an outlier fare entering the window is what only the newest decision sees).
`identity` and `log` decide nothing and cost what a training did before. The choice is
written into the model info file under INFO_KEY, copied onto the Model artifact
in ML Metadata and shown by `adapt models show`. Pure Python.
"""
from dataclasses import asdict, dataclass
from typing import Any, Dict, Mapping, Optional, Sequence

from core.errors import ConfigError

KEY = "label_scale"        # model.label_scale, the Trainer's custom_config key
INFO_KEY = "label_scale"   # in the model info file and as the Model artifact's custom property
AUTO, IDENTITY, LOG = "auto", "identity", "log"
MODES = (AUTO, IDENTITY, LOG)
SKEW_ABOVE = 1.0           # sample skewness above which a non-negative label is a candidate for log ("highly skewed")


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
    """The scale this training fitted the label on, and why: kept beside the model."""

    scale: str                                # identity | log
    reason: str                               # one sentence: why this scale
    decided: bool = False                     # True: this training measured it (auto); False: configured
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

    def text(self) -> str:
        """One line for logs and `adapt models show`."""
        how = f"decided in {self.decision_seconds} s" if self.decided else "as configured"
        return f"label scale: {self.scale} ({self.reason}; {how})"


def configured(mode: str) -> LabelScale:
    """The scale `identity` or `log` names, without looking at the rows."""
    return LabelScale(scale=mode, reason=f"model.label_scale: {mode}")
