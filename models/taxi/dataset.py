"""Quarterly batches from the Chicago taxi CSV that ships inside the tfx package.

`adapt data taxi` calls `write_quarterly_batches`: every trip of
tfx/examples/chicago_taxi_pipeline/data/simple/data.csv (15,002 trips,
2013-01..2016-12) goes to `incoming/<YYYY-Qn>/data.csv` by the quarter of its
start time, with the label `big_tipper` = tips > 20% of the fare (as in TFX's
taxi example) in place of the raw `tips` column. Running it again changes
nothing that exists. (The command then makes the first quarter span 1, as
`adapt init` does with a user's first batch.)
"""
from __future__ import annotations

import csv
import datetime
import importlib.util
import os
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

LABEL = "big_tipper"
RAW_TIPS = "tips"
FARE = "fare"
TIMESTAMP = "trip_start_timestamp"


def source_csv() -> Path:
    spec = importlib.util.find_spec("tfx")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the tfx package is not installed; it ships the Chicago taxi CSV")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "examples" / "chicago_taxi_pipeline" / "data" / "simple" / "data.csv"
        if candidate.exists():
            return candidate
    raise FileNotFoundError("Chicago taxi CSV not found inside the tfx package")


def quarter_of(timestamp: str) -> str:
    moment = datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.timezone.utc)
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def is_big_tipper(tips: str, fare: str) -> int:
    """TFX taxi label: tip > 20% of fare; a missing fare or tip counts as no big tip."""
    try:
        return int(float(tips) > 0.2 * float(fare))
    except ValueError:
        return 0


def labeled_quarters(path: Path = None) -> Tuple[List[str], Dict[str, List[List[str]]]]:
    """Header (label instead of tips) and rows per quarter, each quarter in time order."""
    with open(path or source_csv(), newline="") as handle:
        reader = csv.DictReader(handle)
        columns = [c for c in reader.fieldnames if c != RAW_TIPS] + [LABEL]
        by_quarter: Dict[str, List[Tuple[int, List[str]]]] = defaultdict(list)
        for record in reader:
            record[LABEL] = str(is_big_tipper(record[RAW_TIPS], record[FARE]))
            by_quarter[quarter_of(record[TIMESTAMP])].append(
                (int(record[TIMESTAMP]), [record[c] for c in columns]))
    return columns, {q: [row for _, row in sorted(rows, key=lambda r: r[0])]
                     for q, rows in sorted(by_quarter.items())}


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(temporary, path)


def write_quarterly_batches(incoming: Path) -> Dict[str, int]:
    """Writes the quarter batches that are missing; returns rows per quarter written now."""
    header, quarters = labeled_quarters()
    written = {}
    for offset, (quarter, rows) in enumerate(quarters.items()):
        target = Path(incoming) / quarter / "data.csv"
        if target.exists():
            continue
        _write_csv(target, header, rows)
        # Arrival order follows time: older quarters look older on disk too.
        stamp = datetime.datetime(2020, 1, 1).timestamp() + offset * 3600
        os.utime(target, (stamp, stamp))
        written[quarter] = len(rows)
    return written
