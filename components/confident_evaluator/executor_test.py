import numpy as np

from components.confident_evaluator.executor import judge
from tests.helpers import rows_to_examples, save_tiny_model

HEADER = ["trip_miles", "payment_type", "trip_start_hour", "big_tipper"]


def _holdout(rows=400, seed=0):
    """Long credit-card trips tip: the tiny model of weight w predicts P = sigmoid(w * miles + [cash] - 0.5)."""
    rng = np.random.default_rng(seed)
    miles = rng.uniform(-2, 2, rows)
    cash = rng.random(rows) < 0.3
    tipped = (miles > 0.3) & ~cash
    return rows_to_examples(HEADER, [[f"{m:.3f}", "Cash" if c else "Credit Card", "9", str(int(t))]
                                     for m, c, t in zip(miles, cash, tipped)])


def test_a_candidate_that_answers_more_holdout_rows_right_is_proven_better(tmp_path):
    good, poor = save_tiny_model(str(tmp_path / "good"), 3.0), save_tiny_model(str(tmp_path / "poor"), -3.0)
    promotion = judge(good, poor, _holdout(), confidence=0.9, min_gain=0.0)
    assert promotion.rows == 400 and promotion.gain > 0.3 and promotion.proven


def test_the_same_model_again_is_no_gain_and_is_not_proven(tmp_path):
    model = save_tiny_model(str(tmp_path / "same"), 3.0)
    copy = save_tiny_model(str(tmp_path / "copy"), 3.0)
    promotion = judge(model, copy, _holdout(), confidence=0.9, min_gain=0.0)
    assert promotion.gain == 0.0 and promotion.lower == 0.0 and not promotion.proven
    assert "not proven better" in promotion.describe()


def test_with_confidence_0_the_gain_is_measured_at_the_reported_level_and_does_not_decide(tmp_path):
    good, poor = save_tiny_model(str(tmp_path / "good"), 3.0), save_tiny_model(str(tmp_path / "poor"), -3.0)
    promotion = judge(good, poor, _holdout(), confidence=0.0, min_gain=0.0)
    assert promotion.confidence == 0.9 and not promotion.decides and promotion.gain > 0.3 and promotion.proven
    assert "(90% lower bound +0." in promotion.describe()


def test_with_confidence_0_a_tie_is_no_better_and_declines_unless_a_drop_is_allowed(tmp_path):
    model = save_tiny_model(str(tmp_path / "same"), 3.0)
    copy = save_tiny_model(str(tmp_path / "copy"), 3.0)
    tie = judge(model, copy, _holdout(), confidence=0.0, min_gain=0.0)
    assert tie.gain == 0.0 and tie.no_better and tie.declines
    assert tie.describe().endswith("no better than the serving model (a push needs a gain above +0.0000)")
    tolerated = judge(model, copy, _holdout(), confidence=0.0, min_gain=0.0, max_drop=0.01)
    assert not tolerated.declines and "within the noise" in tolerated.describe()
