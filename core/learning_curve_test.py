import math

import pytest

from core.learning_curve import CurvePoint, LearningCurve, curves_in_info, extrapolate


def _curve(metric, half, full, paired_se, rows=1000):
    return LearningCurve(metric, (CurvePoint(rows // 2, half, 0.01), CurvePoint(rows, full, 0.01)), paired_se, rows)


def test_a_rising_curve_gains_by_the_power_law_through_its_two_points():
    found = extrapolate(_curve("mae", 100.0, 90.0, 1.0), 4000, 0.05)
    exponent = math.log2(100 / 90)
    assert found.exponent == pytest.approx(exponent) and found.level == pytest.approx(90.0)
    assert found.gain == pytest.approx(90 * (1 - 4 ** -exponent))   # ~17.3: two more doublings
    assert found.beyond_chance and found.p_value < 1e-10 and 0 < found.low < found.gain < found.high
    assert found.relative == pytest.approx(found.gain / 90)


def test_accuracy_gains_in_points_of_accuracy_from_its_error():
    found = extrapolate(_curve("accuracy", 0.80, 0.84, 0.005), 2000, 0.05)
    # error 0.20 -> 0.16: b = log2(1.25); one more doubling takes 0.16 to 0.128
    assert found.gain == pytest.approx(0.16 - 0.128) and found.level == pytest.approx(0.84)
    assert found.beyond_chance and found.describe().startswith("accuracy expected to gain 0.032 (3.8% of 0.84;")


def test_a_flat_curve_gains_nothing_and_a_curve_that_falls_is_flat():
    flat = extrapolate(_curve("mae", 90.0, 90.0, 1.0), 4000, 0.05)
    assert flat.gain == 0.0 and flat.p_value == pytest.approx(0.5) and not flat.beyond_chance
    falling = extrapolate(_curve("accuracy", 0.85, 0.84, 0.01), 4000, 0.05)
    assert falling.gain == 0.0 and falling.exponent == 0.0 and not falling.beyond_chance


def test_a_noisy_rise_is_not_beyond_chance_though_its_point_gain_is_positive():
    noisy = extrapolate(_curve("mae", 92.0, 90.0, 1.5), 4000, 0.05)   # 2 apart, 1.3 standard errors
    assert noisy.gain > 0 and noisy.low == 0.0 and not noisy.beyond_chance
    assert noisy.p_value == pytest.approx(0.0912, abs=1e-3)


def test_the_exponent_is_clipped_at_one_and_the_serving_model_may_sit_beyond_the_curves_last_point():
    steep = extrapolate(_curve("mae", 100.0, 20.0, 1.0), 2000, 0.05)   # b would be 2.3
    assert steep.exponent == 1.0 and steep.gain == pytest.approx(10.0)
    out_of_fold = LearningCurve("mae", (CurvePoint(500, 100.0, 1), CurvePoint(750, 90.0, 1)), 1.0, 1000)
    found = extrapolate(out_of_fold, 4000, 0.05)
    assert found.rows_then == 1000 and found.level < 90.0 and found.gain > 0   # the model saw 1,000 rows, not 750


def test_curves_round_trip_through_a_model_info_file():
    curve = _curve("rmse", 3.0, 2.5, 0.1)
    assert curves_in_info({"learning_curves": [curve.to_dict()]}) == {"rmse": curve}
    assert curves_in_info({}) == {} and extrapolate(LearningCurve("mae", (), 0.0, 10), 40, 0.05) is None
