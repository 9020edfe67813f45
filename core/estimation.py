"""Performance without labels: confidence-based performance estimation (CBPE, as NannyML names it).

A classifier's probabilities, once calibrated, say how often it is right: a
row predicted with probability 0.9 is correct nine times in ten. Summed over a
batch they give the expected accuracy, and for two classes the expected
confusion counts at every threshold, hence an expected ROC AUC. The estimate
sees covariate shift (rows moving where the model is less sure), never concept
drift (the same rows meaning something else): only labels show that.

- `fit_calibrator` fits isotonic regression per class on the holdout (scikit-
  learn's), renormalised across classes, and keeps it only when it lowers the
  holdout's expected calibration error.
- `estimate` gives the expected accuracy with a band: the realized accuracy of
  n rows whose calibrated probabilities are p_i is a sum of Bernoulli(p_i), so
  its standard deviation is sqrt(sum p_i (1 - p_i)) / n; the band is
  `sigmas` of it (3, NannyML's default width).

Outputs are the serving signature's: [N, 1] (the positive class's
probability) or [N, classes].
"""
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

ECE_BINS = 10


def as_class_probabilities(outputs) -> np.ndarray:
    """[N, classes] probabilities from the serving outputs ([N, 1] or [N] is the positive class of two)."""
    outputs = np.asarray(outputs, dtype=float)
    if outputs.ndim == 1 or outputs.shape[1] == 1:
        positive = np.clip(outputs.reshape(-1), 0.0, 1.0)
        return np.column_stack([1.0 - positive, positive])
    return outputs


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> float:
    """The rows' |accuracy - confidence| per equal-width confidence bin, weighted by the bin's share of rows."""
    probabilities, labels = as_class_probabilities(probabilities), np.asarray(labels)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        rows = which == b
        if rows.any():
            error += rows.mean() * abs(correct[rows].mean() - confidence[rows].mean())
    return float(error)


@dataclass
class Calibrator:
    """Per-class isotonic maps from a raw probability to a calibrated one (identity when not kept)."""
    thresholds: List[List[float]] = field(default_factory=list)   # per class: the map's x points
    values: List[List[float]] = field(default_factory=list)       # ... and its y points
    ece_before: Optional[float] = None
    ece_after: Optional[float] = None

    @property
    def kept(self) -> bool:
        return bool(self.thresholds)

    def apply(self, outputs) -> np.ndarray:
        probabilities = as_class_probabilities(outputs)
        if not self.kept:
            return probabilities
        calibrated = np.column_stack([np.interp(probabilities[:, k], self.thresholds[k], self.values[k])
                                      for k in range(probabilities.shape[1])])
        total = calibrated.sum(axis=1, keepdims=True)
        uniform = np.full_like(calibrated, 1.0 / calibrated.shape[1])
        return np.where(total > 0, calibrated / np.where(total > 0, total, 1.0), uniform)

    def to_dict(self) -> dict:
        return {"thresholds": self.thresholds, "values": self.values, "ece_before": self.ece_before,
                "ece_after": self.ece_after}

    @classmethod
    def from_dict(cls, data: dict) -> "Calibrator":
        return cls(**data)


def fit_calibrator(outputs, labels) -> Calibrator:
    """Isotonic calibration per class on the holdout, kept only when it lowers the expected calibration error."""
    from sklearn.isotonic import IsotonicRegression
    probabilities, labels = as_class_probabilities(outputs), np.asarray(labels)
    fitted = Calibrator(ece_before=round(expected_calibration_error(probabilities, labels), 6))
    for k in range(probabilities.shape[1]):
        regression = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        regression.fit(probabilities[:, k], (labels == k).astype(float))
        fitted.thresholds.append([float(x) for x in regression.X_thresholds_])
        fitted.values.append([float(y) for y in regression.y_thresholds_])
    fitted.ece_after = round(expected_calibration_error(fitted.apply(probabilities), labels), 6)
    if fitted.ece_after >= fitted.ece_before:
        return Calibrator(ece_before=fitted.ece_before, ece_after=fitted.ece_before)
    return fitted


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    rows: int


def estimate_accuracy(probabilities: np.ndarray, sigmas: float = 3.0) -> Estimate:
    """Expected accuracy of calibrated [N, classes] probabilities, with a band of `sigmas` standard deviations."""
    confidence = as_class_probabilities(probabilities).max(axis=1)
    n = len(confidence)
    if n == 0:
        raise ValueError("no rows to estimate on")
    value = float(confidence.mean())
    spread = sigmas * float(np.sqrt(np.sum(confidence * (1.0 - confidence)))) / n
    return Estimate(value, max(0.0, value - spread), min(1.0, value + spread), n)


def estimate_roc_auc(probabilities: np.ndarray) -> Optional[float]:
    """Expected ROC AUC of calibrated two-class probabilities: the expected true and false positive rates at every
    threshold (a row at p counts p of a positive and 1 - p of a negative), integrated. None for more classes."""
    probabilities = as_class_probabilities(probabilities)
    if probabilities.shape[1] != 2:
        return None
    positive = np.sort(probabilities[:, 1])[::-1]
    expected_positives, expected_negatives = positive.sum(), (1.0 - positive).sum()
    if expected_positives <= 0 or expected_negatives <= 0:
        return None
    tpr = np.concatenate([[0.0], np.cumsum(positive) / expected_positives])
    fpr = np.concatenate([[0.0], np.cumsum(1.0 - positive) / expected_negatives])
    return float(np.trapz(tpr, fpr))
