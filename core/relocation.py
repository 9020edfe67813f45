"""A workspace at another path than the one it was made at: its recorded root, and rewriting the paths under it.

ML Metadata records every artifact by its absolute URI, TFX's executions keep absolute paths among their
properties (input_base, serving_model_dir, schema_file, baseline_statistics...), and a few of the workspace's
own files name them too (batch records, BatchPredictionGen's model.json, PipelineTrigger's report.json, TFMA's
eval_config.json). A workspace therefore records the absolute root it was made at (`.adapt-root`), and when it
is opened at another path (moved with `mv`, copied with `cp -a`, restored from a backup) every one of those
paths under the old root is rewritten to the new one: in ML Metadata's SQLite store in one transaction, in the
workspace's JSON and YAML files, and in the names of the batch records of batches inside the workspace (a
record is keyed by its batch's path).

Not rewritten, on purpose: the run logs (a record of what happened, where it happened), user data (incoming/,
data/, replays/, predictions/), and SavedModels, which name their Transform assets' analysis paths only inside
op names and load from wherever they are. TFX's cache keys are hashes over input URIs and cannot be rewritten:
the first run after a move recomputes what it would have taken from the cache, with the same results.

A store on a MySQL/MariaDB server is outside the folder and may still serve the workspace where it was, so it
is never rewritten: such a workspace is refused at a new path (RelocationError). No TensorFlow or ML Metadata
import here: `adapt watch` opens the workspace at every tick.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional

from core.data.batch import STATE_FILE, Batch, BatchRecords
from core.errors import AdaptError

ROOT_RECORD = ".adapt-root"
LOCK_FILE = ".adapt-root.lock"
METADATA_FILE = "metadata.sqlite"
# ML Metadata's SQLite schema (1.x): where a path can be stored as text
MLMD_TEXT_COLUMNS = (("Artifact", "uri"), ("ArtifactProperty", "string_value"),
                     ("ExecutionProperty", "string_value"), ("ContextProperty", "string_value"))
REWRITTEN_SUFFIXES = (".json", ".yaml", ".yml")
NOT_REWRITTEN = ("incoming", "data", "replays", "predictions")  # the user's data and the prediction log
LARGEST_REWRITTEN_FILE = 16 << 20
# an artifact's folder: <root>/pipelines/<pipeline>/<node>/<output key>/<id>
_ARTIFACT_URI = re.compile(r"^(/.*)/pipelines/[^/]+/[^/]+/[^/]+/\d+$")
_PATH_CHARACTER = r"[\w.~-]"


class RelocationError(AdaptError):
    """A workspace cannot follow its move (its store is on a MySQL server, or it cannot be written)."""


@dataclass(frozen=True)
class Relocation:
    """What following a workspace from `old_root` to `new_root` rewrote."""
    old_root: str
    new_root: str
    metadata_values: int   # artifact URIs and property values in ML Metadata
    files: int             # JSON/YAML files of the workspace
    batch_records: int     # record folders of batches inside the workspace, renamed for their new path

    def describe(self) -> str:
        return (f"workspace moved from {self.old_root} to {self.new_root}: rewrote {self.metadata_values} "
                f"path(s) in ML Metadata, {self.files} file(s), {self.batch_records} batch record(s)")


def recorded_root(root: Path) -> Optional[str]:
    """The absolute root the workspace at `root` records (None for a workspace made before the record)."""
    try:
        return (root / ROOT_RECORD).read_text().strip() or None
    except FileNotFoundError:
        return None


def record_root(root: Path, path=None) -> None:
    """Records `path` (default: `root` itself) as the workspace's root, atomically."""
    temporary = root / f"{ROOT_RECORD}.tmp"
    temporary.write_text(f"{path or root}\n")
    temporary.replace(root / ROOT_RECORD)


def inferred_root(root: Path) -> Optional[str]:
    """For a workspace without a record: the root its ML Metadata's artifact URIs were written under."""
    store = root / METADATA_FILE
    if not store.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as connection:
            rows = connection.execute("SELECT uri FROM Artifact WHERE uri LIKE '%/pipelines/%' LIMIT 20").fetchall()
    except sqlite3.Error:  # not an ML Metadata store (yet)
        return None
    found = [match.group(1) for (uri,) in rows if uri for match in [_ARTIFACT_URI.match(uri)] if match]
    return found[0] if found else None


def _same_folder(first: str, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _elsewhere(previous: str, root: Path) -> bool:
    """Whether `previous` is another folder than `root` (the same one through a symlink or a bind mount is not:
    the recorded paths still lead to its files)."""
    return previous != str(root) and not _same_folder(previous, root)


def moved_from(root: Path) -> Optional[str]:
    """The root the workspace was made (or last relocated) at when that is another folder than `root`, else None."""
    previous = recorded_root(root) or inferred_root(root)
    return previous if previous is not None and _elsewhere(previous, root) else None


def follow_move(root: Path, uses_mysql: Callable[[], bool], echo: Optional[Callable[[str], None]] = None
                ) -> Optional[Relocation]:
    """Rewrites a moved or copied workspace's paths for its new root, once (two processes opening it at once: the
    second finds it done), and says so on stderr. None when the workspace is where its paths say it is."""
    recorded = recorded_root(root)
    if recorded == str(root):
        return None
    if recorded is None:   # made before the record: it was where its store's paths say (reading writes nothing)
        recorded = inferred_root(root) or str(root)
    if not _elsewhere(recorded, root):
        return None
    try:
        with _locked(root):
            previous = moved_from(root)  # another process may have followed the move meanwhile
            if previous is None:
                return None
            if uses_mysql():
                raise RelocationError(
                    f"workspace {root} was made at {previous}: its ML Metadata on the MySQL server records paths "
                    f"under {previous} and may still serve the workspace there, so adapt does not rewrite them; "
                    f"use the workspace at {previous} (mount it there)")
            done = relocate(root, previous)
            record_root(root)
    except PermissionError as err:
        raise RelocationError(f"workspace {root} was made at another path and cannot be written here to follow "
                              f"the move ({err.strerror}: {err.filename})") from None
    (echo or (lambda line: print(f"adapt: {line}", file=sys.stderr)))(done.describe())
    return done


class _locked:
    """An exclusive lock on the workspace's relocation (flock: released when the process dies)."""

    def __init__(self, root: Path):
        self.path = root / LOCK_FILE

    def __enter__(self):
        self.handle = open(self.path, "a")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


class PathRewriter:
    """Replaces the old root by the new one wherever it starts a path: as written, and as JSON escapes it.

    A match must not continue a longer name on either side (/ws does not match /ws2 or /data/ws)."""

    def __init__(self, old_root: str, new_root: str):
        if new_root.startswith(old_root.rstrip("/") + "/"):
            raise RelocationError(f"cannot relocate {old_root} into its own sub-folder {new_root}")
        self.old_root, self.new_root = old_root, new_root
        forms = {old_root: new_root, json.dumps(old_root)[1:-1]: json.dumps(new_root)[1:-1]}
        self._forms = [(re.compile(rf"(?<!{_PATH_CHARACTER}){re.escape(old)}(?!{_PATH_CHARACTER})"), new)
                       for old, new in forms.items()]

    def __call__(self, text: str) -> str:
        for pattern, new in self._forms:
            text = pattern.sub(lambda _: new, text)
        return text


def relocate(folder: Path, old_root: str, new_root: Optional[str] = None) -> Relocation:
    """Rewrites every path under `old_root` that the workspace in `folder` records to `new_root` (default: the
    folder itself; a restore rewrites a staging folder for the path it will be renamed to)."""
    new_root = new_root or str(folder)
    rewrite = PathRewriter(old_root, new_root)
    values = rewrite_metadata(folder / METADATA_FILE, rewrite)
    files = sum(1 for path in _rewritable_files(folder) if _rewrite_file(path, rewrite))
    records = rename_batch_records(folder, new_root)
    return Relocation(old_root, new_root, values, files, records)


def rewrite_metadata(store: Path, rewrite: PathRewriter) -> int:
    """Rewrites the paths in an ML Metadata SQLite store in one transaction; returns how many values changed."""
    if not store.is_file():
        return 0
    changed = 0
    with contextlib.closing(sqlite3.connect(str(store), timeout=60, isolation_level=None)) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        connection.execute("BEGIN IMMEDIATE")
        try:
            for table, column in MLMD_TEXT_COLUMNS:
                if table not in tables:
                    continue
                found = connection.execute(f"SELECT DISTINCT {column} FROM {table} WHERE instr({column}, ?) > 0",
                                           (rewrite.old_root,)).fetchall()
                for (value,) in found:
                    if rewrite(value) != value:
                        changed += connection.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?",
                                                      (rewrite(value), value)).rowcount
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return changed


def _rewritable_files(folder: Path) -> Iterator[Path]:
    for directory, subfolders, names in os.walk(folder):
        if Path(directory) == folder:
            subfolders[:] = [name for name in subfolders if name not in NOT_REWRITTEN]
        for name in names:
            if name.endswith(REWRITTEN_SUFFIXES):
                yield Path(directory) / name


def _rewrite_file(path: Path, rewrite: PathRewriter) -> bool:
    """Rewrites one file in place (atomically, keeping its mode and times); False when nothing changed."""
    try:
        if path.is_symlink() or path.stat().st_size > LARGEST_REWRITTEN_FILE:
            return False
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, FileNotFoundError):
        return False
    rewritten = rewrite(text)
    if rewritten == text:
        return False
    status = path.stat()
    temporary = path.with_name(f".{path.name}.relocating")
    temporary.write_text(rewritten, encoding="utf-8")
    os.chmod(temporary, status.st_mode & 0o7777)
    os.utime(temporary, ns=(status.st_atime_ns, status.st_mtime_ns))
    temporary.replace(path)
    return True


def rename_batch_records(folder: Path, new_root: str) -> int:
    """Renames the record folders of batches inside the workspace for their new path (a record is keyed by its
    batch's resolved path; batches elsewhere keep theirs). Their state files already name the new path."""
    records_root = BatchRecords.beside(str(folder / "data"))
    final_records = BatchRecords.beside(os.path.join(new_root, "data"))
    renamed = 0
    for state_file in sorted(Path(records_root.root).glob(f"*/{STATE_FILE}")):
        batch_uri = json.loads(state_file.read_text()).get("batch_uri", "")
        if not batch_uri.startswith(new_root.rstrip("/") + "/"):
            continue
        wanted = Path(records_root.root) / Path(final_records.folder(Batch(batch_uri))).name
        if wanted != state_file.parent and not wanted.exists():
            state_file.parent.rename(wanted)
            renamed += 1
    return renamed
