"""Classification metrics accumulated one prediction at a time, so a batch of any size fits in memory.

`Metrics` is the accumulator of a Beam CombineFn (`MetricsCombine`): counts of
(label, prediction) pairs, the log loss sum and, for two classes, histograms
of P(second class) per label, from which AUC follows (as TFMA computes it,
with fixed thresholds: within 1e-3 of the exact value). Precision and recall
are the second class's for two classes, the macro average over classes
otherwise. A label outside the model's classes counts as a wrong prediction.

`RegressionMetrics` is the accumulator for a regression model (no classes):
sums of the errors, their squares and the label's moments, from which MAE,
RMSE and R² follow; a label that is not a number is not counted.

`EstimationCombine` folds every prediction, labeled or not, into the sums of
confidence-based performance estimation (core/estimation.py), after the
model's calibration maps; `ErrorEstimationCombine` counts a regression model's
predictions per bin of its error model (direct loss estimation).
"""
import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import apache_beam as beam
import numpy as np

from core.error_estimation import ErrorModel, ErrorSums
from core.estimation import Calibrator, EstimationSums

BINS = 10_000
METRICS = ("accuracy", "auc", "precision", "recall", "log_loss")


@dataclass
class Metrics:
    classes: List[str]
    pairs: Dict[tuple, int] = field(default_factory=dict)          # (label, prediction) -> count
    histograms: Dict[bool, List[int]] = field(default_factory=dict)  # is positive -> counts per score bin
    log_loss_sum: float = 0.0
    count: int = 0

    def add(self, label: str, prediction: str, probabilities: Sequence[float]) -> None:
        self.count += 1
        self.pairs[(label, prediction)] = self.pairs.get((label, prediction), 0) + 1
        index = self.classes.index(label) if label in self.classes else None
        probability = probabilities[index] if index is not None and index < len(probabilities) else 0.0
        self.log_loss_sum -= math.log(min(max(probability, 1e-15), 1 - 1e-15))
        if len(self.classes) == 2:
            positive = label == self.classes[1]
            bins = self.histograms.setdefault(positive, [0] * BINS)
            bins[min(int(probabilities[1] * BINS), BINS - 1)] += 1

    def merge(self, other: "Metrics") -> "Metrics":
        for pair, count in other.pairs.items():
            self.pairs[pair] = self.pairs.get(pair, 0) + count
        for positive, bins in other.histograms.items():
            mine = self.histograms.setdefault(positive, [0] * BINS)
            for index, count in enumerate(bins):
                mine[index] += count
        self.log_loss_sum += other.log_loss_sum
        self.count += other.count
        return self

    # -- results ---------------------------------------------------------------
    def accuracy(self) -> float:
        return sum(count for (label, predicted), count in self.pairs.items() if label == predicted) / self.count

    def _precision_recall(self, name: str) -> tuple:
        true_positive = self.pairs.get((name, name), 0)
        predicted = sum(count for (_, p), count in self.pairs.items() if p == name)
        actual = sum(count for (label, _), count in self.pairs.items() if label == name)
        return (true_positive / predicted if predicted else 0.0), (true_positive / actual if actual else 0.0)

    def precision_recall(self) -> tuple:
        if len(self.classes) == 2:
            return self._precision_recall(self.classes[1])
        pairs = [self._precision_recall(name) for name in self.classes]
        return sum(p for p, _ in pairs) / len(pairs), sum(r for _, r in pairs) / len(pairs)

    def auc(self) -> Optional[float]:
        """Area under the ROC curve for two classes (None when either class is absent, or for more classes)."""
        positives, negatives = self.histograms.get(True), self.histograms.get(False)
        if len(self.classes) != 2 or not positives or not negatives:
            return None
        total_positive, total_negative = sum(positives), sum(negatives)
        area, negatives_below = 0.0, 0
        for bin_positive, bin_negative in zip(positives, negatives):
            # positives in this bin beat every negative below it, and half of those tied in the bin
            area += bin_positive * (negatives_below + bin_negative / 2)
            negatives_below += bin_negative
        return area / (total_positive * total_negative)

    def spreads(self) -> Dict[str, float]:
        return {}   # a share of right answers: its spread follows from the share itself

    def results(self, names: Sequence[str]) -> Dict[str, float]:
        if not self.count:
            return {}
        precision, recall = self.precision_recall()
        values = {"accuracy": self.accuracy(), "auc": self.auc(), "precision": precision, "recall": recall,
                  "log_loss": self.log_loss_sum / self.count}
        return {name: round(float(values[name]), 4) for name in names
                if values.get(name) is not None and math.isfinite(values[name])}


@dataclass
class RegressionMetrics:
    count: int = 0
    absolute_sum: float = 0.0
    squared_sum: float = 0.0
    label_sum: float = 0.0
    label_squared_sum: float = 0.0
    quartic_sum: float = 0.0   # of the errors: the spread of the squared errors, which RMSE's test needs

    def add(self, label, prediction: float) -> None:
        try:
            value = float(label)
        except (TypeError, ValueError):
            return
        if not math.isfinite(value):
            return
        error = float(prediction) - value
        self.count += 1
        self.absolute_sum += abs(error)
        self.squared_sum += error * error
        self.quartic_sum += error ** 4
        self.label_sum += value
        self.label_squared_sum += value * value

    def merge(self, other: "RegressionMetrics") -> "RegressionMetrics":
        for name in SUMS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def spreads(self) -> Dict[str, float]:
        """The per-row standard deviation behind each mean error: of |e| for MAE, of e² for RMSE."""
        if self.count < 2:
            return {}
        mean_abs, mean_sq = self.absolute_sum / self.count, self.squared_sum / self.count
        return {"mae": math.sqrt(max(mean_sq - mean_abs ** 2, 0.0)),
                "rmse": math.sqrt(max(self.quartic_sum / self.count - mean_sq ** 2, 0.0))}

    def results(self, names: Sequence[str]) -> Dict[str, float]:
        if not self.count:
            return {}
        total = self.label_squared_sum - self.label_sum ** 2 / self.count   # the label's sum of squares around its mean
        values = {"mae": self.absolute_sum / self.count, "rmse": math.sqrt(self.squared_sum / self.count),
                  "r2": 1.0 - self.squared_sum / total if total > 0 else None}
        return {name: round(float(values[name]), 4) for name in names if values.get(name) is not None}

    def to_dict(self) -> Dict[str, float]:
        return {"task": "regression", **{name: getattr(self, name) for name in SUMS}}


SUMS = ("count", "absolute_sum", "squared_sum", "label_sum", "label_squared_sum", "quartic_sum")


class MergingCombine(beam.CombineFn):
    """A CombineFn whose accumulator merges another into itself (`merge`) and is its own output."""

    def merge_accumulators(self, accumulators):
        accumulators = iter(accumulators)
        first = next(accumulators)
        for other in accumulators:
            first.merge(other)
        return first

    def extract_output(self, accumulator):
        return accumulator


class MetricsCombine(MergingCombine):
    """Combines labeled predictions ({label, prediction, probabilities}) into one `Metrics` (no classes: one
    `RegressionMetrics`)."""

    def __init__(self, classes: List[str]):
        self.classes = classes

    def create_accumulator(self):
        return Metrics(list(self.classes)) if self.classes else RegressionMetrics()

    def add_input(self, accumulator, prediction: dict):
        if isinstance(accumulator, RegressionMetrics):
            accumulator.add(prediction["label"], prediction["prediction"])
        else:
            accumulator.add(prediction["label"], prediction["prediction"], prediction["probabilities"])
        return accumulator


class _BlockCombine(beam.CombineFn):
    """Folds predictions into sums a block of up to BLOCK at a time (the accumulator: [sums, pending values]):
    one array operation per block, not per row."""

    BLOCK = 2048

    def _sums(self):
        raise NotImplementedError

    def _value(self, prediction: dict):
        """What a prediction adds, or None when it adds nothing."""
        raise NotImplementedError

    def _add_block(self, sums, pending: list) -> None:
        raise NotImplementedError

    def _flush(self, accumulator):
        sums, pending = accumulator
        if pending:
            self._add_block(sums, pending)
            pending.clear()
        return accumulator

    def create_accumulator(self):
        return [self._sums(), []]

    def add_input(self, accumulator, prediction: dict):
        value = self._value(prediction)
        if value is not None:
            accumulator[1].append(value)
            if len(accumulator[1]) >= self.BLOCK:
                self._flush(accumulator)
        return accumulator

    def merge_accumulators(self, accumulators):
        accumulators = iter(accumulators)
        first = self._flush(next(accumulators))
        for other in accumulators:
            first[0].merge(self._flush(other)[0])
        return first

    def extract_output(self, accumulator):
        return self._flush(accumulator)[0]


class EstimationCombine(_BlockCombine):
    """Combines predictions ({probabilities}) into `EstimationSums` of their calibrated probabilities."""

    def __init__(self, classes: List[str], calibration: Optional[dict]):
        self.classes = classes
        self.calibration = calibration

    def _calibrator(self) -> Calibrator:
        if getattr(self, "_maps", None) is None:
            self._maps = Calibrator.from_dict(self.calibration or {})
        return self._maps

    def _sums(self) -> EstimationSums:
        return EstimationSums(len(self.classes))

    def _value(self, prediction: dict):
        probabilities = prediction["probabilities"]
        return probabilities if len(probabilities) == len(self.classes) else None

    def _add_block(self, sums: EstimationSums, pending: list) -> None:
        raw = np.asarray(pending, dtype=float)
        sums.add(self._calibrator().apply(raw), predicted=raw.argmax(axis=1))


class ErrorEstimationCombine(_BlockCombine):
    """Combines a regression model's predictions ({prediction}) into `ErrorSums` over its error model's bins."""

    def __init__(self, error_model: dict):
        self.error_model = error_model

    def _model(self) -> ErrorModel:
        if getattr(self, "_fitted", None) is None:
            self._fitted = ErrorModel.from_dict(self.error_model)
        return self._fitted

    def _sums(self) -> ErrorSums:
        return ErrorSums(len(self._model().counts))

    def _value(self, prediction: dict):
        return prediction["prediction"]

    def _add_block(self, sums: ErrorSums, pending: list) -> None:
        sums.add(self._model(), pending)
