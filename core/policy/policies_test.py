import pytest

from core.config import Config, ConfigError
from core.policy.evidence import DriftFinding, Evidence, PerformanceFinding
from core.policy.memory import Grounds, Memory
from core.policy.policies import POLICIES, Manual, Periodic, PolicySettings, Static, Triggered

KEEP = PerformanceFinding(False, "accuracy 0.910 >= threshold 0.88", drop=-0.01, labeled=True)
LOW = PerformanceFinding(True, "accuracy 0.800 < threshold 0.88", drop=0.05, labeled=True)
CALM = DriftFinding(False, "no feature drifted beyond its threshold")
DRIFT = DriftFinding(True, "drift on payment_type (linf 0.190 > 0.1)", ("payment_type",))


def test_policies_are_registered_by_key_and_the_configuration_accepts_exactly_those():
    assert POLICIES.keys() == ("triggered", "periodic", "static", "manual")
    assert [POLICIES.get(key) for key in POLICIES.keys()] == [Triggered, Periodic, Static, Manual]
    assert Config.from_dict({"retraining": {"policy": "periodic"}}).retraining.policy == "periodic"
    with pytest.raises(ConfigError,
                       match="retraining.policy: must be one of triggered, periodic, static, manual, got 'weekly'"):
        Config.from_dict({"retraining": {"policy": "weekly"}})
    with pytest.raises(ValueError, match="no retraining policy 'weekly' \\(known: triggered, periodic, static, manual\\)"):
        POLICIES.get("weekly")


@pytest.mark.parametrize("policy, performance, drift, retrain, reason", [
    ("triggered", KEEP, CALM, False, "no rule fired (accuracy 0.910 >= threshold 0.88; no feature drifted beyond "
                                     "its threshold)"),
    ("triggered", LOW, CALM, True, "performance: accuracy 0.800 < threshold 0.88"),
    ("triggered", KEEP, DRIFT, True, "drift on payment_type (linf 0.190 > 0.1)"),
    ("triggered", LOW, DRIFT, True, "performance: accuracy 0.800 < threshold 0.88; drift on payment_type (linf 0.190 "
                                    "> 0.1)"),
    ("periodic", KEEP, CALM, True, "periodic policy: retrain on every batch"),
    ("static", LOW, DRIFT, False, "static policy: never retrain"),
])
def test_policies(policy, performance, drift, retrain, reason):
    decision = POLICIES.get(policy)().decide(Evidence(performance, drift))
    assert decision.train is retrain and decision.span is retrain and decision.reason == reason


def test_manual_makes_every_batch_a_span_and_leaves_training_to_adapt_train():
    decision = Manual().decide(Evidence(LOW, DRIFT))
    assert decision.span is True and decision.train is False
    assert decision.reason == "manual policy: the batch becomes a span; retrain with adapt train"


def test_a_triggered_retrain_records_its_grounds_and_a_clock_records_none():
    fired = Triggered().decide(Evidence(LOW, DRIFT))
    assert fired.grounds == Grounds(0.05, ("payment_type",))
    assert fired.grounds_as_dict() == {"drop": 0.05, "drifted_features": ["payment_type"]}
    assert Triggered().decide(Evidence(KEEP, DRIFT)).grounds == Grounds(None, ("payment_type",))
    assert Triggered().decide(Evidence(KEEP, CALM)).grounds_as_dict() == {}
    assert Periodic().decide(Evidence(KEEP, CALM)).grounds_as_dict() == {}


DECLINED_AT_5 = Memory(end_span=5, drop=0.05, drifted_features=["payment_type"])


@pytest.mark.parametrize("performance, drift, next_span, train, why", [
    (LOW, DRIFT, 6, False, "not retraining yet: a candidate trained up to span 5 was declined on the same evidence"),
    (LOW, DRIFT, 7, True, "two new spans since the decline"),
    (PerformanceFinding(True, LOW.reason, 0.09, True), DRIFT, 6, True, "a drop larger by more than max_drop"),
    (PerformanceFinding(True, LOW.reason, 0.07, True), CALM, 6, False, "a slightly larger drop is the same evidence"),
    (KEEP, DriftFinding(True, DRIFT.reason, ("payment_type", "fare")), 6, True, "drift on a new feature"),
])
def test_a_declined_retrain_is_not_repeated_on_the_same_evidence(performance, drift, next_span, train, why):
    policy = Triggered(PolicySettings(spans_after_decline=2, max_drop=0.03))
    decision = policy.decide(Evidence(performance, drift, next_span, DECLINED_AT_5))
    assert decision.span and decision.train is train, why
    if not train:
        assert decision.reason.endswith(
            "; not retraining yet: a candidate trained up to span 5 was declined on the same evidence; 1 new span(s) "
            "of 2, no drift on new features, no larger drop or drift")


def test_findings_are_read_from_the_components_reports():
    report = {"retrain": True, "labeled": True, "reason": "r", "drop": 0.1, "metrics": {"accuracy": 0.8, "auc": 0.9},
              "estimated": {"accuracy": 0.84, "accuracy_low": 0.8, "accuracy_high": 0.88, "rows": 40}}
    assert PerformanceFinding.from_report(report) == PerformanceFinding(True, "r", 0.1, True, {
        "batch_accuracy": 0.8, "estimated_accuracy": 0.84, "estimated_accuracy_low": 0.8,
        "estimated_accuracy_high": 0.88})
    assert DriftFinding.from_report({"drifted": True, "reason": "d", "drifted_features": ["fare"]}) == \
        DriftFinding(True, "d", ("fare",))
    assert DriftFinding.from_report({"drifted": True, "reason": "d", "drifted_features": ["fare"],
                                     "weighted_psi": 0.3, "settings": {"min_weighted_psi": 0.02}}) == \
        DriftFinding(True, "d", ("fare",), 0.3, 0.02)


def test_a_drift_that_keeps_growing_after_a_decline_retrains_and_is_remembered_by_its_size():
    fired = Triggered().decide(Evidence(KEEP, DriftFinding(True, "d", ("x1",), 0.47, 0.02)))
    declined = Memory.declined(5, fired.grounds)
    policy = Triggered(PolicySettings(spans_after_decline=2, max_drop=0.03))
    assert policy.decide(Evidence(KEEP, DriftFinding(True, "d", ("x1",), 0.74, 0.02), 6, declined)).train
    assert not policy.decide(Evidence(KEEP, DriftFinding(True, "d", ("x1",), 0.48, 0.02), 6, declined)).train
