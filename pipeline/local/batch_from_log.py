"""`adapt batch from-log`: a time slice of the prediction log becomes a batch folder in incoming/.

The batch is what the server answered then: `data.csv` holds the logged
instances (one column per feature any of them named, in the order first
seen), and `_REQUEST_IDS.csv` maps each row's instance id (`data.csv:<row>`)
to its request's instance id, with the version and label (stable, canary,
shadow) that answered it. A `labels.csv` brought later may name rows by
request id (an `instance_id` or `request_id` column of the ids the server
returned), and core/data/batch/labels.py joins them through that file. The folder
is written under a temporary name and renamed into place, so a watcher never
sees half a batch.
"""
import csv
import json
import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Tuple

from core.data.batch import REQUEST_IDS_FILE
from core.errors import UsageError


def parse_time(text: str) -> float:
    """Seconds since the epoch from a number of them or an ISO date and time (UTC unless it names a zone)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{text!r} is not a time: give an ISO date and time (2026-12-07T10:00) or epoch seconds") \
            from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise UsageError("the log holds instances that are not flat feature values (images or lists): "
                         "`batch from-log` makes CSV batches of tabular requests")
    return str(value)


def write_batch(records: List[Dict], folder: Path) -> Tuple[int, List[str]]:
    """Writes the records as a batch at `folder` (atomically); (rows, columns)."""
    columns: List[str] = []
    for record in records:
        instance = record.get("instance")
        if not isinstance(instance, dict):
            raise UsageError("the log holds instances that are not objects of feature values: `batch from-log` "
                             "makes CSV batches of tabular requests")
        columns += [name for name in instance if name not in columns]
    staging = folder.with_name(f".{folder.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with open(staging / "data.csv", "w", newline="") as data, open(staging / REQUEST_IDS_FILE, "w",
                                                                       newline="") as ids:
            rows, mapping = csv.writer(data), csv.writer(ids)
            rows.writerow(columns)
            mapping.writerow(["instance_id", "request_id", "version", "label", "time", "prediction"])
            for index, record in enumerate(records):
                rows.writerow([_cell(record["instance"].get(name)) for name in columns])
                mapping.writerow([f"data.csv:{index}", record["instance_id"], record.get("version", ""),
                                  record.get("label", ""), record["time"], json.dumps(record.get("prediction"))])
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(records), columns


def batch_from_log(log_folder: Path, incoming: Path, since: float, until: float, name: str = "") -> Dict:
    """Makes incoming/<name> from the log lines answered in [since, until); a summary of what it wrote."""
    from serving.prediction_log import read_log
    if until <= since:
        raise UsageError("--until must be later than --since")
    if not log_folder.is_dir():
        raise UsageError(f"no prediction log at {log_folder}: set serving.log_predictions: true and serve")
    records = read_log(str(log_folder), since, until)
    if not records:
        raise UsageError(f"the prediction log at {log_folder} holds no answers between "
                         f"{_stamp(since)} and {_stamp(until)}")
    name = name or f"log-{_stamp(since, compact=True)}-{_stamp(until, compact=True)}"
    folder = incoming / name
    if folder.exists():
        raise UsageError(f"{folder} exists already: a batch is never rewritten; choose another --name")
    rows, columns = write_batch(records, folder)
    versions: Dict[str, int] = {}
    for record in records:
        key = f"{record.get('version')} ({record.get('label', 'stable')})"
        versions[key] = versions.get(key, 0) + 1
    return {"batch": str(folder), "rows": rows, "columns": columns, "requests": len({r["request_id"] for r in records}),
            "answered_by": versions}


def _stamp(at: float, compact: bool = False) -> str:
    return time.strftime("%Y%m%dT%H%M%S" if compact else "%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
