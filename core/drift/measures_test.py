"""Each measure against a value computed by hand on a small fixed histogram."""
import math

import pytest

from core.drift import measures

BASELINE = [50, 30, 20]   # shares .5 .3 .2
CURRENT = [30, 30, 40]    # shares .3 .3 .4


def test_psi_by_hand():
    expected = (0.3 - 0.5) * math.log(0.3 / 0.5) + 0 + (0.4 - 0.2) * math.log(0.4 / 0.2)
    assert measures.psi(BASELINE, CURRENT) == pytest.approx(expected, rel=1e-3)  # 0.2408


def test_kl_by_hand():
    expected = 0.3 * math.log(0.3 / 0.5) + 0.3 * math.log(0.3 / 0.3) + 0.4 * math.log(0.4 / 0.2)
    assert measures.kl_divergence(BASELINE, CURRENT) == pytest.approx(expected, rel=1e-3)  # 0.1240


def test_js_by_hand():
    p, q = [0.5, 0.3, 0.2], [0.3, 0.3, 0.4]
    m = [(a + b) / 2 for a, b in zip(p, q)]
    kl = lambda x, y: sum(a * math.log2(a / b) for a, b in zip(x, y))  # noqa: E731
    assert measures.js_divergence(BASELINE, CURRENT) == pytest.approx((kl(p, m) + kl(q, m)) / 2, rel=1e-6)


def test_l_infinity_by_hand():
    assert measures.l_infinity(BASELINE, CURRENT) == pytest.approx(0.2)


def test_wasserstein_by_hand():
    # Moving every point of [0, 1, 2] by +1 costs 1; in units of a spread of 2 that is 0.5.
    assert measures.wasserstein([0, 1, 2], [1, 2, 3]) == pytest.approx(1.0)
    assert measures.wasserstein([0, 1, 2], [1, 2, 3], scale=2.0) == pytest.approx(0.5)
    assert measures.wasserstein([0, 1], [0, 1], [0.5, 0.5], [0.9, 0.1]) == pytest.approx(0.4)


def test_identical_distributions_measure_zero():
    for measure in (measures.psi, measures.kl_divergence, measures.js_divergence, measures.l_infinity):
        assert measure(BASELINE, [5, 3, 2]) == pytest.approx(0.0, abs=1e-9)


def test_empty_bins_are_smoothed_not_infinite():
    assert math.isfinite(measures.psi([10, 0], [5, 5]))
    assert math.isfinite(measures.kl_divergence([10, 0], [5, 5]))
    assert measures.js_divergence([10, 0], [0, 10]) == pytest.approx(1.0)


def test_empty_distribution_is_an_error():
    with pytest.raises(ValueError):
        measures.psi([0, 0], [1, 1])
