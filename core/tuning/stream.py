"""A user's batch folders in memory, as the pipeline would see them: typed columns, labels, each row's split, and
the feature distributions the drift rule compares.

Rows are read as `adapt replay` reads a batch (core/data/batch: inline labels or a labels file, unlabeled rows
left out); a row's split is the one its span would give it (core/data/spans.py: `is_test_row`). Column roles are
the workspace's `model.features`, or, without them, what `adapt init` would decide from the first batch.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from core.data.batch import Batch, label_text
from core.data.missing import blank_missing
from core.data.profile import MAX_CATEGORICAL_INTEGERS, label_task, profile_columns
from core.data.spans import is_test_row, span_line
from core.errors import UsageError


@dataclass(frozen=True)
class StreamBatch:
    name: str
    features: pd.DataFrame   # every column but the label, typed as TFDV reads CSV text
    labels: np.ndarray       # class names as text, or numbers for a regression label
    test: np.ndarray         # True for the rows a span would put in its test split

    @property
    def rows(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class Stream:
    batches: Tuple[StreamBatch, ...]
    label: str
    regression: bool
    model_features: Tuple[str, ...]     # the columns the model trains on (every role but `ignore`)
    categorical: Tuple[str, ...]        # of those, the ones it splits as categories
    counted_integers: Tuple[str, ...]   # integer columns the drift statistics describe by value counts
    drift_exclude: Tuple[str, ...] = ()
    _distributions: Dict[Tuple[int, str], Dict[str, object]] = field(default_factory=dict, compare=False,
                                                                     repr=False)

    @property
    def metric(self) -> str:
        return "mae" if self.regression else "accuracy"

    @property
    def names(self) -> Tuple[str, ...]:
        return tuple(batch.name for batch in self.batches)

    def distributions(self, index: int, part: str) -> Dict[str, object]:
        """The drift rule's distributions of one batch: `all` its rows (what DriftDetector measures), `train` its
        train split (what StatisticsGen measures of a span). Computed once."""
        key = (index, part)
        if key not in self._distributions:
            batch = self.batches[index]
            frame = batch.features if part == "all" else batch.features[~batch.test]
            self._distributions[key] = frame_distributions(frame, self.counted_integers)
        return self._distributions[key]


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns typed as TFDV reads CSV text: integers, floats (empty cells missing), or strings."""
    columns = {}
    for column in frame.columns:
        cells = frame[column].replace("", np.nan)
        numbers = pd.to_numeric(cells, errors="coerce")
        if numbers.notna().sum() == cells.notna().sum():
            whole = numbers.dropna()
            columns[column] = numbers.astype("Int64") if len(whole) and (whole == whole.round()).all() else numbers
        else:
            columns[column] = cells
    return pd.DataFrame(columns)


def for_tfdv(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable integers as TFDV's DataFrame reader takes them: object columns of ints and None."""
    columns = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_integer_dtype(values) and values.isna().any():
            columns[column] = pd.Series([None if pd.isna(v) else int(v) for v in values], dtype=object)
        elif pd.api.types.is_integer_dtype(values):
            columns[column] = values.astype("int64")
        else:
            columns[column] = values
    return pd.DataFrame(columns)


def frame_distributions(frame: pd.DataFrame, counted_integers: Sequence[str]) -> Dict[str, object]:
    """The feature distributions the drift rule compares, from TFDV statistics computed with adapt's options."""
    import tensorflow_data_validation as tfdv

    from core.drift import comparison, statistics
    integers = [c for c in counted_integers if c in frame and pd.api.types.is_integer_dtype(frame[c])]
    # a split's rows keep their batch's index: without a fresh one TFDV describes it as a feature, __index_level_0__
    stats = tfdv.generate_statistics_from_dataframe(for_tfdv(frame.reset_index(drop=True)),
                                                    statistics.stats_options(integers))
    return comparison.merged_features([stats])


def read_stream(folders: Sequence[Path], label: str, *, task: str = "", roles: Optional[Mapping[str, str]] = None,
                test_fraction: float = 0.2, labels_file: str = "labels.csv", drift_exclude: Sequence[str] = (),
                discrete_values: int = MAX_CATEGORICAL_INTEGERS) -> Stream:
    """The batches in folder order. `task` empty: decided from the first batch's label as `adapt init` does."""
    tables = [_read_batch(Path(folder), label, labels_file, test_fraction) for folder in folders]
    header, first_rows = tables[0][1], tables[0][2]
    if not task:
        task = label_task(label, [row[header.index(label)] for row in first_rows]).task
    if not roles:
        roles = {p.name: p.role for p in profile_columns(header, first_rows, label)}
    regression = task == "regression"
    batches = []
    for name, columns, rows, test in tables:
        frame = typed(pd.DataFrame(rows, columns=columns, dtype=object))
        labels = frame.pop(label)
        labels = labels.astype(float).to_numpy() if regression else np.array([label_text(v) for v in labels])
        batches.append(StreamBatch(name, frame.reset_index(drop=True), labels, test))
    first = batches[0].features
    model_features = tuple(c for c in first.columns if roles.get(c, "numeric") != "ignore")
    categorical = tuple(c for c in model_features if roles.get(c) == "categorical")
    counted = tuple(c for c in first.columns if pd.api.types.is_integer_dtype(first[c])
                    and first[c].nunique() <= discrete_values)
    return Stream(tuple(batches), label, regression, model_features, categorical, counted, tuple(drift_exclude))


def _read_batch(folder: Path, label: str, labels_file: str, test_fraction: float):
    batch = Batch(str(folder), label=label, labels_file=labels_file)
    if batch.format == "files":
        raise UsageError(f"batch {folder.name}: images; adapt tune simulates tables (CSV or TFRecord batches)")
    header, rows = batch.labeled_rows()
    kept = list(rows)
    if not kept:
        raise UsageError(f"batch {folder.name}: no labeled rows; adapt tune scores every batch by its labels")
    test = np.array([is_test_row(span_line(row), test_fraction) for row in kept], dtype=bool)
    return folder.name, header, [blank_missing(row) for row in kept], test
