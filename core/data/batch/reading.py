"""A batch folder's files, read as a stream: listing, format, headers, rows and instance counts.

A batch is a folder under incoming/ (or a bucket prefix) holding data files:
CSV (`*.csv`), TFRecord (`*.tfrecord`, `*.tfrecord.gz`) or, for file-list
batches, images (`*.jpg`, `*.jpeg`, `*.png`); one format per batch. Names
starting with `.` or `_` and the labels file are not data. The batch's
fingerprint (names, sizes and modification times of its files) says when they
changed.

Everything here works through fsspec (local paths, gs://...) and must not import
TensorFlow: the scheduler lists and counts batches on every tick. Only the
TFRecord rows and header go through core/data/tfrecords.py, imported when read.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import posixpath
import struct
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Dict, Iterator, List, Tuple

import fsspec

from core.errors import BatchError

CSV_SUFFIXES = (".csv",)
TFRECORD_SUFFIXES = (".tfrecord", ".tfrecord.gz", ".tfrecords")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
GCS_FUSE = "/gcs/"  # Vertex AI's and Cloud Storage FUSE's mount of gs://<bucket>/...


def filesystem(path: str) -> Tuple[fsspec.AbstractFileSystem, str]:
    """The filesystem of a path or URL and the path on it, without a trailing slash."""
    fs, root = fsspec.core.url_to_fs(str(path))
    return fs, root.rstrip("/")


def full_path(fs: fsspec.AbstractFileSystem, path: str) -> str:
    """A path on `fs` as the URL that finds it again (a local path stays a path)."""
    protocol = fs.protocol[0] if isinstance(fs.protocol, (tuple, list)) else fs.protocol
    return path if protocol in ("file", "local") else f"{protocol}://{path}"


def object_store_url(path: str) -> str:
    """gs://bucket/x for /gcs/bucket/x (how a pipeline container sees a bucket), anything else as it is."""
    text = str(path)
    return "gs://" + text[len(GCS_FUSE):] if text.startswith(GCS_FUSE) else text


def clean_header(header: List[str]) -> List[str]:
    """A CSV header without the byte-order mark some editors put before its first name."""
    return [header[0].lstrip("\ufeff"), *header[1:]] if header else header


@dataclass
class BatchFiles:
    """One batch folder's files, read without TensorFlow. `only` restricts it to one data file of the folder."""

    path: str
    _: KW_ONLY
    labels_file: str = "labels.csv"
    only: str = ""
    _fs: Any = field(default=None, repr=False)
    _root: str = field(default="", repr=False)

    def __post_init__(self):
        self._fs, self._root = filesystem(self.path)

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
        return full_path(self._fs, self._root)

    # -- listing and format -----------------------------------------------------
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
        return full_path(self._fs, posixpath.join(self._root, name))

    def open(self, name: str, mode: str = "rb"):
        return self._fs.open(posixpath.join(self._root, name), mode)

    def exists(self, name: str) -> bool:
        return self._fs.exists(posixpath.join(self._root, name))

    def file_stamp(self, name: str) -> str:
        """'size:modification time' of one file of the folder ('' when it is not there): whether it changed."""
        for entry in self._entries():
            if posixpath.basename(entry["name"]) == name:
                return f"{entry.get('size')}:{_mtime(entry)}"
        return ""

    # -- arrival and change -----------------------------------------------------
    def arrived_at(self) -> float:
        """Arrival time of the batch's data (the oldest data file), not of markers or labels."""
        data = set(self.data_files())
        times = [_mtime(entry) for entry in self._entries() if posixpath.basename(entry["name"]) in data]
        return min(times) if times else float("inf")

    def fingerprint(self, data_only: bool = False) -> str:
        """Changes when a file is added, removed or rewritten (names, sizes, modification times): any file of the
        folder but markers (dot files), so a labels file added later counts; with `data_only`, the data files
        alone (labels arriving do not change the data)."""
        data = set(self.data_files()) if data_only else None
        digest = hashlib.sha256()
        for entry in sorted(self._entries(), key=lambda e: e["name"]):
            name = posixpath.basename(entry["name"])
            if (name in data) if data is not None else not name.startswith("."):
                digest.update(f"{name}:{entry.get('size')}:{_mtime(entry)}".encode())
        return digest.hexdigest()[:16]

    # -- headers, rows and counts -----------------------------------------------
    def csv_header(self, name: str) -> List[str]:
        with self.open(name, "rt") as handle:
            try:
                return clean_header(next(csv.reader(handle)))
            except StopIteration:
                raise BatchError(f"batch {self.batch_id}: {name} is empty (no header row)") from None
            except (csv.Error, UnicodeDecodeError) as err:
                raise BatchError(f"batch {self.batch_id}: {name} is not readable CSV ({err})") from None

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

    def instances_in(self, name: str) -> int:
        """Instances in one data file: CSV rows, TFRecord records, or 1 for a file of a file-list batch."""
        kind = self.format
        if kind == "files":
            return 1
        if kind == "tfrecord":
            return self._count_tfrecords(name)
        width = len(self.csv_header(name))  # an empty file is an error naming it
        return sum(1 for _ in self._iter_csv_lines(name, width, f"batch {self.batch_id}: {name}"))  # streamed

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
