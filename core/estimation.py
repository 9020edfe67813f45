"""Performance without labels: confidence-based performance estimation (CBPE, as NannyML names it).

A classifier's probabilities, once calibrated, say how often it is right: a
row predicted with probability 0.9 is correct nine times in ten. Summed over a
batch they give the expected accuracy, and for two classes the expected
confusion counts at every threshold, hence an expected ROC AUC. The estimate
sees covariate shift (rows moving where the model is less sure), never concept
drift (the same rows meaning something else): only labels show that.

- `fit_calibrator` fits isotonic regression per class on the holdout (scikit-
  learn's), renormalised across classes, and keeps it only when it lowers the
  expected calibration error on held-out parts of the holdout.
- `EstimationSums` sums a batch's calibrated probabilities, block by block,
  into the expected accuracy of the model's predictions (the mean probability
  of each predicted class) with a band: the realized accuracy of n rows whose
  predictions are right with probabilities c_i is a sum of Bernoulli(c_i), so
  its standard deviation is sqrt(sum c_i (1 - c_i)) / n; with the holdout's
  own sampling error added (the calibration carries its holdout's accuracy),
  the band is `sigmas` of both; and into the expected ROC AUC (one-vs-rest, macro-averaged,
  for more than two classes).

Outputs are the serving signature's: [N, 1] (the positive class's
probability) or [N, classes].

A regression model's error is estimated in core/error_estimation.py.
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


def predicted_confidence(probabilities: np.ndarray, predicted: Optional[np.ndarray] = None) -> np.ndarray:
    """Each row's probability of the class the model predicted (its argmax unless `predicted` says otherwise:
    after calibration the argmax can move, but the prediction being judged is the model's own)."""
    probabilities = as_class_probabilities(probabilities)
    predicted = probabilities.argmax(axis=1) if predicted is None else np.asarray(predicted, dtype=int)
    return probabilities[np.arange(len(probabilities)), predicted]


def expected_calibration_error(probabilities, labels, predicted: Optional[np.ndarray] = None,
                               bins: int = ECE_BINS) -> float:
    """|accuracy - confidence| of the model's predictions per equal-width confidence bin, weighted by the bin's
    share of rows."""
    probabilities, labels = as_class_probabilities(probabilities), np.asarray(labels)
    predicted = probabilities.argmax(axis=1) if predicted is None else np.asarray(predicted, dtype=int)
    confidence = predicted_confidence(probabilities, predicted)
    correct = predicted == labels
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
    ece_before: Optional[float] = None    # the raw probabilities' ECE on held-out rows
    ece_after: Optional[float] = None     # the calibrated ones' (cross-validated); equal to before when not kept
    rows: int = 0                         # rows fitted and judged on: the holdout's ...
    out_of_fold_rows: int = 0             # ... of them training rows answered out of fold (models/gradient_boosted.py)

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

    def summary(self) -> dict:
        """What the model info and ML Metadata record of it."""
        return {"calibrated": self.kept, "ece_before": self.ece_before, "ece_after": self.ece_after,
                "rows": self.rows, "out_of_fold_rows": self.out_of_fold_rows}

    def to_dict(self) -> dict:
        return {"thresholds": self.thresholds, "values": self.values, **self.summary()}

    @classmethod
    def from_dict(cls, data: dict) -> "Calibrator":
        return cls(thresholds=data.get("thresholds") or [], values=data.get("values") or [],
                   ece_before=data.get("ece_before"), ece_after=data.get("ece_after"), rows=int(data.get("rows", 0)),
                   out_of_fold_rows=int(data.get("out_of_fold_rows", 0)))


MIN_CALIBRATION_ROWS = 100
CALIBRATION_SPLITS = 10


def _isotonic_maps(probabilities: np.ndarray, labels: np.ndarray) -> Calibrator:
    from sklearn.isotonic import IsotonicRegression
    fitted = Calibrator()
    for k in range(probabilities.shape[1]):
        regression = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        regression.fit(probabilities[:, k], (labels == k).astype(float))
        fitted.thresholds.append([float(x) for x in regression.X_thresholds_])
        fitted.values.append([float(y) for y in regression.y_thresholds_])
    return fitted


def fit_calibrator(outputs, labels, seed: int = 0) -> Calibrator:
    """Isotonic calibration per class on the holdout, kept only when it lowers the expected calibration error.

    As NannyML decides it: over repeated random splits of the holdout, the maps are fitted on one part and both
    raw and calibrated ECE measured on the other; the calibrator is kept when the calibrated error is lower on
    average, and is then fitted on the whole holdout. Fewer than MIN_CALIBRATION_ROWS rows: not calibrated."""
    from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
    probabilities, labels = as_class_probabilities(outputs), np.asarray(labels).astype(int).reshape(-1)
    rows = len(labels)
    if rows < MIN_CALIBRATION_ROWS:
        ece = round(expected_calibration_error(probabilities, labels), 6) if rows else None
        return Calibrator(ece_before=ece, ece_after=ece, rows=rows)
    predicted = probabilities.argmax(axis=1)
    stratified = np.bincount(labels).min(initial=rows) >= 2 and len(np.unique(labels)) > 1
    splitter = (StratifiedShuffleSplit if stratified else ShuffleSplit)(
        n_splits=CALIBRATION_SPLITS, test_size=0.3, random_state=seed)
    raw, calibrated = [], []
    for fit_rows, test_rows in splitter.split(probabilities, labels):
        maps = _isotonic_maps(probabilities[fit_rows], labels[fit_rows])
        test = probabilities[test_rows]
        raw.append(expected_calibration_error(test, labels[test_rows], predicted[test_rows]))
        calibrated.append(expected_calibration_error(maps.apply(test), labels[test_rows], predicted[test_rows]))
    before, after = round(float(np.mean(raw)), 6), round(float(np.mean(calibrated)), 6)
    if after >= before:
        return Calibrator(ece_before=before, ece_after=before, rows=rows)
    fitted = _isotonic_maps(probabilities, labels)
    fitted.ece_before, fitted.ece_after, fitted.rows = before, after, rows
    return fitted


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    rows: int


AUC_BINS = 1000


@dataclass
class EstimationSums:
    """What an estimate needs from a batch, summed one row (or one block of rows) at a time, so that any batch
    fits in memory and partial sums merge (a Beam CombineFn's accumulator).

    Per class k, a row at calibrated probability p_k adds p_k to the expected positives and 1 - p_k to the
    expected negatives of p_k's bin: the expected ROC curve of class k against the rest follows, as exact as
    the bins (within 1e-3)."""
    classes: int
    rows: int = 0
    confidence: float = 0.0        # sum of P(predicted class)
    variance: float = 0.0          # sum of c (1 - c): the realized accuracy's variance, times n squared
    positives: Optional[np.ndarray] = None   # [classes, AUC_BINS]
    negatives: Optional[np.ndarray] = None

    def __post_init__(self):
        if self.positives is None:
            self.positives = np.zeros((self.classes, AUC_BINS))
            self.negatives = np.zeros((self.classes, AUC_BINS))

    def add(self, calibrated, predicted: Optional[np.ndarray] = None) -> "EstimationSums":
        calibrated = as_class_probabilities(calibrated)
        if not len(calibrated):
            return self
        confidence = predicted_confidence(calibrated, predicted)
        self.rows += len(calibrated)
        self.confidence += float(confidence.sum())
        self.variance += float((confidence * (1.0 - confidence)).sum())
        which = np.minimum((calibrated * AUC_BINS).astype(int), AUC_BINS - 1)
        for k in range(self.classes):
            self.positives[k] += np.bincount(which[:, k], weights=calibrated[:, k], minlength=AUC_BINS)
            self.negatives[k] += np.bincount(which[:, k], weights=1.0 - calibrated[:, k], minlength=AUC_BINS)
        return self

    def merge(self, other: "EstimationSums") -> "EstimationSums":
        self.rows += other.rows
        self.confidence += other.confidence
        self.variance += other.variance
        self.positives += other.positives
        self.negatives += other.negatives
        return self

    def accuracy(self, sigmas: float = 3.0, reference_rows: int = 0) -> Estimate:
        """Expected accuracy, with a band of `sigmas` standard deviations (3: NannyML's default width).

        Two samples make the estimate uncertain: this batch's rows (the realized accuracy of n rows right with
        probabilities c_i varies by sqrt(sum c_i (1 - c_i)) / n), and the `reference_rows` the calibration was
        fitted on (isotonic calibration carries its holdout's accuracy, itself off by about
        sqrt(a (1 - a) / reference_rows)). Both variances add."""
        if not self.rows:
            raise ValueError("no rows to estimate on")
        value = self.confidence / self.rows
        variance = self.variance / self.rows ** 2
        if reference_rows:
            variance += value * (1.0 - value) / reference_rows
        spread = sigmas * float(np.sqrt(variance))
        return Estimate(value, max(0.0, value - spread), min(1.0, value + spread), self.rows)

    def _class_auc(self, k: int) -> Optional[float]:
        positives, negatives = self.positives[k], self.negatives[k]
        total_positive, total_negative = positives.sum(), negatives.sum()
        if total_positive <= 0 or total_negative <= 0:
            return None
        below = np.concatenate([[0.0], np.cumsum(negatives)[:-1]])
        return float((positives * (below + negatives / 2)).sum() / (total_positive * total_negative))

    def roc_auc(self) -> Optional[float]:
        """Expected ROC AUC: the second class's for two classes, the macro average one-vs-rest for more."""
        if self.classes == 2:
            return self._class_auc(1)
        areas = [area for area in (self._class_auc(k) for k in range(self.classes)) if area is not None]
        return float(np.mean(areas)) if areas else None

    def results(self, sigmas: float = 3.0, reference_rows: int = 0) -> dict:
        estimate = self.accuracy(sigmas, reference_rows)
        found = {"accuracy": round(estimate.value, 4), "accuracy_low": round(estimate.low, 4),
                 "accuracy_high": round(estimate.high, 4), "rows": self.rows}
        area = self.roc_auc()
        if area is not None:
            found["auc"] = round(area, 4)
        return found


def estimate_accuracy(probabilities, predicted: Optional[np.ndarray] = None, sigmas: float = 3.0,
                      reference_rows: int = 0) -> Estimate:
    """Expected accuracy of the model's predictions from calibrated probabilities ([N, classes] or [N, 1])."""
    probabilities = as_class_probabilities(probabilities)
    return EstimationSums(probabilities.shape[1]).add(probabilities, predicted).accuracy(sigmas, reference_rows)


def estimate_roc_auc(probabilities) -> Optional[float]:
    """Expected ROC AUC of calibrated probabilities (macro one-vs-rest for more than two classes)."""
    probabilities = as_class_probabilities(probabilities)
    return EstimationSums(probabilities.shape[1]).add(probabilities).roc_auc()
