"""What each column of a first batch is, decided from its values: the roles `adapt init` writes to adapt.yaml.

Roles (`model.features` in adapt.yaml, one line per column; edit them freely):

- ``numeric``      a number, z-scored;
- ``bucketized``   a number with a long tail, cut into quantile buckets;
- ``categorical``  a string, or an integer code (few values that fill their range, each seen
                   more than once), through a vocabulary;
- ``ignore``       left out of the model: constant, unique per row (an id), timestamp-like, or
                   free text with too many values to be a category.

The label is profiled too (`label_task`): a number with more than
MAX_CATEGORICAL_INTEGERS distinct values is a regression target; otherwise its classes are
0/1, true/false, or a small set of strings or integers (multi-class). Pure Python, no TensorFlow: `adapt init` prints the table
before any pipeline runs.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence

from core.data.missing import is_missing
from core.errors import UsageError

ROLES = ("numeric", "bucketized", "categorical", "ignore")
MAX_CATEGORICAL_INTEGERS = 20     # an integer column with at most this many values is a code
MAX_CATEGORIES_SHARE = 0.5        # a string column whose distinct values exceed this share of rows is text
MAX_CODE_GAPS = 2.0               # a code's values fill at least half of the range between its least and most
MAX_UNSEEN_SHARE = 0.05           # Good-Turing: the share of rows whose value was seen once estimates how often
#                                   a later row holds a value the first batch never showed
MAX_CLASSES = 50                  # a label with more values is not a classification label
LONG_TAIL_SKEW = 3.0              # |skewness| above this: bucketize instead of z-scoring
EPOCH_SECONDS = (9.0e8, 2.2e9)    # 1998..2039 as Unix seconds
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_TIME_WORDS = re.compile(r"(^|_)(timestamp|time|date|datetime)(_|$)")
_BOOLEANS = {"true", "false", "yes", "no", "t", "f", "y", "n"}


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    kind: str            # int | float | string (what TFDV infers from CSV text)
    role: str
    why: str
    missing: int
    distinct: int


def _kind(values: Sequence[str]) -> str:
    for kind, parse in (("int", int), ("float", float)):
        try:
            for value in values:
                parse(value)
            return kind
        except ValueError:
            continue
    return "string"


def _skewness(numbers: List[float]) -> float:
    """The sample skewness of the finite numbers, computed on them scaled to at most 1 in size (skewness does
    not depend on the scale, and cubes of values near 1e103 overflow)."""
    finite = [x for x in numbers if math.isfinite(x)]
    scale = max((abs(x) for x in finite), default=0.0)
    if len(finite) < 2 or scale == 0:
        return 0.0
    scaled = [x / scale for x in finite]
    count = len(scaled)
    mean = sum(scaled) / count
    variance = sum((x - mean) ** 2 for x in scaled) / count
    if variance == 0:
        return 0.0
    return sum((x - mean) ** 3 for x in scaled) / count / variance ** 1.5


def _timestamp_like(name: str, kind: str, values: Sequence[str], distinct: int) -> bool:
    if kind == "string":
        return all(_DATE.match(value) for value in values[:200])
    if kind == "int" and distinct > 0.5 * len(values):
        low, high = EPOCH_SECONDS
        in_range = all(low <= float(value) <= high for value in values[:200])
        return in_range or bool(_TIME_WORDS.search(name.lower()))
    return False


def _counts(numbers: Sequence[int]) -> dict:
    counts: dict = {}
    for number in numbers:
        counts[number] = counts.get(number, 0) + 1
    return counts


def profile_column(name: str, cells: Sequence[str]) -> ColumnProfile:
    values = [cell for cell in cells if not is_missing(cell)]
    missing = len(cells) - len(values)
    distinct = len(set(values))
    kind = _kind(values) if values else "string"

    def role(chosen: str, why: str) -> ColumnProfile:
        return ColumnProfile(name, kind, chosen, why, missing, distinct)

    if distinct <= 1:
        return role("ignore", "constant" if values else "always empty")
    if _timestamp_like(name, kind, values, distinct):
        return role("ignore", "timestamp-like: its values never come back")
    if kind in ("int", "string") and distinct == len(values) and len(values) >= 20:
        return role("ignore", "unique per row, like an id")
    if kind == "string":
        if distinct > MAX_CATEGORIES_SHARE * len(values) and distinct > MAX_CATEGORICAL_INTEGERS:
            return role("ignore", f"{distinct} distinct texts in {len(values)} rows: too many for a category")
        return role("categorical", f"{distinct} distinct values")
    if kind == "int" and distinct <= MAX_CATEGORICAL_INTEGERS:
        numbers = [int(value) for value in values]
        span = max(numbers) - min(numbers) + 1
        seen_once = sum(1 for count in _counts(numbers).values() if count == 1)
        if span > MAX_CODE_GAPS * distinct:
            return role("numeric", f"int, {distinct} values spread over {min(numbers)}..{max(numbers)}: a quantity, "
                                   "not a code; z-scored")
        if seen_once > MAX_UNSEEN_SHARE * len(values):
            return role("numeric", f"int, {distinct} values, {seen_once} of them seen once: later batches will "
                                   "hold others; z-scored")
        return role("categorical", f"integer code with {distinct} values")
    skew = _skewness([float(value) for value in values])
    if abs(skew) > LONG_TAIL_SKEW:
        return role("bucketized", f"long tail (skewness {skew:.1f}): quantile buckets")
    return role("numeric", f"{kind}, {distinct} distinct values: z-scored")


def profile_columns(header: Sequence[str], rows: Sequence[Sequence[str]], label: str) -> List[ColumnProfile]:
    """A profile for every column but the label, in header order."""
    return [profile_column(name, [row[index] for row in rows])
            for index, name in enumerate(header) if name != label]


def label_classes(label: str, cells: Sequence[str]) -> List[str]:
    """The label's classes in a fixed order; for two classes the second is the positive one.

    0/1 and other integers sort numerically, true/false and yes/no put the true
    value second, other strings sort alphabetically. A label with empty cells,
    one value only, or more than MAX_CLASSES values is refused.
    """
    values = [cell.strip() for cell in cells]
    empty = sum(1 for value in values if is_missing(value))
    if empty:
        raise UsageError(f"label {label!r} is empty in {empty} of {len(values)} rows; the first batch needs "
                         f"a label on every row")
    distinct = sorted(set(values))
    if len(distinct) < 2:
        raise UsageError(f"label {label!r} has a single value ({distinct[0]!r}); a classifier needs two or more")
    if len(distinct) > MAX_CLASSES:
        raise UsageError(f"label {label!r} has {len(distinct)} distinct values; adapt's tabular model "
                         f"classifies into at most {MAX_CLASSES} classes (a number: --task regression)")
    if _kind(distinct) == "int":
        return [str(v) for v in sorted(int(v) for v in distinct)]
    if len(distinct) == 2 and {v.lower() for v in distinct} <= _BOOLEANS:
        return sorted(distinct, key=lambda v: v.lower() in ("true", "yes", "t", "y"))
    return distinct


@dataclass(frozen=True)
class LabelProfile:
    task: str                  # classification | regression
    why: str
    classes: List[str]         # empty for regression
    skipped: int = 0           # rows without a label (regression: left out of the span)


def label_task(label: str, cells: Sequence[str], task: str = "") -> LabelProfile:
    """Classification or regression for the first batch's label, and why; `task` (--task) overrides the choice.

    A number with more than MAX_CATEGORICAL_INTEGERS distinct values is a regression target (prices, durations,
    counts); fewer values, or text, are classes. A regression label may be empty in some rows: those rows are
    not trained on, and counted.
    """
    values = [cell.strip() for cell in cells]
    present = [value for value in values if not is_missing(value)]
    numeric = bool(present) and _kind(present) in ("int", "float")
    distinct = len(set(present))
    if not task:
        task = "regression" if numeric and distinct > MAX_CATEGORICAL_INTEGERS else "classification"
        why = (f"a number with {distinct} distinct values" if task == "regression" else "")
    else:
        why = "--task " + task
    if task == "regression":
        if not numeric:
            raise UsageError(f"label {label!r} is not a number in every row, so it cannot be a regression target "
                             f"(--task classification, or another --label)")
        if distinct < 2:
            raise UsageError(f"label {label!r} has a single value; a model needs a label that varies")
        return LabelProfile("regression", why or f"a number with {distinct} distinct values", [],
                            len(values) - len(present))
    classes = label_classes(label, values)
    kind = "binary" if len(classes) == 2 else f"{len(classes)} classes"
    return LabelProfile("classification", why or kind, classes)


def format_profiles(profiles: Sequence[ColumnProfile], classes: Optional[Sequence[str]] = None,
                    label: str = "", target: Optional[LabelProfile] = None) -> str:
    width = max([len(p.name) for p in profiles] + [len(label), 6])
    lines = [f"{'column':<{width}}  {'type':<6}  {'role':<11}  why"]
    for p in profiles:
        missing = f"; {p.missing} empty" if p.missing else ""
        lines.append(f"{p.name:<{width}}  {p.kind:<6}  {p.role:<11}  {p.why}{missing}")
    if target is not None and target.task == "regression":
        skipped = f"; {target.skipped} rows without a label, not trained on" if target.skipped else ""
        lines.append(f"{label:<{width}}  {'label':<6}  {'regression':<11}  {target.why}: predicted as a number"
                     f"{skipped}")
    elif classes is not None:
        kind = "binary" if len(classes) == 2 else f"{len(classes)} classes"
        lines.append(f"{label:<{width}}  {'label':<6}  {kind:<11}  classes: {', '.join(classes)}")
    return "\n".join(lines)
