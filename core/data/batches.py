"""Incoming batches: what is in a batch folder, whether it is ready, and its state.

A batch is a folder under incoming/ (or a bucket prefix) holding data files:
CSV (`*.csv`), TFRecord (`*.tfrecord`, `*.tfrecord.gz`) or, for file-list
batches, images (`*.jpg`, `*.jpeg`, `*.png`). Labels come either inline (the
label column of the CSV rows) or later, as a labels file added to the folder.

A batch folder is the user's data: adapt never writes into it (it may be a
read-only mount, or shared by several workspaces). What a workspace did with a
batch lives in the workspace (`BatchRecords`: `<workdir>/batches/<name>-<key>/`,
keyed by the batch's resolved path): `adapt-state.json`, what was done, with a
fingerprint of the data files then (names, sizes, modification times); and a
claim, `adapt-claim.json` (who started which run, or why it failed), so a
second tick or a second trigger does not start the same batch again; a claim
older than the batch's state, or older than the claim timeout, no longer
counts. A batch is *ready* when it holds enough instances and is not yet
processed, or was evaluated without labels and labels have arrived since; a
batch whose data files changed after it was processed is *changed*: reported,
neither skipped silently nor redone. Batches are handled oldest first, by the
arrival time of their data files.

An older adapt wrote the state into the batch folder (`.adapt-state.json`): a
workspace adopts such a file once, when one of its spans came from that batch,
and never writes there again.

Everything here works through fsspec (local paths, gs://...) and must not
import TensorFlow: the scheduler calls it on every tick.
"""
from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import itertools
import json
import os
import posixpath
import socket
import struct
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple

import fsspec

from core import faults
from core.data.missing import is_missing
from core.errors import BatchError

STATE_FILE = "adapt-state.json"
CLAIM_FILE = "adapt-claim.json"
LOCK_FILE = "adapt-claim.lock"
LEGACY_STATE_FILE = ".adapt-state.json"  # where adapt before the workspace records kept a batch's state
STALE_LOCK_SECONDS = 10  # the lock is held for milliseconds; one older than this outlived its process
CLAIM_TIMEOUT_SECONDS = 6 * 3600
CSV_SUFFIXES = (".csv",)
TFRECORD_SUFFIXES = (".tfrecord", ".tfrecord.gz", ".tfrecords")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
REQUEST_IDS_FILE = "_REQUEST_IDS.csv"  # a batch made from the prediction log: its rows by request id


def _filesystem(path: str) -> Tuple[fsspec.AbstractFileSystem, str]:
    fs, root = fsspec.core.url_to_fs(str(path))
    return fs, root.rstrip("/")


GCS_FUSE = "/gcs/"  # Vertex AI's and Cloud Storage FUSE's mount of gs://<bucket>/...


def object_store_url(path: str) -> str:
    """gs://bucket/x for /gcs/bucket/x (how a pipeline container sees a bucket), anything else as it is."""
    text = str(path)
    return "gs://" + text[len(GCS_FUSE):] if text.startswith(GCS_FUSE) else text


def _full(fs: fsspec.AbstractFileSystem, path: str) -> str:
    protocol = fs.protocol[0] if isinstance(fs.protocol, (tuple, list)) else fs.protocol
    return path if protocol in ("file", "local") else f"{protocol}://{path}"


@dataclass(frozen=True)
class BatchRecords:
    """Where one workspace keeps what it did with each batch: a folder per batch, never the batch's own."""

    root: str                # <workdir>/batches (beside the data root)
    data_root: str = ""      # the workspace's spans: an old in-folder state is adopted for a batch that made one

    @classmethod
    def beside(cls, data_root: str) -> "BatchRecords":
        """The records of the workspace whose spans are under `data_root` (its sibling `batches/`)."""
        parent = posixpath.dirname(str(data_root).rstrip("/"))
        return cls(posixpath.join(parent, "batches"), str(data_root))

    def folder(self, batch: "Batch") -> str:
        key = batch.resolved_uri()
        return posixpath.join(self.root.rstrip("/"), f"{batch.batch_id}-{hashlib.sha256(key.encode()).hexdigest()[:12]}")


@dataclass
class Batch:
    """One batch folder, read without TensorFlow. `only` restricts it to one data file of the folder.

    `records`: the workspace's records of batches, where its state and claim live (reading needs none).
    """

    path: str
    label: str = ""
    labels_file: str = "labels.csv"
    only: str = ""
    records: Optional[BatchRecords] = None
    _fs: Any = field(default=None, repr=False)
    _root: str = field(default="", repr=False)

    def __post_init__(self):
        self._fs, self._root = _filesystem(self.path)

    def resolved_uri(self) -> str:
        """The batch's identity for its records: the real path of a local folder (symlinks and `..` resolved), the
        bucket URL of a mounted bucket's folder (a pipeline container's /gcs/... is the cloud function's gs://...)."""
        if self.uri != self._root:
            return self.uri
        return object_store_url(self._root) if self._root.startswith(GCS_FUSE) else os.path.realpath(self._root)

    @property
    def batch_id(self) -> str:
        return posixpath.basename(self._root)

    @property
    def uri(self) -> str:
        return _full(self._fs, self._root)

    # -- contents ---------------------------------------------------------------
    def _entries(self) -> List[Dict[str, Any]]:
        if self.uri == self._root and os.path.islink(self._root):
            raise BatchError(f"batch {self.batch_id}: {self._root} is a symlink to {os.path.realpath(self._root)}; "
                             f"a batch is known by its own folder (a link's target may change under it): copy the batch in "
                             f"instead")
        try:
            entries = self._fs.ls(self._root, detail=True)
        except FileNotFoundError:
            raise BatchError(f"batch {self.batch_id}: folder {self.path} does not exist") from None
        return [e for e in entries if e.get("type") == "file"]

    def data_files(self) -> List[str]:
        names = []
        for entry in self._entries():
            name = posixpath.basename(entry["name"])
            if name.startswith((".", "_")) or name == self.labels_file or (self.only and name != self.only):
                continue
            if name.lower().endswith(CSV_SUFFIXES + TFRECORD_SUFFIXES + IMAGE_SUFFIXES):
                names.append(name)
        return sorted(names)

    @property
    def format(self) -> str:
        files = self.data_files()
        kinds = {self._kind(name) for name in files}
        if not kinds:
            raise BatchError(f"batch {self.batch_id}: no data files (*.csv, *.tfrecord[.gz], *.jpg/png) in {self.path}")
        if len(kinds) > 1:
            raise BatchError(f"batch {self.batch_id}: mixes {' and '.join(sorted(kinds))} files; one format per batch")
        return kinds.pop()

    @staticmethod
    def _kind(name: str) -> str:
        lower = name.lower()
        if lower.endswith(CSV_SUFFIXES):
            return "csv"
        if lower.endswith(TFRECORD_SUFFIXES):
            return "tfrecord"
        return "files"

    def file_path(self, name: str) -> str:
        return _full(self._fs, posixpath.join(self._root, name))

    def open(self, name: str, mode: str = "rb"):
        return self._fs.open(posixpath.join(self._root, name), mode)

    def exists(self, name: str) -> bool:
        return self._fs.exists(posixpath.join(self._root, name))

    def csv_header(self, name: str) -> List[str]:
        with self.open(name, "rt") as handle:
            try:
                return clean_header(next(csv.reader(handle)))
            except StopIteration:
                raise BatchError(f"batch {self.batch_id}: {name} is empty (no header row)") from None
            except (csv.Error, UnicodeDecodeError) as err:
                raise BatchError(f"batch {self.batch_id}: {name} is not readable CSV ({err})") from None

    def instances_in(self, name: str) -> int:
        """Instances in one data file: CSV rows, TFRecord records, or 1 for a file of a file-list batch."""
        kind = self.format
        if kind == "files":
            return 1
        if kind == "tfrecord":
            return self._count_tfrecords(name)
        width = len(self.csv_header(name))  # an empty file is an error naming it
        return sum(1 for _ in self._iter_csv(name, width, f"batch {self.batch_id}: {name}"))  # streamed

    def count_instances(self) -> int:
        return sum(self.instances_in(name) for name in self.data_files())

    def _count_tfrecords(self, name: str) -> int:
        with self.open(name, "rb") as raw:
            handle = gzip.GzipFile(fileobj=raw) if name.lower().endswith(".gz") else raw
            count = 0
            try:
                while True:
                    header = handle.read(12)  # uint64 length + uint32 masked crc
                    if not header:
                        return count
                    if len(header) < 12:
                        raise BatchError(f"batch {self.batch_id}: {name} is a truncated TFRecord file")
                    (length,) = struct.unpack("<Q", header[:8])
                    handle.seek(length + 4, io.SEEK_CUR)
                    count += 1
            except (OSError, EOFError) as err:
                raise BatchError(f"batch {self.batch_id}: {name} is not a readable TFRecord file ({err})") from None

    # -- labels -----------------------------------------------------------------
    def has_inline_labels(self) -> bool:
        """Whether the data carries the label column (a TFRecord batch: any record has the feature).

        For a TFRecord batch this reads every record with TensorFlow: executors only.
        """
        kind = self.format
        if kind == "csv":
            return all(self.label in self.csv_header(name) for name in self.data_files())
        if kind == "tfrecord":
            return self.label in self.header()  # one streamed pass over the records' feature names
        return False

    def has_labels_file(self) -> bool:
        return self.exists(self.labels_file)

    def instance_ids(self, counts: Optional[Dict[str, int]] = None) -> Iterator[str]:
        """'<file>:<row or record>' for every instance, in file order (how labels files line up); an image of a
        file-list batch is its file name.

        `counts` ({file: instances}, as FileListGen lists them) saves reading the data files again.
        """
        if self.format == "files":
            yield from self.data_files()
            return
        for name in self.data_files():
            for row in range((counts or {}).get(name) if counts and name in counts else self.instances_in(name)):
                yield f"{name}:{row}"

    def header(self) -> List[str]:
        """The batch's one header: the CSV files' (all the same), or every feature of the TFRecord files."""
        names = self.data_files()
        if self.format == "tfrecord":
            from core.data import tfrecords  # TensorFlow: executors only
            return tfrecords.header_of({name: self.file_path(name) for name in names}, f"batch {self.batch_id}")
        if self.format != "csv":
            raise BatchError(f"batch {self.batch_id}: a {self.format} batch has no rows")
        header = self.csv_header(names[0])
        for name in names[1:]:
            if self.csv_header(name) != header:
                raise BatchError(f"batch {self.batch_id}: {name} has a different header than {names[0]}")
        return header

    def iter_rows(self, header: List[str]) -> Iterator[Tuple[str, int, List[str]]]:
        """(file, row index, row) for every instance, file by file, read as a stream."""
        for name, index, _, row in self.iter_located_rows(header):
            yield name, index, row

    def iter_located_rows(self, header: List[str]) -> Iterator[Tuple[str, int, str, List[str]]]:
        """(file, row index, where a person finds the row: 'line N' of a CSV file or 'record N', row)."""
        for name in self.data_files():
            where = f"batch {self.batch_id}: {name}"
            if self.format == "tfrecord":
                from core.data import tfrecords
                located = ((f"record {index}", row) for index, row in
                           enumerate(tfrecords.iter_rows(self.file_path(name), header, where)))
            else:
                located = ((f"line {line}", row) for line, row in self._iter_csv_lines(name, len(header), where))
            for index, (position, row) in enumerate(located):
                yield name, index, position, row

    def _iter_csv(self, name: str, width: int, where: str) -> Iterator[List[str]]:
        return (row for _, row in self._iter_csv_lines(name, width, where))

    def _iter_csv_lines(self, name: str, width: int, where: str) -> Iterator[Tuple[int, List[str]]]:
        with self.open(name, "rt") as handle:
            try:
                reader = csv.reader(handle)
                next(reader, None)
                for row in reader:
                    if not row:
                        continue
                    if len(row) != width:
                        raise BatchError(f"{where} line {reader.line_num} has {len(row)} fields, the header has "
                                         f"{width}")
                    yield reader.line_num, row
            except (csv.Error, UnicodeDecodeError) as err:
                raise BatchError(f"{where} is not readable CSV ({err})") from None

    def table(self) -> Tuple[List[str], Dict[str, List[List[str]]]]:
        """The batch as one header and each data file's rows, in memory (a first batch; spans stream instead)."""
        header = self.header()
        by_file: Dict[str, List[List[str]]] = {name: [] for name in self.data_files()}
        for name, _, row in self.iter_rows(header):
            by_file[name].append(row)
        return header, by_file

    def iter_labels_file(self, counts: Optional[Dict[str, int]] = None) -> Iterator[Tuple[str, Optional[str]]]:
        """(instance id, label) from the labels file, read as a stream: by its instance_id column (a batch made from
        the prediction log: or request_id; images: or file), else by row order.

        Row order must cover every instance; ids the batch does not have are
        caught by `labels_from_file` (or by the join that consumes this).
        """
        where = f"batch {self.batch_id}: {self.labels_file}"
        with self._fs.open(posixpath.join(self._root, self.labels_file), "rt") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            if self.label not in columns:
                raise BatchError(f"{where} has no {self.label!r} column (columns: {', '.join(columns) or 'none'})")
            key = "instance_id" if "instance_id" in columns else "request_id" if "request_id" in columns else \
                "file" if "file" in columns and self.format == "files" else None
            if key:
                by_request = self.request_ids()
                for row in reader:
                    yield by_request.get(row[key], row[key]), label_text(row[self.label])
                return
            labels = instances = 0
            for row, instance_id in itertools.zip_longest(reader, self.instance_ids(counts)):
                labels, instances = labels + (row is not None), instances + (instance_id is not None)
                if row is not None and instance_id is not None:
                    yield instance_id, label_text(row[self.label])
            if labels != instances:
                raise BatchError(f"{where} has {labels} labels for {instances} instances; add an instance_id "
                                 f"column (values like data.csv:0) to label a subset")

    def request_ids(self) -> Dict[str, str]:
        """{request's instance id: instance id} of a batch made from the prediction log (REQUEST_IDS_FILE), so that
        its labels may name rows by the ids the server returned; {} for any other batch."""
        if not self.exists(REQUEST_IDS_FILE):
            return {}
        with self.open(REQUEST_IDS_FILE, "rt") as handle:
            return {row["request_id"]: row["instance_id"] for row in csv.DictReader(handle)}

    def labels_from_file(self) -> Dict[str, Optional[str]]:
        """{instance id: label} from the labels file (see iter_labels_file); an unknown instance id is an error."""
        labels = dict(self.iter_labels_file())
        known = set(self.instance_ids())
        unknown = next((instance_id for instance_id in labels if instance_id not in known), None)
        if unknown is not None:
            raise BatchError(f"batch {self.batch_id}: {self.labels_file} names unknown instance {unknown!r}")
        return labels

    def labeled_rows(self) -> Tuple[List[str], Iterator[List[str]]]:
        """Header and, as a stream, the rows with their label (inline, else from the labels file); unlabeled rows
        left out. Only the labels file's labels are held in memory."""
        header = self.header()
        inline = self.label in header
        labels = {} if inline else (self.labels_from_file() if self.has_labels_file() else {})
        column = header.index(self.label) if inline else None

        def rows() -> Iterator[List[str]]:
            for name, index, row in self.iter_rows(header):
                if inline:
                    if label_text(row[column]) is not None:
                        yield row
                elif labels.get(f"{name}:{index}") is not None:
                    yield row + [labels[f"{name}:{index}"]]
        return (header if inline else header + [self.label]), rows()

    def fingerprint(self) -> str:
        """Changes when a data or labels file is added, removed or rewritten (markers do not count)."""
        digest = hashlib.sha256()
        for entry in sorted(self._entries(), key=lambda e: e["name"]):
            if not posixpath.basename(entry["name"]).startswith("."):
                digest.update(f"{entry['name']}:{entry.get('size')}:{entry.get('mtime', entry.get('updated'))}".encode())
        return digest.hexdigest()[:16]

    # -- arrival and state --------------------------------------------------------
    def arrived_at(self) -> float:
        """Arrival time of the batch's data (the oldest data file), not of markers or labels."""
        data = set(self.data_files())
        times = [_mtime(entry) for entry in self._entries() if posixpath.basename(entry["name"]) in data]
        return min(times) if times else float("inf")

    def data_fingerprint(self) -> str:
        """Changes when a data file is added, removed or rewritten (names, sizes, modification times)."""
        data = set(self.data_files())
        digest = hashlib.sha256()
        for entry in sorted(self._entries(), key=lambda e: e["name"]):
            if posixpath.basename(entry["name"]) in data:
                digest.update(f"{posixpath.basename(entry['name'])}:{entry.get('size')}:{_mtime(entry)}".encode())
        return digest.hexdigest()[:16]

    def _records_folder(self) -> str:
        if self.records is None:
            raise BatchError(f"batch {self.batch_id}: no workspace to keep its state in")
        return self.records.folder(self)

    def _read_record(self, name: str) -> Optional[Dict[str, Any]]:
        if self.records is None:
            return None
        fs, folder = _filesystem(self._records_folder())
        path = posixpath.join(folder, name)
        if not fs.exists(path):
            return None
        with fs.open(path, "rt") as handle:
            return json.load(handle)

    def state(self) -> Optional[Dict[str, Any]]:
        found = self._read_record(STATE_FILE)
        if found is None and self.records is not None:
            found = self._adopt_legacy_state()
        return found

    def _adopt_legacy_state(self) -> Optional[Dict[str, Any]]:
        """An in-folder state an older adapt wrote, copied once into the records when this workspace made a span
        of the batch from it (another workspace's state says nothing about this one)."""
        from core.data.spans import span_for_batch
        if not self.exists(LEGACY_STATE_FILE) or not self.records.data_root:
            return None
        with self.open(LEGACY_STATE_FILE, "rt") as handle:
            legacy = json.load(handle)
        span = legacy.get("span")
        if not span or span_for_batch(self.records.data_root, self.batch_id) != span:
            return None
        adopted = {**legacy, "adopted_from": posixpath.join(self.uri, LEGACY_STATE_FILE),
                   "data_fingerprint": self.data_fingerprint()}
        self._write_marker(STATE_FILE, adopted)
        return adopted

    def write_state(self, state: Dict[str, Any]) -> None:
        """Records what was done with the batch (written to a temp name, then moved into place)."""
        self._write_marker(STATE_FILE, {**state, "batch": self.batch_id, "batch_uri": self.resolved_uri(),
                                        "data_fingerprint": self.data_fingerprint(), "updated_at": time.time()})

    def _write_marker(self, name: str, record: Dict[str, Any]) -> None:
        fs, folder = _filesystem(self._records_folder())
        fs.makedirs(folder, exist_ok=True)
        temporary = posixpath.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.tmp")  # one per writer
        with fs.open(temporary, "wt") as handle:
            json.dump(record, handle, indent=2, sort_keys=True)
        faults.point(f"{name.strip('.')}-staged")  # adapt-state.json-staged, adapt-claim.json-staged
        fs.mv(temporary, posixpath.join(folder, name))

    def changed_since_processed(self) -> Optional[str]:
        """Why the batch's data differ from when its state was written, or None."""
        state = self.state()
        recorded = (state or {}).get("data_fingerprint")
        if not recorded or recorded == self.data_fingerprint():
            return None
        return (f"batch {self.batch_id} changed after it was processed (its data files differ from when its "
                f"state was written); put new data in a new batch folder, or delete "
                f"{posixpath.join(self._records_folder(), STATE_FILE)} to evaluate it again")

    def claim(self, started_by: str, run: str = "", status: str = "running", error: str = "",
              pid: Optional[int] = None) -> None:
        """Marks the batch as taken by a run (status running) or as failed (status failed, with the error).

        `pid` is the process doing the work (default this one): a running claim whose process is gone no
        longer holds the batch.
        """
        record = {"batch": self.batch_id, "started_by": started_by, "run": run, "status": status, "error": error,
                  "claimed_at": time.time(), "host": socket.gethostname(), "pid": pid or os.getpid()}
        if status == "failed":  # the files that failed: once they change (fixed), the claim no longer holds
            record["fingerprint"] = self.fingerprint()
        self._write_marker(CLAIM_FILE, record)

    def take(self, started_by: str, run: str, over_failed: bool = False) -> Optional[Dict[str, Any]]:
        """Claims the batch for `run`, atomically among the processes of this machine.

        Returns None when the batch is now (or already was) this run's, else the
        claim that holds it: another run in progress, or a failed one (which a
        person's explicit run, `over_failed`, may take over). On a bucket the
        claim is written but not exclusive.
        """
        with self._claim_lock():
            held = self.active_claim()
            if held is not None and held.get("run") != run and not (over_failed and held.get("status") == "failed"):
                return held
            self.claim(started_by, run)
            return None

    def release(self, run: str) -> None:
        """Drops the claim when it is still `run`'s (a person's run that failed leaves the batch as it was)."""
        with self._claim_lock():
            held = self.active_claim()
            if held is not None and held.get("run") == run:
                fs, folder = _filesystem(self._records_folder())
                fs.rm(posixpath.join(folder, CLAIM_FILE))

    @contextlib.contextmanager
    def _claim_lock(self):
        """An O_EXCL lock file around reading and writing the claim (local records; a no-op on buckets)."""
        fs, folder = _filesystem(self._records_folder())
        if _full(fs, folder) != folder:
            yield
            return
        os.makedirs(folder, exist_ok=True)
        lock = os.path.join(folder, LOCK_FILE)
        deadline = time.time() + 30
        while True:
            try:
                descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                break
            except FileExistsError:
                try:
                    if time.time() - os.path.getmtime(lock) > STALE_LOCK_SECONDS:
                        os.unlink(lock)  # a process died holding it; the claim file itself is intact
                        continue
                except FileNotFoundError:
                    continue
                if time.time() > deadline:
                    raise BatchError(f"batch {self.batch_id}: {lock} is held; remove it if no adapt runs") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            os.close(descriptor)
            os.unlink(lock)

    def active_claim(self, now: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The claim that still holds the batch: newer than its state, and running but not timed out, or failed."""
        claim = self._read_record(CLAIM_FILE)
        if claim is None:
            return None
        state = self.state() or {}
        # A state written after the claim ends it, unless that state is the run's own midway mark (a span made,
        # its training not finished): the run is still going, and a second one would train the batch again.
        midway = state.get("retrain") and state.get("trained") is False
        if claim.get("claimed_at", 0) < state.get("updated_at", 0) and not midway:
            return None
        timed_out = (now or time.time()) - claim.get("claimed_at", 0) > CLAIM_TIMEOUT_SECONDS
        if claim.get("status") == "running" and (timed_out or _died(claim)):
            return None
        if claim.get("status") == "failed" and claim.get("fingerprint") not in (None, self.fingerprint()):
            return None  # the batch was fixed since it failed
        return claim

    def is_processed(self) -> bool:
        state = self.state()
        if state is None:
            return False
        if state.get("retrain") and (state.get("span") or state.get("window_end")) and state.get("trained") is False:
            return False  # the run that decided to retrain died before training finished: do it again
        # Inline labels are part of the data, so an unlabeled evaluation can only be redone by a labels file.
        return bool(state.get("labeled")) or not self.has_labels_file()

    def readiness(self, min_instances: int) -> Tuple[bool, str]:
        """(ready, why) — why names the reason a batch is skipped."""
        try:
            changed = self.changed_since_processed()
            if changed:
                return False, changed
            if self.is_processed():
                return False, "already processed"
            claim = self.active_claim()
            if claim is not None:
                if claim.get("status") == "failed":
                    return False, (f"failed: {claim.get('error')} (fix the batch: a changed batch is tried again; "
                                   f"or delete {posixpath.join(self._records_folder(), CLAIM_FILE)})")
                return False, f"run {claim.get('run') or '?'} started by {claim.get('started_by')} in progress"
            count = self.count_instances()
        except BatchError as err:
            return False, str(err)
        if count < min_instances:
            return False, f"{count} instances, fewer than {min_instances}"
        state = self.state()
        if state is not None and state.get("trained") is False:
            return True, f"{count} instances; the retraining decided for span {state.get('span')} never finished"
        if state is not None:
            return True, f"{count} instances; labels arrived after evaluation"
        return True, f"{count} instances"


def clean_header(header: List[str]) -> List[str]:
    """A CSV header without the byte-order mark some editors put before its first name."""
    return [header[0].lstrip("\ufeff"), *header[1:]] if header else header


def _died(claim: Dict[str, Any]) -> bool:
    """Whether the process that holds a running claim is gone (known only for claims made on this machine)."""
    if claim.get("host") != socket.gethostname() or not claim.get("pid"):
        return False
    try:
        os.kill(int(claim["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def label_text(value: Any) -> Optional[str]:
    """A label as the text its class is named by: "1.0" and 1 are "1", "yes" stays "yes"; empty is None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value).strip()
    if is_missing(text):
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def _mtime(entry: Dict[str, Any]) -> float:
    for key in ("mtime", "created", "updated", "LastModified"):
        value = entry.get(key)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return value.timestamp()
        try:
            return float(value)
        except (TypeError, ValueError):
            continue
    return 0.0


def list_batches(incoming: str, label: str = "", labels_file: str = "labels.csv",
                 records: Optional[BatchRecords] = None) -> List[Batch]:
    """Batch folders under incoming/, oldest arrival first (ties broken by name)."""
    fs, root = _filesystem(incoming)
    if not fs.exists(root):
        return []
    batches = []
    for entry in fs.ls(root, detail=True):
        name = posixpath.basename(entry["name"].rstrip("/"))
        if entry.get("type") == "directory" and not name.startswith((".", "_")):
            batches.append(Batch(_full(fs, entry["name"].rstrip("/")), label=label, labels_file=labels_file,
                                 records=records))
    return sorted(batches, key=lambda b: (b.arrived_at(), b.batch_id))


def ready_batches(incoming: str, label: str, min_instances: int, labels_file: str = "labels.csv",
                  records: Optional[BatchRecords] = None) -> List[Tuple[Batch, str]]:
    """Ready batches, oldest first, each with the reason it is ready."""
    ready = []
    for batch in list_batches(incoming, label, labels_file, records):
        ok, why = batch.readiness(min_instances)
        if ok:
            ready.append((batch, why))
    return ready
