"""The reference the policies benchmark measures adapt against: scikit-learn's HistGradientBoostingClassifier
(a regression use case: HistGradientBoostingRegressor, scored by MAE: `run_regression`).

Default settings, every taxi column but the label as a feature (numbers as
numbers, text as pandas categories). Two policies over the same quarters adapt
replays: `static` trains once on the first quarter; `periodic` retrains before
each quarter on the four quarters before it. Accuracy is measured on every row
of each quarter, as adapt's replay measures the serving model.

Two training sets are reported: the spans' train splits (the rows adapt trains
on; its 20 % test splits stay out) and whole quarters (the figure the issue
quotes).
"""
import time
from typing import Dict, List, Optional

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from core.data.spans import is_test_row, span_line

LABEL = "big_tipper"


def _frame(header: List[str], rows: List[List[str]], categories: Dict[str, pd.Index],
           label: str = LABEL) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=header).drop(columns=[label])
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        if column in categories:
            out[column] = pd.Categorical(frame[column], categories=categories[column])
        else:
            out[column] = pd.to_numeric(frame[column].replace("", np.nan), errors="coerce")
    return out


def _categories(header: List[str], quarters: Dict[str, List[List[str]]], label: str = LABEL) -> Dict[str, pd.Index]:
    frame = pd.DataFrame([row for rows in quarters.values() for row in rows], columns=header).drop(columns=[label])
    found = {}
    for column in frame.columns:
        numbers = pd.to_numeric(frame[column].replace("", np.nan), errors="coerce")
        if numbers.notna().sum() < (frame[column] != "").sum():
            found[column] = pd.Index(sorted(frame[column].unique()))
    return found


def train_split(rows: List[List[str]], test_fraction: float) -> List[List[str]]:
    """The rows a span of these rows trains on (the span writer's deterministic split)."""
    return [row for row in rows if not is_test_row(span_line(row), test_fraction)]


def run(header: List[str], quarters: Dict[str, List[List[str]]], window: int = 4,
        test_fraction: Optional[float] = 0.2, label_column: str = LABEL) -> Dict[str, Dict]:
    """{"static": {...}, "periodic": {...}}: per-quarter accuracy, mean, retrains and seconds (labels: integers)."""
    categories = _categories(header, quarters, label_column)
    names = list(quarters)
    label = header.index(label_column)

    def fit(quarter_names: List[str]):
        rows = [row for name in quarter_names for row in quarters[name]]
        if test_fraction is not None:
            rows = train_split(rows, test_fraction)
        model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
        return model.fit(_frame(header, rows, categories, label_column), [int(row[label]) for row in rows])

    def accuracy(model, quarter: str) -> float:
        rows = quarters[quarter]
        return float((model.predict(_frame(header, rows, categories, label_column))
                      == [int(r[label]) for r in rows]).mean())

    results = {}
    started = time.perf_counter()
    static = fit(names[:1])
    per_quarter = {q: accuracy(static, q) for q in names[1:]}
    results["static"] = {"accuracy": per_quarter, "retrains": 0, "seconds": time.perf_counter() - started}
    started = time.perf_counter()
    per_quarter = {}
    for index, quarter in enumerate(names[1:], start=1):
        per_quarter[quarter] = accuracy(fit(names[max(0, index - window):index]), quarter)
    results["periodic"] = {"accuracy": per_quarter, "retrains": len(per_quarter),
                           "seconds": time.perf_counter() - started}
    for result in results.values():
        result["mean"] = float(np.mean(list(result["accuracy"].values())))
    return results


def run_regression(header: List[str], batches: Dict[str, List[List[str]]], label: str, window: int = 4,
                   test_fraction: Optional[float] = 0.2) -> Dict[str, Dict]:
    """{"static": {...}, "periodic": {...}}: per-batch MAE of HistGradientBoostingRegressor (rows without a label
    neither train nor count), trained once on the first batch, or before each batch on the `window` before it."""
    categories = _categories(header, batches, label)
    names, at = list(batches), header.index(label)

    def labeled(rows: List[List[str]]) -> List[List[str]]:
        return [row for row in rows if row[at].strip()]

    def fit(batch_names: List[str]):
        rows = labeled([row for name in batch_names for row in batches[name]])
        if test_fraction is not None:
            rows = train_split(rows, test_fraction)
        model = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=0)
        return model.fit(_frame(header, rows, categories, label), [float(row[at]) for row in rows])

    def mae(model, batch: str) -> float:
        rows = labeled(batches[batch])
        return float(np.mean(np.abs(model.predict(_frame(header, rows, categories, label))
                                    - np.array([float(row[at]) for row in rows]))))

    results = {}
    started = time.perf_counter()
    static = fit(names[:1])
    results["static"] = {"mae": {b: mae(static, b) for b in names[1:]}, "retrains": 0,
                         "seconds": time.perf_counter() - started}
    started = time.perf_counter()
    per_batch = {b: mae(fit(names[max(0, i - window):i]), b) for i, b in enumerate(names[1:], start=1)}
    results["periodic"] = {"mae": per_batch, "retrains": len(per_batch), "seconds": time.perf_counter() - started}
    return results
