import numpy as np
import pytest

from core.promotion import paired_gain


def _answers(rng, rows, candidate_accuracy, baseline_accuracy, agreement=0.9):
    """Per-row correctness of two models that agree on most rows, as retrained models do."""
    baseline = rng.random(rows) < baseline_accuracy
    candidate = np.where(rng.random(rows) < agreement, baseline, rng.random(rows) < candidate_accuracy)
    return candidate, baseline


def test_a_gain_inside_the_noise_is_not_proven_and_says_its_bound():
    rng = np.random.default_rng(0)
    candidate, baseline = _answers(rng, 300, 0.86, 0.85)
    promotion = paired_gain(candidate, baseline, confidence=0.9)
    assert promotion.lower < 0 < promotion.gain + 0.05 and not promotion.proven
    assert promotion.describe().startswith(f"accuracy {promotion.gain:+.4f} over the serving model on 300 rows "
                                           f"(90% lower bound ")
    assert promotion.describe().endswith("not proven better (needs a lower bound above +0.0000)")


def test_a_clear_gain_is_proven_and_min_gain_raises_the_bar():
    rng = np.random.default_rng(1)
    baseline = rng.random(2000) < 0.8
    candidate = baseline | (rng.random(2000) < 0.3)     # right wherever the serving model is, and on more rows
    promotion = paired_gain(candidate, baseline, confidence=0.95)
    assert promotion.proven and 0 < promotion.lower < promotion.gain
    assert not paired_gain(candidate, baseline, confidence=0.95, min_gain=promotion.gain).proven


def test_the_verdict_is_reproducible_and_a_tie_is_no_gain():
    same = np.array([True, False] * 200)
    assert paired_gain(same, same, 0.9).to_dict()["proven"] is False
    rng = np.random.default_rng(2)
    candidate, baseline = _answers(rng, 500, 0.9, 0.85, agreement=0.5)
    assert paired_gain(candidate, baseline, 0.9) == paired_gain(candidate, baseline, 0.9)
    with pytest.raises(ValueError, match="no holdout rows"):
        paired_gain([], [], 0.9)


def test_with_the_rule_off_the_gain_and_its_bound_are_said_and_nothing_is_declined():
    baseline = np.array([True] * 255 + [False] * 45)
    candidate = baseline.copy()
    candidate[[255, 256, 257]], candidate[0] = True, False    # two rows more right out of 300
    said = paired_gain(candidate, baseline, confidence=0.9, decides=False)
    assert not said.proven and said.lower == paired_gain(candidate, baseline, confidence=0.9).lower
    assert said.describe().endswith("within the noise (validation.confidence 0: the point estimates decide)")
    assert "not proven better" not in said.describe() and said.to_dict()["decides"] is False


def test_with_the_rule_off_a_tie_is_no_better_and_declines_unless_a_drop_is_allowed():
    baseline = np.array([True] * 255 + [False] * 45)
    candidate = baseline.copy()
    candidate[[255, 256]], candidate[[0, 1]] = True, False    # other rows right, as many
    tie = paired_gain(candidate, baseline, confidence=0.9, decides=False)
    assert tie.gain == 0.0 and tie.declines and tie.to_dict()["declines"] is True
    assert tie.describe().endswith("no better than the serving model (a push needs a gain above +0.0000)")
    assert not paired_gain(candidate, baseline, confidence=0.9, decides=False, max_drop=0.01).declines
