"""The gain-of-more-data rule, alone and inside the triggered policy, with and without economics."""
import pytest

from core.learning_curve import CurvePoint, LearningCurve
from core.policy.economics import Economics, PricingInputs, RetrainRecord
from core.policy.evidence import DriftFinding, Evidence, PerformanceFinding
from core.policy.more_data import MoreDataFinding, MoreDataInputs, MoreDataSettings, judge, window_rows
from core.policy.policies import PolicySettings, Triggered

RISING = LearningCurve("mae", (CurvePoint(500, 100.0, 3.0), CurvePoint(1000, 90.0, 3.0)), 1.0, 1000, "holdout", 800)
FLAT = LearningCurve("mae", (CurvePoint(5000, 90.4, 1.0), CurvePoint(10000, 90.0, 1.0)), 0.1, 10000)
NOISY = LearningCurve("mae", (CurvePoint(500, 92.0, 3.0), CurvePoint(1000, 90.0, 3.0)), 1.5, 1000)
ON = MoreDataSettings(enabled=True)


def test_it_fires_when_the_window_holds_more_rows_and_the_curve_still_rises_beyond_chance():
    found = judge(RISING, 4000, ON, 0.05)
    assert found.retrain is True and found.gain == pytest.approx(found.estimate.gain) and found.gain > 9
    assert found.reason.startswith("the window would hold 4,000 training rows, the serving model was grown on 1,000;"
                                   " its learning curve (holdout) says mae expected to gain 17.")
    assert "90% interval" in found.reason and "p=" in found.reason


def test_it_stays_quiet_on_too_few_new_rows_a_flat_or_noisy_curve_or_no_curve_and_says_why():
    few = judge(RISING, 1400, ON, 0.05)
    assert few.retrain is False and few.reason.endswith("under 1.5x") and few.gain is None
    flat = judge(FLAT, 40000, ON, 0.05)
    assert flat.retrain is False and flat.reason.endswith("under the minimum gain 2%") and 0 < flat.gain < 1
    noisy = judge(NOISY, 4000, ON, 0.05)
    assert noisy.retrain is False and noisy.reason.endswith("within chance")
    none = judge(None, 4000, ON, 0.05)
    assert none.retrain is None and none.reason.startswith("the serving model has no learning curve")
    assert judge(RISING, 4000, MoreDataSettings(enabled=False), 0.05) == MoreDataFinding()


def test_the_window_counts_this_batch_and_the_spans_before_it():
    rows = {1: 800, 2: 900, 3: 700, 5: 1000}   # span 4 was rejected
    assert window_rows(rows, next_span=6, window=3, batch_rows=600) == 600 + 1000 + 700
    assert window_rows(rows, next_span=2, window=4, batch_rows=600) == 600 + 800
    assert window_rows({}, next_span=1, window=4, batch_rows=600) == 600


def test_the_inputs_cross_to_the_component_as_json_and_empty_means_off():
    inputs = MoreDataInputs(ON, RISING, window=4, false_alarm_rate=0.01)
    assert MoreDataInputs.from_json(inputs.to_json()) == inputs
    assert not MoreDataInputs.from_json("").settings.enabled and MoreDataInputs.from_json("{}").curve is None


QUIET = PerformanceFinding(False, "mae 91.000 is 1.1% above the serving model's 90.000", -0.01, labeled=True,
                           reference=90.0)
CALM = DriftFinding(False, "no feature drifted")


def test_the_triggered_policy_retrains_on_it_and_names_it():
    decision = Triggered().decide(Evidence(QUIET, CALM, more_data=judge(RISING, 4000, ON, 0.05)))
    assert decision.train and decision.span and decision.reason.startswith("more data: the window would hold 4,000")
    quiet = Triggered().decide(Evidence(QUIET, CALM, more_data=judge(NOISY, 4000, ON, 0.05)))
    assert not quiet.train and quiet.reason.startswith("no rule fired (mae 91.000") and "; more data: " in quiet.reason
    off = Triggered().decide(Evidence(QUIET, CALM))
    assert off.reason == f"no rule fired ({QUIET.reason}; {CALM.reason})"   # the rule off: as before it existed


def test_with_economics_the_gain_of_more_data_prices_the_retrain():
    economics = Economics(error_cost=0.01, review_cost=50.0)
    pricing = PricingInputs(batch_rows=1000, window=4)
    finding = judge(RISING, 4000, ON, 0.05)
    paid = Triggered(PolicySettings(economics=economics)).decide(
        Evidence(QUIET, CALM, pricing=pricing, more_data=finding))
    value = finding.gain * 1000 * 4 * 0.01   # ~690 > 50
    assert paid.train and f"expected gain {value:,.2f}" in paid.reason and "from the gain of more data" in paid.reason
    assert paid.reason.endswith("> cost 50.00 (0 s of compute and the review): retrain")
    unpaid = Triggered(PolicySettings(economics=Economics(error_cost=0.0001, review_cost=50.0))).decide(
        Evidence(QUIET, CALM, pricing=pricing, more_data=finding))
    assert unpaid.span and not unpaid.train and unpaid.reason.endswith("not worth a retrain")
    # drift fired and past retrains gained less than more data promises: the larger prices it
    drifted = DriftFinding(True, "drift on x", ("x",))
    record = RetrainRecord(seconds=(40.0,), paired_gains=(0.5,))
    larger = Triggered(PolicySettings(economics=economics)).decide(
        Evidence(QUIET, drifted, pricing=PricingInputs(1000, 4, record=record), more_data=finding))
    assert "from the gain of more data" in larger.reason
