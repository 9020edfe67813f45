"""The retraining policies, one class each, registered by key: `POLICIES.get(key)(settings).decide(evidence)`.

Shaped as core/drift/methods.py registers drift methods. `retraining.policy` in adapt.yaml names one; the
configuration's validation reads the keys from here. This module stays pure Python: the configuration imports it
on every `adapt watch` tick.
"""
from dataclasses import dataclass, replace
from typing import ClassVar

from core.policy.economics import Economics, price, unpriced
from core.policy.evidence import Decision, Evidence
from core.policy.memory import Grounds
from core.registry import Registry


@dataclass(frozen=True)
class PolicySettings:
    spans_after_decline: int = 1   # after a declined candidate, the new spans the same evidence waits for
    max_drop: float = 0.0          # a drop larger than the declined one's by more than this is new evidence
    economics: Economics = Economics()   # with an error cost, a fired rule retrains only when it pays


@dataclass(frozen=True)
class Policy:
    settings: PolicySettings = PolicySettings()
    key: ClassVar[str] = ""
    # False: decides without looking at the evidence, so a caller may skip measuring it (a benchmark's drift)
    reads_evidence: ClassVar[bool] = True

    def decide(self, evidence: Evidence) -> Decision:
        raise NotImplementedError


POLICIES: Registry[Policy] = Registry("retraining policy")


@POLICIES.register
class Triggered(Policy):
    """Retrain when the performance, the drift or the gain-of-more-data rule fired, unless the same evidence already
    led to a declined candidate (the batch still becomes a span, for the next window)."""
    key = "triggered"

    def decide(self, evidence: Evidence) -> Decision:
        performance, drift, more_data = evidence.performance, evidence.drift, evidence.more_data
        fired = []
        if performance.retrain:
            fired.append(f"performance: {performance.reason}")
        if drift.drifted:
            fired.append(drift.reason)
        if more_data.retrain:
            fired.append(f"more data: {more_data.reason}")
        if not fired:
            more_said = f"; more data: {more_data.reason}" if more_data.reason else ""
            return Decision(False, False, f"no rule fired ({performance.reason}; {drift.reason}{more_said})")
        grounds = Grounds(performance.drop if performance.retrain else None, drift.drifted_features,
                          drift.weighted_psi if drift.drifted else None)
        reason = "; ".join(fired)
        held_back = evidence.declined.holds_back(grounds, evidence.next_span, self.settings.spans_after_decline,
                                                 self.settings.max_drop, drift.min_weighted_psi)
        if held_back:
            return Decision(True, False, f"{reason}; {held_back}", grounds)
        return self.priced(Decision(True, True, reason, grounds), evidence)

    def priced(self, decision: Decision, evidence: Evidence) -> Decision:
        """A retrain the rules asked for, kept only when its expected gain exceeds its cost (economics:)."""
        economics, performance = self.settings.economics, evidence.performance
        if not economics.enabled:
            return decision
        realized = (performance.drop * performance.reference
                    if performance.retrain and performance.labeled and performance.drop is not None else None)
        more_data = evidence.more_data.gain
        found = price(economics, replace(evidence.pricing, realized_gain=realized,
                                         more_data_gain=None if more_data is None else max(more_data, 0.0)))
        if found is None:
            return replace(decision, reason=f"{decision.reason}; no past retrain to price it by: it runs, and "
                                            f"measures the first gain", price=unpriced(economics, evidence.pricing))
        return replace(decision, train=found.pays, reason=f"{decision.reason}; {found.describe()}",
                       price=found.stated())


@POLICIES.register
class Periodic(Policy):
    key, reads_evidence = "periodic", False

    def decide(self, evidence: Evidence) -> Decision:
        return Decision(True, True, "periodic policy: retrain on every batch")


@POLICIES.register
class Static(Policy):
    key, reads_evidence = "static", False

    def decide(self, evidence: Evidence) -> Decision:
        return Decision(False, False, "static policy: never retrain")


@POLICIES.register
class Manual(Policy):
    """Every labeled batch becomes a span; training runs only when `adapt train` (or a user's own schedule) asks."""
    key, reads_evidence = "manual", False

    def decide(self, evidence: Evidence) -> Decision:
        return Decision(True, False, "manual policy: the batch becomes a span; retrain with adapt train")
