"""Distances between two distributions of one feature.

Categorical features compare value shares; numeric features compare shares
in common bins (the baseline's deciles, with open tails for values outside
its range) and, for Wasserstein, their quantile functions. scipy computes
KL, Jensen-Shannon and Wasserstein; PSI and L-infinity are one line each
and no library ships them.

All histogram measures take two aligned count (or share) vectors, baseline
first; zero shares are smoothed by `EPSILON` where a logarithm needs it.
"""
from typing import Sequence

import numpy as np
from scipy import spatial, stats

EPSILON = 1e-4


def _shares(counts: Sequence[float], smooth: bool) -> np.ndarray:
    values = np.asarray(counts, dtype=float)
    if values.sum() <= 0:
        raise ValueError("a distribution needs a positive total count")
    shares = values / values.sum()
    if smooth:
        shares = np.clip(shares, EPSILON, None)
        shares = shares / shares.sum()
    return shares


def psi(baseline: Sequence[float], current: Sequence[float]) -> float:
    """Population Stability Index: sum((q - p) * ln(q / p))."""
    p, q = _shares(baseline, True), _shares(current, True)
    return float(np.sum((q - p) * np.log(q / p)))


def kl_divergence(baseline: Sequence[float], current: Sequence[float]) -> float:
    """Kullback-Leibler divergence of the current distribution from the baseline, KL(q || p), in nats."""
    return float(stats.entropy(_shares(current, True), _shares(baseline, True)))


def js_divergence(baseline: Sequence[float], current: Sequence[float]) -> float:
    """Jensen-Shannon divergence, base 2 (0 = identical, 1 = disjoint), as TFDV reports it."""
    return float(spatial.distance.jensenshannon(_shares(baseline, False), _shares(current, False), base=2) ** 2)


def l_infinity(baseline: Sequence[float], current: Sequence[float]) -> float:
    """Largest difference in any one value's share, TFDV's categorical drift measure."""
    return float(np.max(np.abs(_shares(baseline, False) - _shares(current, False))))


def wasserstein(baseline_values: Sequence[float], current_values: Sequence[float],
                baseline_weights: Sequence[float] = None, current_weights: Sequence[float] = None,
                scale: float = 1.0) -> float:
    """Earth mover's distance between two samples, divided by `scale` (a spread of the baseline)."""
    distance = stats.wasserstein_distance(baseline_values, current_values, baseline_weights, current_weights)
    return float(distance / scale) if scale > 0 else float(distance)
