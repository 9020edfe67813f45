"""Priced decisions: a fired rule retrains only when the errors it avoids are worth more than the retrain."""
import pytest

from core.policy.economics import Economics, PricingInputs, RetrainRecord, price
from core.policy.evidence import DriftFinding, Evidence, PerformanceFinding
from core.policy.policies import PolicySettings, Triggered

ECONOMICS = Economics(error_cost=2.0, price_per_hour=3.6, review_cost=50.0)
RECORD = RetrainRecord(seconds=(40.0, 60.0), paired_gains=(0.01, -0.002, 0.004))


def test_the_batch_drop_is_priced_over_the_predictions_and_batches_it_lasts():
    found = price(ECONOMICS, PricingInputs(batch_rows=1000, window=4, realized_gain=0.03, record=RECORD))
    assert found.value == pytest.approx(0.03 * 1000 * 4 * 2.0) and found.cost == pytest.approx(50 * 3.6 / 3600 + 50)
    assert found.pays and found.gain_from == "the batch's drop below the holdout score"
    assert found.describe().startswith("expected gain 240.00 (0.0300 per prediction from the batch's drop")
    assert found.describe().endswith("> cost 50.05 (50 s of compute and the review): retrain")


def test_without_a_drop_the_workspace_past_gains_price_it_and_settings_override_the_defaults():
    found = price(Economics(error_cost=0.5, predictions_per_batch=200, gain_batches=2, retrain_seconds=100.0,
                            price_per_hour=36.0), PricingInputs(batch_rows=1000, window=4, record=RECORD))
    assert found.gain_per_prediction == pytest.approx(0.004) and found.gain_from.endswith("last 3 retrain(s)")
    assert (found.predictions, found.batches, found.compute_seconds) == (200, 2, 100.0)
    assert not found.pays and found.describe().endswith("not worth a retrain")
    assert price(ECONOMICS, PricingInputs(batch_rows=1000)) is None   # nothing to price it by yet
    assert RetrainRecord(paired_gains=(-0.01,)).expected_gain() == 0.0   # a loss is no gain, never a negative one


def _evidence(drop=None, drifted=True, record=RECORD, rows=1000):
    performance = PerformanceFinding(drop is not None, "accuracy fell" if drop else "fine", drop, labeled=True,
                                     reference=0.9)
    return Evidence(performance, DriftFinding(drifted, "drift on x" if drifted else "no drift", ("x",) if drifted
                                              else ()), next_span=3,
                    pricing=PricingInputs(batch_rows=rows, window=4, record=record))


def test_a_fired_rule_keeps_its_span_and_trains_only_when_it_pays():
    priced = Triggered(PolicySettings(economics=ECONOMICS))
    small = priced.decide(_evidence(rows=1000))      # drift: past gains 0.004 x 1000 x 4 x 2 = 32 < 50.05
    assert small.span and not small.train and small.reason.startswith("drift on x; expected gain 32.00")
    large = priced.decide(_evidence(rows=10_000))    # the same on ten times the predictions: 320 > 50.05
    assert large.span and large.train
    dropped = priced.decide(_evidence(drop=0.05))    # labels show 0.045 lost per prediction: 360 > 50.05
    assert dropped.train and "0.0450 per prediction from the batch's drop" in dropped.reason
    first = priced.decide(_evidence(record=RetrainRecord()))
    assert first.train and first.reason.endswith("no past retrain to price it by: it runs, and measures the first gain")
    unpriced = Triggered(PolicySettings()).decide(_evidence(rows=1000))
    assert unpriced.train and unpriced.reason == "drift on x"   # without economics: as the rules decide
    quiet = priced.decide(_evidence(drifted=False))
    assert not quiet.span and "expected gain" not in quiet.reason   # nothing fired: nothing to price


def test_a_priced_decision_states_its_gain_cost_and_verdict_as_fields():
    from core.policy.economics import StatedPrice
    priced = Triggered(PolicySettings(economics=ECONOMICS))
    small = priced.decide(_evidence(rows=1000)).price
    assert (small.expected_gain, small.cost, small.verdict) == (pytest.approx(32.0), pytest.approx(50.05),
                                                                "does not pay")
    assert priced.decide(_evidence(rows=10_000)).price.verdict == "pays"
    first = priced.decide(_evidence(record=RetrainRecord())).price   # nothing to price by: unpriced, cost known
    assert first.expected_gain is None and first.verdict == "unpriced" and first.cost == pytest.approx(50.0)
    assert StatedPrice.from_dict(small.to_dict()) == small and StatedPrice.from_dict({}) is None
    assert Triggered(PolicySettings()).decide(_evidence()).price is None            # without economics
    assert priced.decide(_evidence(drifted=False)).price is None                     # no rule fired
