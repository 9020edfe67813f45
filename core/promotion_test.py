import pytest

from core.promotion import Promotion


def test_a_gain_inside_the_noise_is_not_proven_and_says_its_interval():
    promotion = Promotion("accuracy", gain=0.002, standard_error=0.004, degrees_of_freedom=19, confidence=0.9)
    assert promotion.lower == pytest.approx(0.002 - 1.3277 * 0.004, abs=1e-4) and not promotion.proven
    assert promotion.describe() == ("accuracy +0.0020 over the serving model (90% lower bound -0.0033): "
                                    "not proven better (needs a lower bound above +0.0000)")


def test_a_gain_well_beyond_the_noise_is_proven():
    promotion = Promotion("accuracy", gain=0.03, standard_error=0.005, degrees_of_freedom=19, confidence=0.9)
    assert promotion.proven and promotion.describe() == \
        "accuracy +0.0300 over the serving model (90% lower bound +0.0234)"
    assert not Promotion("accuracy", 0.03, 0.005, 19, 0.9, min_gain=0.05).proven


def test_without_an_interval_the_point_estimate_decides():
    assert Promotion("accuracy", 0.001, 0.0, 0, 0.9).proven
    assert not Promotion("accuracy", 0.0, 0.01, 19, 0.0).proven       # a tie is no gain
    assert Promotion("accuracy", 0.001, 0.01, 19, 0.0).lower == 0.001  # confidence 0: intervals off
