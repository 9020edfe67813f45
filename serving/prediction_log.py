"""The model server's prediction log: what it answered, as JSON lines a later batch is made of.

With `serving.log_predictions`, every predict request the server answers (a
sampled share of them: `serving.log_sample_rate`) becomes one line per
instance in `<workdir>/predictions/<model>/predictions-<start time>.jsonl`:

    {"time": 1796600000.123, "request_id": "3f2a...", "instance_id": "3f2a...", "version": 4,
     "label": "stable", "instance": {...the request's instance...}, "prediction": [...]}

A request's id is its `X-Request-Id` header when the client sends one, else
one the server makes; either way the response carries it back. An instance's
id is the request id (`<request id>-<n>` when a request holds several), the id
a later labels.csv names to label it (`adapt batch from-log`,
pipeline/local/prediction_log.py). A file past `serving.log_file_mb` is closed
and the next line starts a new one; lines are written by one thread, off the
request path, and a full queue drops lines (counted) rather than slow answers.
"""
import json
import logging
import queue
import random
import threading
import time
import uuid
from pathlib import Path
from typing import Any, List, Optional, Sequence

from core import faults

logger = logging.getLogger("adapt.serving")

FILE_PREFIX = "predictions-"
QUEUED_REQUESTS = 10_000


def new_request_id() -> str:
    return uuid.uuid4().hex


def instance_ids(request_id: str, count: int) -> List[str]:
    return [request_id] if count == 1 else [f"{request_id}-{n}" for n in range(count)]


class PredictionLog:
    """Appends answered requests to rotated JSONL files in `folder`, from a writer thread."""

    def __init__(self, folder: str, sample_rate: float = 1.0, file_bytes: int = 64 * 1024 * 1024):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sample_rate = sample_rate
        self.file_bytes = file_bytes
        self.dropped = 0
        self.written = 0
        self._queue: "queue.Queue[Optional[tuple]]" = queue.Queue(QUEUED_REQUESTS)
        self._handle = None
        self._size = 0
        self._failing = False
        self._thread = threading.Thread(target=self._write_loop, name="prediction-log", daemon=True)
        self._thread.start()

    def sampled(self) -> bool:
        return self.sample_rate >= 1.0 or random.random() < self.sample_rate

    def record(self, request_id: str, version: int, instances: Sequence[Any], predictions: Sequence[Any],
               label: str = "stable") -> None:
        try:
            self._queue.put_nowait((time.time(), request_id, version, label, list(instances), list(predictions)))
        except queue.Full:
            self.dropped += 1

    def flush(self, timeout: float = 10.0) -> None:
        """Waits until every line recorded so far is written."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        self.flush()
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    if self._handle:
                        self._handle.close()
                    return
                self._write(*item)
            except OSError as err:  # a full disk loses log lines, never answers
                self.dropped += 1
                self._failed(err)
            finally:
                self._queue.task_done()

    def _failed(self, err: OSError) -> None:
        """Logs the first failure of a streak in one line; the file it cut a line of is closed (that cut line is
        its last, which read_log skips) and the next write starts a new one."""
        if not self._failing:
            self._failing = True
            logger.error("prediction log %s: %s; lines are dropped (counted) until it can be written again",
                         self.folder, err.strerror or err)
        if self._handle is not None:
            try:
                self._handle.close()
            except OSError:
                pass  # what the full disk refused stays unwritten
            self._handle = None

    def _write(self, at: float, request_id: str, version: int, label: str, instances, predictions) -> None:
        lines = "".join(json.dumps({"time": round(at, 6), "request_id": request_id, "instance_id": instance_id,
                                    "version": version, "label": label, "instance": instance,
                                    "prediction": prediction}, separators=(",", ":")) + "\n"
                        for instance_id, instance, prediction
                        in zip(instance_ids(request_id, len(instances)), instances, predictions))
        if self._handle is None or self._size >= self.file_bytes:
            if self._handle:
                self._handle.close()
            name = f"{FILE_PREFIX}{time.strftime('%Y%m%d-%H%M%S', time.gmtime(at))}-{uuid.uuid4().hex[:6]}.jsonl"
            self._handle = open(self.folder / name, "a", encoding="utf-8")
            self._size = 0
        faults.point("prediction-log-writing")
        self._handle.write(lines)
        self._handle.flush()
        self._size += len(lines)
        self.written += len(instances)
        if self._failing:
            self._failing = False
            logger.info("prediction log %s: written again (%d lines dropped so far)", self.folder, self.dropped)


def read_log(folder: str, since: float, until: float):
    """The logged lines answered in [since, until), oldest first, from every log file in `folder`; a line cut
    off by a crash (the last of a file) is skipped."""
    found = []
    for path in sorted(Path(folder).glob(f"{FILE_PREFIX}*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and since <= float(record.get("time", -1)) < until:
                    found.append(record)
    return sorted(found, key=lambda record: record["time"])
