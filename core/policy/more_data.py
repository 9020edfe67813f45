"""The gain-of-more-data rule: retrain without any drift when the window now holds notably more rows than the
serving model was grown on and its learning curve says they pay.

The serving model's learning curve (core/learning_curve.py, measured when it was trained) is extrapolated from the
rows it was grown on to the rows a retrain would train on now: the training rows of the window's spans, this
batch's included. The rule fires when all three hold:

- the window holds at least `min_rows_ratio` times the serving model's rows;
- the expected gain is above zero beyond chance: one-sided at the false-alarm rate (drift.false_alarm_rate);
- the expected gain is at least `min_gain`, a share of the serving model's metric (as performance.max_drop is).

A model without a curve (a network, or trees trained before curves were measured) never fires, and the line says
so. With `economics:` the expected gain also prices the retrain (core/policy/economics.py). Pure Python: the
configuration imports it.
"""
import json
from dataclasses import asdict, dataclass, field
from typing import Mapping, Optional, Sequence

from core.learning_curve import GainOfMoreData, LearningCurve, extrapolate


def _setting(default, doc: str, **rules):
    """A key of adapt.yaml's `retraining.more_data` section, documented where it is read."""
    return field(default=default, metadata={"doc": doc, **rules})


@dataclass(frozen=True)
class MoreDataSettings:
    """Retrain when the window holds more rows than the serving model saw and its learning curve says they pay."""

    enabled: bool = _setting(True, "Fire on the gain of more data, with or without drift (trees only: a network "
                                   "has no learning curve).")
    min_rows_ratio: float = _setting(1.5, "The window must hold at least this many times the serving model's "
                                          "training rows.", min=1.0)
    min_gain: float = _setting(0.02, "The expected gain must be at least this share of the serving model's metric "
                                     "(and above zero beyond chance, at drift.false_alarm_rate).", min=0.0, max=1.0)


@dataclass(frozen=True)
class MoreDataFinding:
    """The rule's verdict on a batch: retrain (None: nothing to judge by), why, and the expected gain per
    prediction in the metric's units when the window holds more rows than the serving model saw."""

    retrain: Optional[bool] = None
    reason: str = ""
    gain: Optional[float] = None
    estimate: Optional[GainOfMoreData] = None


def judge(curve: Optional[LearningCurve], window_rows: int, settings: MoreDataSettings,
          false_alarm_rate: float) -> MoreDataFinding:
    if not settings.enabled:
        return MoreDataFinding()
    if curve is None:
        return MoreDataFinding(None, "the serving model has no learning curve (a network, or trees trained before "
                                     "curves were measured)")
    rows = _rows_said(curve.training_rows, window_rows)
    too_few = below_ratio(curve.training_rows, window_rows, settings)
    if too_few is not None:
        return too_few
    found = extrapolate(curve, window_rows, false_alarm_rate)
    if found is None:
        return MoreDataFinding(None, f"{rows}; its learning curve has too few points to extrapolate")
    said = f"{rows}; its learning curve ({curve.scored_on}) says {found.describe()}"
    if not found.beyond_chance:
        return MoreDataFinding(False, f"{said}: within chance", found.gain, found)
    if found.relative < settings.min_gain:
        return MoreDataFinding(False, f"{said}: under the minimum gain {settings.min_gain:.0%}", found.gain, found)
    return MoreDataFinding(True, said, found.gain, found)


def _rows_said(training_rows: int, window_rows: int) -> str:
    return f"the window would hold {window_rows:,} training rows, the serving model was grown on {training_rows:,}"


def below_ratio(training_rows: int, window_rows: int, settings: MoreDataSettings) -> Optional[MoreDataFinding]:
    """The rule's verdict when the window holds too few rows for it to look at the curve at all (None: enough)."""
    if window_rows >= settings.min_rows_ratio * training_rows:
        return None
    return MoreDataFinding(False, f"{_rows_said(training_rows, window_rows)}: under {settings.min_rows_ratio:g}x")


def window_rows(train_rows_by_span: Mapping[int, int], next_span: int, window: int, batch_rows: int) -> int:
    """The training rows a retrain would use now: this batch's (`batch_rows`, as it becomes span `next_span`) and
    those of the accepted spans before it, `window` spans in all."""
    earlier: Sequence[int] = sorted((span for span in train_rows_by_span if span < next_span), reverse=True)
    return batch_rows + sum(train_rows_by_span[span] for span in earlier[:max(window - 1, 0)])


@dataclass(frozen=True)
class MoreDataInputs:
    """What SpanPreparator takes to judge the gain of more data, resolved by the runner from the serving model."""

    settings: MoreDataSettings = MoreDataSettings(enabled=False)   # a pipeline built without it: the rule is off
    curve: Optional[LearningCurve] = None
    window: int = 1
    false_alarm_rate: float = 0.05

    def to_json(self) -> str:
        return json.dumps({"settings": asdict(self.settings), "curve": self.curve.to_dict() if self.curve else None,
                           "window": self.window, "false_alarm_rate": self.false_alarm_rate})

    @classmethod
    def from_json(cls, text: str) -> "MoreDataInputs":
        """'' or '{}': the rule off, as before it existed."""
        values = json.loads(text or "{}")
        if not values:
            return cls()
        curve = values.get("curve")
        return cls(MoreDataSettings(**values["settings"]), LearningCurve.from_dict(curve) if curve else None,
                   int(values.get("window") or 1), float(values.get("false_alarm_rate") or 0.05))
