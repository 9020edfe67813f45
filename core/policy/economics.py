"""A retrain priced in the user's terms: the errors it is expected to avoid, at their cost, against its own cost.

With `economics.error_cost` set, a rule that fires still retrains only when

    expected gain per prediction x predictions until the next batch x batches the gain lasts x error cost
        > compute seconds x price per hour / 3600 + review cost

The expected gain per prediction comes from the evidence at hand: the batch's own drop below the serving
model's holdout score when the performance rule fired on labels (a retrain is taken to win it back), plus the
gain of more data when the window holds notably more rows than the serving model saw (its learning curve,
extrapolated: core/learning_curve.py); without a drop, the larger of that gain and what this workspace's past
retrains gained on their holdouts over the model they challenged (paired gains in ML Metadata, the mean of the
last few; they already hold whatever more rows gave those retrains, so the two are not added). With none, there
is nothing to price yet: the rule's decision stands, and the retrain it starts is the first measurement. The compute seconds are the mean of past retrains' (or
`economics.retrain_seconds` when set). This module stays pure Python: the configuration imports it.
"""
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

RECENT_GAINS = 5  # the past retrains whose paired gains count: the newest reflect the data as it is now


def _setting(default, doc: str):
    """A key of adapt.yaml's `economics:` section, documented where it is read (core/config.py builds it)."""
    return field(default=default, metadata={"doc": doc, "min": 0})


@dataclass(frozen=True)
class Economics:
    """Optional: price each retrain a rule asks for; it runs only when its expected gain exceeds its cost."""

    error_cost: float = _setting(0.0, "The cost of one wrong prediction (a regression model: of one unit of "
                                      "absolute error), in any currency; 0 (the default) leaves decisions to the rules.")
    predictions_per_batch: int = _setting(0, "Predictions the model makes until the next batch (0: as many as the "
                                             "batch's rows).")
    gain_batches: int = _setting(0, "Batches a retrain's gain lasts (0: the training window).")
    price_per_hour: float = _setting(0.0, "The price of an hour of the machine that trains.")
    review_cost: float = _setting(0.0, "The cost of a person's review of each retrain.")
    retrain_seconds: float = _setting(0.0, "Compute seconds of a retrain (0: the mean of this workspace's past "
                                           "retrains, from ML Metadata).")

    @property
    def enabled(self) -> bool:
        return self.error_cost > 0


@dataclass(frozen=True)
class RetrainRecord:
    """What this workspace's past retrains cost and gained, read from ML Metadata by the runner."""

    seconds: Tuple[float, ...] = ()       # compute seconds of each past training run
    paired_gains: Tuple[float, ...] = ()  # candidate's metric minus the model it challenged, on the same holdout,
    #                                       signed so that positive is better (an error metric: baseline - candidate)

    def mean_seconds(self) -> float:
        return sum(self.seconds) / len(self.seconds) if self.seconds else 0.0

    def expected_gain(self) -> Optional[float]:
        recent = self.paired_gains[-RECENT_GAINS:]
        return max(sum(recent) / len(recent), 0.0) if recent else None


PAYS, DOES_NOT_PAY, UNPRICED = "pays", "does not pay", "unpriced"   # a priced decision's verdicts


@dataclass(frozen=True)
class StatedPrice:
    """What a priced decision records beside its reason, and every table shows in its own columns: the expected
    gain and the cost in the user's currency, and the verdict (UNPRICED: nothing measured a gain yet, so the
    retrain runs and measures the first)."""

    expected_gain: Optional[float]
    cost: float
    verdict: str
    gain_from: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Optional[Mapping[str, Any]]) -> Optional["StatedPrice"]:
        """None for a decision that was not priced ({} or None: no `economics:`, or no rule fired)."""
        if not values:
            return None
        gain = values.get("expected_gain")
        return cls(None if gain is None else float(gain), float(values.get("cost") or 0.0), str(values["verdict"]),
                   str(values.get("gain_from") or ""))


@dataclass(frozen=True)
class Price:
    gain_per_prediction: float
    gain_from: str
    predictions: int
    batches: int
    error_cost: float
    compute_seconds: float
    cost: float

    @property
    def value(self) -> float:
        return self.gain_per_prediction * self.predictions * self.batches * self.error_cost

    @property
    def pays(self) -> bool:
        return self.value > self.cost

    def stated(self) -> StatedPrice:
        return StatedPrice(round(self.value, 4), round(self.cost, 4), PAYS if self.pays else DOES_NOT_PAY,
                           self.gain_from)

    def describe(self) -> str:
        return (f"expected gain {self.value:,.2f} ({self.gain_per_prediction:.4f} per prediction from "
                f"{self.gain_from} x {self.predictions:,} predictions x {self.batches} batch(es) x "
                f"{self.error_cost:g} per error) {'>' if self.pays else '<='} cost {self.cost:,.2f} "
                f"({self.compute_seconds:.0f} s of compute and the review): "
                f"{'retrain' if self.pays else 'not worth a retrain'}")


@dataclass(frozen=True)
class PricingInputs:
    """What a price is made of besides the settings: the batch and the workspace's record."""

    batch_rows: int = 0
    window: int = 1
    realized_gain: Optional[float] = None   # the batch's own drop below the holdout score, when labels showed it
    more_data_gain: Optional[float] = None  # the learning curve's gain on the window's rows, when it holds more
    record: RetrainRecord = field(default_factory=RetrainRecord)


def price(economics: Economics, inputs: PricingInputs) -> Optional[Price]:
    """The retrain's price, or None when there is no evidence of its gain to price it by."""
    expected = expected_gain(inputs)
    if expected is None:
        return None
    gain, source = expected
    seconds, cost = retrain_cost(economics, inputs)
    return Price(gain_per_prediction=gain, gain_from=source,
                 predictions=economics.predictions_per_batch or inputs.batch_rows,
                 batches=economics.gain_batches or max(inputs.window, 1), error_cost=economics.error_cost,
                 compute_seconds=seconds, cost=cost)


def retrain_cost(economics: Economics, inputs: PricingInputs) -> Tuple[float, float]:
    """(compute seconds, the cost of a retrain: those seconds at the hourly price plus the review)."""
    seconds = economics.retrain_seconds or inputs.record.mean_seconds()
    return seconds, seconds * economics.price_per_hour / 3600 + economics.review_cost


def unpriced(economics: Economics, inputs: PricingInputs) -> StatedPrice:
    """A retrain with no evidence of its gain yet: its cost is known, its gain is what it will measure."""
    return StatedPrice(None, round(retrain_cost(economics, inputs)[1], 4), UNPRICED)


MORE_DATA = "the gain of more data on the serving model's learning curve"


def expected_gain(inputs: PricingInputs) -> Optional[Tuple[float, str]]:
    """(gain per prediction, where it comes from), or None when nothing measures it yet."""
    more_data = inputs.more_data_gain
    if inputs.realized_gain is not None:
        gain, source = max(inputs.realized_gain, 0.0), "the batch's drop below the holdout score"
        return (gain + more_data, f"{source} plus {MORE_DATA}") if more_data is not None else (gain, source)
    past = inputs.record.expected_gain()
    if more_data is not None and (past is None or more_data >= past):
        return more_data, MORE_DATA
    if past is None:
        return None
    return past, f"the mean paired gain of the last {len(inputs.record.paired_gains[-RECENT_GAINS:])} retrain(s)"


def to_json(economics: Economics, record: RetrainRecord, window: int) -> str:
    """What SpanPreparator takes to price a retrain: the settings, the workspace's record and the window."""
    return json.dumps({"settings": asdict(economics), "record": asdict(record), "window": window})


def from_json(text: str, batch_rows: int) -> Tuple[Economics, PricingInputs]:
    """The settings and the inputs back from to_json's text ('' or '{}': economics off)."""
    values = json.loads(text or "{}")
    record = values.get("record") or {}
    return (Economics(**values.get("settings", {})),
            PricingInputs(batch_rows=batch_rows, window=int(values.get("window") or 1),
                          record=RetrainRecord(tuple(record.get("seconds", ())), tuple(record.get("paired_gains", ())))))
