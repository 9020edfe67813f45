"""Performance of a regression model without labels: its mean absolute error, estimated.

A regression model has no probabilities; its error is estimated the way
NannyML's direct loss estimation (DLE) does it, by a small model of the
primary model's absolute error fitted on its holdout:

- `fit_error_model` learns the mean absolute (and squared) error as a function
  of the predicted value: the holdout's predictions cut at their quantiles,
  with as many bins as predict held-out rows' errors best (1 bin: the
  holdout's own MAE). NannyML's error model also reads the features; adapt's
  batch predictions carry only the predicted value, so this one sees a shift
  that moves predictions where the model errs more (large prices, rare
  extremes), never one that keeps them where they were.
- `ErrorSums` counts a batch's predictions per bin; the estimated MAE is the
  bins' errors weighted by those counts, with a band of the batch's own
  sampling error (the spread of absolute errors within each bin) and the
  holdout's (each bin's mean is itself estimated from its rows).
"""
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from core.estimation import CALIBRATION_SPLITS, MIN_CALIBRATION_ROWS, Estimate


ERROR_BINS = (1, 2, 4, 8, 16)   # candidate bin counts, chosen by held-out error
MIN_BIN_ROWS = 20


@dataclass
class ErrorModel:
    """The mean absolute and squared error of a regression model by predicted value: bins cut at `edges`."""
    edges: List[float] = field(default_factory=list)          # inner cut points, len = bins - 1
    absolute: List[float] = field(default_factory=list)       # per bin: mean |error| on the holdout
    squared: List[float] = field(default_factory=list)        # ... mean error squared
    spread: List[float] = field(default_factory=list)         # ... variance of |error|
    counts: List[int] = field(default_factory=list)           # ... holdout rows
    out_of_fold_rows: int = 0

    @property
    def rows(self) -> int:
        return int(sum(self.counts))

    def bin_of(self, predicted) -> np.ndarray:
        return np.searchsorted(np.asarray(self.edges, dtype=float), np.asarray(predicted, dtype=float).reshape(-1),
                               side="right")

    def predict(self, predicted) -> np.ndarray:
        """Each row's expected absolute error."""
        return np.asarray(self.absolute, dtype=float)[self.bin_of(predicted)]

    def variance(self, predicted) -> np.ndarray:
        """The variance of each row's absolute error around its expected value (its bin's spread)."""
        return np.asarray(self.spread, dtype=float)[self.bin_of(predicted)]

    def summary(self) -> dict:
        """What the model info records of it."""
        mae = float(np.dot(self.absolute, self.counts) / self.rows) if self.rows else None
        return {"bins": len(self.counts), "rows": self.rows, "holdout_mae": None if mae is None else round(mae, 6),
                "out_of_fold_rows": self.out_of_fold_rows}

    def to_dict(self) -> dict:
        return {"error_model": True, "edges": self.edges, "absolute": self.absolute, "squared": self.squared,
                "spread": self.spread, "counts": self.counts, "out_of_fold_rows": self.out_of_fold_rows}

    @classmethod
    def from_dict(cls, data: dict) -> "ErrorModel":
        return cls(**{name: data.get(name) or [] for name in ("edges", "absolute", "squared", "spread", "counts")},
                   out_of_fold_rows=int(data.get("out_of_fold_rows") or 0))


def _binned(predicted: np.ndarray, errors: np.ndarray, bins: int) -> ErrorModel:
    edges = np.unique(np.quantile(predicted, np.arange(1, bins) / bins)) if bins > 1 else np.zeros(0)
    model = ErrorModel(edges=[float(e) for e in edges])
    which = model.bin_of(predicted)
    overall = np.abs(errors)
    for b in range(len(edges) + 1):
        rows = errors[which == b]
        if not len(rows):   # quantile cuts leave no bin empty on the rows they came from; kept for safety
            rows = errors
        model.absolute.append(float(np.abs(rows).mean()))
        model.squared.append(float((rows ** 2).mean()))
        model.spread.append(float(np.abs(rows).var()) if len(rows) > 1 else float(overall.var()))
        model.counts.append(int((which == b).sum()))
    return model


def fit_error_model(predicted, labels, seed: int = 0) -> ErrorModel:
    """The error model of a regression model's holdout predictions (DLE, on the predicted value alone).

    The number of bins is the candidate in ERROR_BINS (each bin of at least MIN_BIN_ROWS rows) whose bins,
    fitted on part of the holdout, best predict the absolute errors of the rest (squared error, averaged over
    CALIBRATION_SPLITS random splits); then the bins are fitted on the whole holdout."""
    from sklearn.model_selection import ShuffleSplit
    predicted = np.asarray(predicted, dtype=float).reshape(-1)
    errors = predicted - np.asarray(labels, dtype=float).reshape(-1)
    keep = np.isfinite(predicted) & np.isfinite(errors)
    predicted, errors = predicted[keep], errors[keep]
    if not len(errors):
        return ErrorModel()
    candidates = [b for b in ERROR_BINS if b == 1 or len(errors) * 0.7 >= b * MIN_BIN_ROWS]
    if len(candidates) == 1 or len(errors) < MIN_CALIBRATION_ROWS:
        return _binned(predicted, errors, 1)
    losses = {b: [] for b in candidates}
    for fit_rows, test_rows in ShuffleSplit(n_splits=CALIBRATION_SPLITS, test_size=0.3,
                                            random_state=seed).split(predicted):
        for b in candidates:
            model = _binned(predicted[fit_rows], errors[fit_rows], b)
            losses[b].append(float(((model.predict(predicted[test_rows]) - np.abs(errors[test_rows])) ** 2).mean()))
    best = min(candidates, key=lambda b: (np.mean(losses[b]), b))
    return _binned(predicted, errors, best)


@dataclass
class ErrorSums:
    """A batch's predictions counted per bin of the error model: merges like `EstimationSums`."""
    bins: int
    counts: Optional[np.ndarray] = None

    def __post_init__(self):
        if self.counts is None:
            self.counts = np.zeros(self.bins)

    @property
    def rows(self) -> int:
        return int(self.counts.sum())

    def add(self, model: ErrorModel, predicted) -> "ErrorSums":
        predicted = np.asarray(predicted, dtype=float).reshape(-1)
        predicted = predicted[np.isfinite(predicted)]
        self.counts += np.bincount(model.bin_of(predicted), minlength=self.bins)[:self.bins]
        return self

    def merge(self, other: "ErrorSums") -> "ErrorSums":
        self.counts += other.counts
        return self

    def mae(self, model: ErrorModel, sigmas: float = 3.0) -> Estimate:
        """Expected MAE, with a band of `sigmas` standard deviations of the batch's sampling error (each row's
        |error| varies by its bin's spread) and the holdout's (each bin's mean |error| is off by its spread over
        the bin's holdout rows)."""
        n = self.rows
        if not n:
            raise ValueError("no rows to estimate on")
        absolute, spread = np.asarray(model.absolute), np.asarray(model.spread)
        holdout = np.maximum(np.asarray(model.counts, dtype=float), 1.0)
        value = float(np.dot(self.counts, absolute) / n)
        variance = float(np.dot(self.counts, spread) / n ** 2 + np.dot((self.counts / n) ** 2, spread / holdout))
        band = sigmas * float(np.sqrt(variance))
        return Estimate(value, max(0.0, value - band), value + band, n)

    def results(self, model: ErrorModel, sigmas: float = 3.0) -> dict:
        estimate = self.mae(model, sigmas)
        rmse = float(np.sqrt(np.dot(self.counts, model.squared) / self.rows))
        return {"mae": round(estimate.value, 6), "mae_low": round(estimate.low, 6),
                "mae_high": round(estimate.high, 6), "rmse": round(rmse, 6), "rows": self.rows}


def estimate_mae(model: ErrorModel, predicted, sigmas: float = 3.0) -> Estimate:
    """Expected MAE of a regression model's predictions on a batch, from its error model."""
    return ErrorSums(len(model.counts)).add(model, predicted).mae(model, sigmas)
