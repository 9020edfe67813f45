"""Data spans: numbered, immutable folders `data/span-N/{train,test}/data.csv` (images: `data.tfrecord.gz`).

Spans are integers and windows are integer ranges (span 10 follows span 9; no
glob over folder names decides membership). A span is written to a hidden
temporary folder and renamed into place, so a crash leaves either no span or
a whole one, and an existing span is never rewritten. A span that fails
validation is quarantined in place: `_REJECTED.json` records why, its data
stays, and windows skip it. Accepting the change as a new version of the contract releases it: the record
moves to `_RELEASED.json` with the version and the reason, and the next training takes the span.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from core import faults
from core.data.missing import blank_missing, is_missing
from core.errors import SpanError

SPAN_DIR_PATTERN = re.compile(r"^span-(\d+)$")
SOURCE_FILE = "_SOURCE.json"
REJECTED_FILE = "_REJECTED.json"
RELEASED_FILE = "_RELEASED.json"  # a quarantine lifted by a new contract version (`adapt schema accept`)
DATA_FILE = "data.csv"


class EmptySplitError(SpanError):
    """The rows would leave the span's train or test split empty; `counts` says how many went to each."""

    def __init__(self, message: str, counts: Dict[str, int]):
        super().__init__(message)
        self.counts = dict(counts)


@dataclass(frozen=True)
class SpanWindow:
    """An inclusive range of span numbers, minus spans rejected by validation."""

    start: int
    end: int
    excluded: Tuple[int, ...] = ()

    def __post_init__(self):
        if self.start < 1 or self.end < self.start:
            raise SpanError(f"invalid span window {self.start}-{self.end}: need 1 <= start <= end")
        if self.end in self.excluded:
            raise SpanError(f"span {self.end} was rejected by validation; a window cannot end on it")

    @classmethod
    def parse(cls, text: str) -> "SpanWindow":
        """Parses 'A-B' or a single 'N'."""
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
        if not match:
            raise SpanError(f"--spans expects A-B or N (e.g. 2-5), got {text!r}")
        start = int(match.group(1))
        end = int(match.group(2) or start)
        return cls(start, end)

    @classmethod
    def ending_at(cls, end: int, size: int, rejected: Sequence[int] = ()) -> "SpanWindow":
        """The last `size` accepted spans up to `end`."""
        accepted = [s for s in range(end, 0, -1) if s not in set(rejected)][:size]
        if not accepted or accepted[0] != end:
            raise SpanError(f"span {end} was rejected by validation; a window cannot end on it")
        start = accepted[-1]
        return cls(start, end, tuple(s for s in rejected if start <= s <= end))

    def without(self, rejected: Sequence[int]) -> "SpanWindow":
        return SpanWindow(self.start, self.end, tuple(s for s in sorted(set(rejected)) if self.start <= s <= self.end))

    @property
    def spans(self) -> List[int]:
        return [s for s in range(self.start, self.end + 1) if s not in self.excluded]

    def __str__(self) -> str:
        text = f"{self.start}-{self.end}"
        return text + (f" without {','.join(map(str, self.excluded))}" if self.excluded else "")


def span_dir(data_root: Path, span: int) -> Path:
    return Path(data_root) / f"span-{span}"


def span_files(data_root: Path, span: int, split: str = "train") -> Tuple[str, List[str]]:
    """("csv" | "tfrecord", the files of one split of a span)."""
    folder = span_dir(data_root, span) / split
    csv_files = sorted(str(path) for path in folder.glob("*.csv"))
    return ("csv", csv_files) if csv_files else ("tfrecord", sorted(str(path) for path in folder.glob("*.tfrecord*")))


def list_spans(data_root: Path) -> List[int]:
    """Span numbers present under data_root, as sorted integers."""
    root = Path(data_root)
    if not root.is_dir():
        return []
    numbers = []
    for child in root.iterdir():
        match = SPAN_DIR_PATTERN.match(child.name)
        if match and child.is_dir():
            numbers.append(int(match.group(1)))
    return sorted(numbers)


def split_pattern(split: str, span: object = "{SPAN}") -> str:
    """ExampleGen's file pattern for one split of a span, relative to the data root.

    With the default `{SPAN}`, ExampleGen fills in the span of its range config.
    """
    return f"span-{span}/{split}/*"


def latest_span(data_root: Path) -> Optional[int]:
    spans = list_spans(data_root)
    return spans[-1] if spans else None


def check_window_present(data_root: Path, window: SpanWindow) -> None:
    present = set(list_spans(data_root))
    missing = [s for s in window.spans if s not in present]
    if missing:
        raise SpanError(f"span(s) {', '.join(map(str, missing))} not found under {data_root} "
                        f"(present: {', '.join(map(str, sorted(present))) or 'none'})")


def rejected_spans(data_root: Path) -> List[int]:
    """Spans that failed validation: kept on disk, never trained on."""
    return [s for s in list_spans(data_root) if (span_dir(data_root, s) / REJECTED_FILE).exists()]


def train_rows(data_root: Path) -> Dict[int, int]:
    """{span: rows of its train split} for the spans windows take (rejected ones left out), from their records."""
    rejected = set(rejected_spans(data_root))
    return {span: int((read_source(data_root, span).get("rows") or {}).get("train") or 0)
            for span in list_spans(data_root) if span not in rejected}


def mark_rejected(data_root: Path, span: int, reason: str) -> None:
    """Quarantines a span in place: its data stays untouched, windows skip it."""
    path = span_dir(data_root, span) / REJECTED_FILE
    if span_dir(data_root, span).is_dir() and not path.exists():
        path.write_text(json.dumps({"span": span, "reason": reason, "rejected_at": time.time()}, indent=2))


def release(data_root: Path, span: int, record: Dict) -> Dict:
    """Lifts a span's quarantine; `_RELEASED.json` keeps why it was rejected and what released it."""
    rejected = span_dir(data_root, span) / REJECTED_FILE
    released = {**json.loads(rejected.read_text()), **record, "released_at": time.time()}
    temporary = span_dir(data_root, span) / f".{RELEASED_FILE}.tmp"
    temporary.write_text(json.dumps(released, indent=2))
    temporary.replace(span_dir(data_root, span) / RELEASED_FILE)
    rejected.unlink()
    return released


def read_source(data_root: Path, span: int) -> Dict:
    path = span_dir(data_root, span) / SOURCE_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def span_for_batch(data_root: Path, batch_id: str) -> Optional[int]:
    """The span already written from this batch, if any."""
    for span in list_spans(data_root):
        if read_source(data_root, span).get("batch") == batch_id:
            return span
    return None


def is_test_row(line: str, test_fraction: float) -> bool:
    """Deterministic split: a row's place depends only on its content."""
    digest = hashlib.md5(line.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 10_000 < round(test_fraction * 10_000)


def span_line(row: Sequence[str]) -> str:
    """A row as a span stores it: missing markers emptied, one CSV line."""
    return _csv_line(blank_missing(row))


def _csv_line(row: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(row)
    return buffer.getvalue()


INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def float_columns(header: Sequence[str], rows: Iterable[Sequence[str]]) -> List[str]:
    """The columns whose every value is a number and one at least is not an integer: what ExampleGen reads as
    FLOAT when it sees the whole batch (a split of it may hold integers only, and read as INT)."""
    numeric, fractional = set(range(len(header))), set()
    for row in rows:
        for index in list(numeric):
            cell = row[index] if index < len(row) else ""
            if is_missing(cell):
                continue
            if not NUMBER.match(cell):
                numeric.discard(index)
            elif index not in fractional and not INTEGER.match(cell):
                fractional.add(index)
        if not numeric:
            break
    return [header[index] for index in sorted(numeric & fractional)]


def recorded_float_columns(data_root: Path) -> List[str]:
    """The float columns the latest span was written with (its source record), so that a later batch whose values
    in such a column happen to be whole numbers is still written, and read, as FLOAT."""
    latest = latest_span(data_root)
    return list(read_source(data_root, latest).get("float_columns") or []) if latest else []


def write_span(data_root: Path, header: Sequence[str], rows: Iterable[Sequence[str]], *,
               test_fraction: float, source: Dict, span: Optional[int] = None,
               floats: Sequence[str] = ()) -> int:
    """Writes rows (any iterable: they stream to disk) as the next span, or as `span`, atomically; returns its number.

    The rows go to a hidden staging folder, which is then renamed into place:
    a crash leaves no partial span. When two writers race for the next
    number, the rename of the second fails and it takes the number after, so
    no number is used twice. Raises SpanError if `span` exists already or a
    split would be empty.

    In the `floats` columns a whole number is written with a decimal point ("87" as "87.0"), so that both splits,
    and every later span, read as FLOAT whatever rows they got; the columns are kept in the span's source record.
    Which split a row goes to is decided on the row as it came.
    """
    at = [index for index, name in enumerate(header) if name in set(floats)]

    def write_csv(staging: Path) -> Dict[str, int]:
        counts = {"train": 0, "test": 0}
        header_line = _csv_line(header)
        with open(staging / "train" / DATA_FILE, "w", newline="") as train_file, \
                open(staging / "test" / DATA_FILE, "w", newline="") as test_file:
            train_file.write(header_line)
            test_file.write(header_line)
            for row in rows:
                line = span_line(row)
                split = "test" if is_test_row(line, test_fraction) else "train"
                if at:
                    line = span_line(_with_decimal_points(row, at))
                (test_file if split == "test" else train_file).write(line)
                counts[split] += 1
        return counts
    record = {**source, "float_columns": sorted(floats)} if floats else source
    return write_staged_span(data_root, write_csv, source=record, span=span)


def _with_decimal_points(row: Sequence[str], at: Sequence[int]) -> List[str]:
    row = list(row)
    for index in at:
        if index < len(row) and INTEGER.match(row[index]):
            row[index] = f"{row[index].strip()}.0"
    return row


def write_staged_span(data_root: Path, write: Callable[[Path], Dict[str, int]], *, source: Dict,
                      span: Optional[int] = None) -> int:
    """The atomic part of `write_span` for any file format: `write(staging)` fills the staging folder's train/
    and test/ and returns the count of each."""
    data_root = Path(data_root)
    data_root.mkdir(parents=True, exist_ok=True)
    if span is not None and span_dir(data_root, span).exists():
        raise SpanError(f"span {span} already exists at {span_dir(data_root, span)}; spans are never rewritten")

    staging = Path(tempfile.mkdtemp(prefix=".span-staging.", dir=data_root))
    try:
        for split in ("train", "test"):
            (staging / split).mkdir()
        faults.point("span-writing")
        counts = write(staging)
        empty = [split for split, count in counts.items() if count == 0]
        if empty:
            raise EmptySplitError(f"the span would have an empty {empty[0]} split "
                                  f"({counts['train']} train / {counts['test']} test rows)", counts)
        for _ in range(100):
            number = span if span is not None else (latest_span(data_root) or 0) + 1
            record = {**source, "span": number, "rows": counts, "created_at": time.time()}
            (staging / SOURCE_FILE).write_text(json.dumps(record, indent=2, sort_keys=True))
            faults.point("span-staged")
            try:
                os.rename(staging, span_dir(data_root, number))  # atomic; fails when that span exists
                return number
            except OSError as err:
                if span is not None:
                    raise SpanError(f"span {number} appeared while writing it ({err}); nothing was overwritten") \
                        from None
        raise SpanError(f"no free span number under {data_root} after 100 tries")
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
