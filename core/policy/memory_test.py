from core.policy.memory import Grounds, Memory


def test_the_last_decline_is_read_from_the_recorded_evidence():
    assert Memory.from_json('{"end_span": 5, "drop": 0.05, "drifted_features": ["fare"], "batch_accuracy": 0.8}') == \
        Memory(5, 0.05, ["fare"])
    assert Memory.from_json("") == Memory.from_json("{}") == Memory()


def test_without_a_decline_nothing_is_held_back():
    assert Memory().holds_back(Grounds(0.05, ("fare",)), next_span=2, spans_after_decline=2, max_drop=0.0) is None


def test_the_same_grounds_are_held_back_until_enough_new_spans():
    memory = Memory(5, 0.05, ["fare"])
    same = Grounds(0.05, ("fare",))
    assert memory.holds_back(same, 6, spans_after_decline=2, max_drop=0.03) == (
        "not retraining yet: a candidate trained up to span 5 was declined on the same evidence; 1 new span(s) of 2, "
        "no drift on new features, no larger drop or drift")
    assert memory.holds_back(same, 7, spans_after_decline=2, max_drop=0.03) is None
    assert memory.holds_back(Grounds(0.09, ("fare",)), 6, 2, 0.03) is None          # a larger drop
    assert memory.holds_back(Grounds(None, ("fare", "tips")), 6, 2, 0.03) is None   # drift on a new feature
    assert Memory(5, None, ["fare"]).holds_back(Grounds(0.01, ()), 6, 2, 0.03) is None   # a drop where none fired


def test_drift_larger_by_more_than_the_rules_floor_is_new_evidence():
    memory = Memory.declined(5, Grounds(None, ("x1",), weighted_psi=0.47))
    assert memory == Memory.from_json('{"end_span": 5, "drop": null, "drifted_features": ["x1"], "weighted_psi": 0.47}')
    assert memory.holds_back(Grounds(None, ("x1",), 0.74), 6, 2, 0.05, min_weighted_psi=0.02) is None   # it grew
    assert memory.holds_back(Grounds(None, ("x1",), 0.48), 6, 2, 0.05, min_weighted_psi=0.02)           # noise
    assert memory.holds_back(Grounds(None, ("x1",), 0.74), 6, 2, 0.05)   # the floor unknown: size not compared
    assert Memory(5, None, ["x1"]).holds_back(Grounds(None, ("x1",), 0.74), 6, 2, 0.05, 0.02)   # an old record
    assert Memory.declined(5, None) == Memory(5)
