"""`adapt backup` and `adapt restore`: a workspace as one .tar.gz, taken while `adapt watch` or `adapt serve` run,
and a new workspace from it at any path.

The archive holds `adapt-backup.json` first (what it is, the root it was taken at, where its ML Metadata was) and
the workspace's files under `workspace/`. ML Metadata's SQLite store is copied with SQLite's online backup API
before any other file: it is one consistent moment of the store, and every artifact it records as complete was
already on disk when the files were read after it. A file written after that moment (a span published, a model
pushed) is a step the restored workspace redoes or finishes as after a crash, which adapt recovers from. Left out:
staging leftovers of writes in progress or killed (core/health.py), TFX's per-execution scratch folders
(`pipelines/*/*/.system`), temporary and lock files. A store on a MySQL/MariaDB server is not in the archive:
the backup says how to dump it.

Restore extracts into a hidden folder beside the target, rewrites the paths recorded under the old root for the
new one (core/relocation.py) and renames the folder into place, so a failed restore leaves nothing behind.
"""
from __future__ import annotations

import contextlib
import fnmatch
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Optional

from core import relocation
from core.config import MetadataConfig
from core.errors import AdaptError, UsageError
from core.health import STAGING_PATTERNS

MANIFEST = "adapt-backup.json"
FORMAT = "adapt-backup"
FORMAT_VERSION = 1
CONTENT = "workspace"
STORE_FILES = (relocation.METADATA_FILE, f"{relocation.METADATA_FILE}-journal", f"{relocation.METADATA_FILE}-wal",
               f"{relocation.METADATA_FILE}-shm")
LEFT_OUT = STAGING_PATTERNS + ("pipelines/*/*/.system", relocation.LOCK_FILE)
LEFT_OUT_NAMES = ("*.tmp", ".*.relocating", "adapt-claim.lock")  # anywhere: files being replaced, claim locks


class NotABackupError(UsageError):
    """The file given to `adapt restore` is not an archive `adapt backup` wrote."""


@dataclass(frozen=True)
class BackupManifest:
    root: str            # the workspace's absolute root when the backup was taken
    created_at: float
    metadata: str        # "sqlite" (in the archive) or the MySQL store's location (not in it)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def has_metadata_snapshot(self) -> bool:
        return self.metadata == "sqlite"


@dataclass(frozen=True)
class BackupResult:
    output: Path
    files: int
    bytes: int
    manifest: BackupManifest
    mysql_dump_command: str = ""   # with ML Metadata on a MySQL server: how to dump it beside the archive


@dataclass(frozen=True)
class RestoreResult:
    workspace: Path
    manifest: BackupManifest
    files: int
    relocation: Optional[relocation.Relocation]   # None when restored at the root it was taken at


def mysql_dump_command(settings: MetadataConfig, output: Path) -> str:
    """The one command that dumps a MySQL store consistently (InnoDB) beside the backup (asks for the password)."""
    dump = output.with_name(output.name.split(".")[0] + "-metadata.sql")
    return (f"mysqldump --single-transaction -h {settings.mysql_host} -P {settings.mysql_port} "
            f"-u {settings.mysql_user} -p {settings.mysql_database} > {dump}")


def checked_output(root: Path, output: Path) -> Path:
    """Where a backup of the workspace at `root` may be written (absolute), or a UsageError saying why not."""
    output = Path(output).expanduser().resolve()
    if output == root or root in output.parents:
        raise UsageError(f"--output {output} is inside the workspace; write the backup elsewhere")
    if output.is_dir():
        raise UsageError(f"--output {output} is a folder; name the backup file (e.g. {output}/workspace.tar.gz)")
    if not output.parent.is_dir():
        raise UsageError(f"--output {output}: folder {output.parent} does not exist")
    return output


def backup(root: Path, output: Path, settings: MetadataConfig) -> BackupResult:
    """Writes the workspace at `root` to `output` (.tar.gz), atomically; see the module's docstring."""
    output = checked_output(root, output)
    uses_mysql = bool(settings.mysql_host)
    manifest = BackupManifest(root=str(root), created_at=time.time(),
                              metadata=_mysql_location(settings) if uses_mysql else "sqlite")
    partial = output.with_name(f".{output.name}.partial-{os.getpid()}")
    files = 0
    try:
        with tempfile.TemporaryDirectory(dir=output.parent, prefix=f".{output.name}.store-") as scratch:
            store = root / relocation.METADATA_FILE
            snapshot = Path(scratch) / relocation.METADATA_FILE
            if not uses_mysql and store.is_file():
                snapshot_sqlite(store, snapshot)  # first: every file it calls complete is on disk before the walk
            with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
                _add_bytes(archive, MANIFEST, json.dumps(asdict(manifest), indent=2).encode())
                if snapshot.is_file():
                    archive.add(snapshot, f"{CONTENT}/{relocation.METADATA_FILE}", recursive=False)
                    files += 1
                for path in _workspace_entries(root):
                    with contextlib.suppress(FileNotFoundError):  # renamed into place or removed while we walked
                        archive.add(path, f"{CONTENT}/{path.relative_to(root)}" if path != root else CONTENT,
                                    recursive=False)
                        files += not path.is_dir()
        partial.replace(output)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupResult(output, files, output.stat().st_size, manifest,
                        mysql_dump_command(settings, output) if uses_mysql else "")


def _mysql_location(settings: MetadataConfig) -> str:
    return f"mysql://{settings.mysql_user}@{settings.mysql_host}:{settings.mysql_port}/{settings.mysql_database}"


def snapshot_sqlite(store: Path, target: Path) -> None:
    """A consistent copy of an SQLite database that other processes may be writing (SQLite's online backup API:
    the copy is the database as one committed transaction left it)."""
    with contextlib.closing(sqlite3.connect(str(store), timeout=60)) as source, \
            contextlib.closing(sqlite3.connect(str(target))) as copy:
        source.backup(copy)


def _left_out(relative: str, name: str) -> bool:
    return (relative in STORE_FILES or any(fnmatch.fnmatch(relative, pattern) for pattern in LEFT_OUT)
            or any(fnmatch.fnmatch(name, pattern) for pattern in LEFT_OUT_NAMES))


def _workspace_entries(root: Path) -> Iterator[Path]:
    """The workspace's folders and files worth keeping, parents before children, in a stable order."""
    for directory, subfolders, names in os.walk(root):
        here = Path(directory)
        kept = sorted(name for name in subfolders if not _left_out(str((here / name).relative_to(root)), name))
        subfolders[:] = [name for name in kept if not (here / name).is_symlink()]
        yield here
        links = [name for name in kept if (here / name).is_symlink()]  # kept as links, as tar keeps them
        for name in sorted(names + links):
            path = here / name
            if not _left_out(str(path.relative_to(root)), name) and (path.is_file() or path.is_symlink()):
                yield path


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size, member.mtime, member.mode = len(data), int(time.time()), 0o644
    archive.addfile(member, io.BytesIO(data))


# -- restore --------------------------------------------------------------------------------------------
def read_manifest(archive_path: Path) -> BackupManifest:
    """What an archive says it is; NotABackupError (one line) for anything `adapt backup` did not write."""
    if not archive_path.is_file():
        raise UsageError(f"{archive_path}: no such backup file")
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            first = archive.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise NotABackupError(f"{archive_path} is not an adapt backup (it does not start with {MANIFEST}; "
                                      f"`adapt backup --output FILE` writes one)")
            recorded = json.loads(archive.extractfile(first).read())
    except (tarfile.ReadError, EOFError, OSError) as err:   # not a tar archive (gzipped or not), or cut short
        raise NotABackupError(f"{archive_path} is not an adapt backup (not a whole .tar.gz archive: "
                              f"{type(err).__name__})") from None
    except (tarfile.TarError, ValueError) as err:
        raise NotABackupError(f"{archive_path} is not an adapt backup ({MANIFEST} unreadable: "
                              f"{type(err).__name__})") from None
    if not isinstance(recorded, dict) or recorded.get("format") != FORMAT or not recorded.get("root"):
        raise NotABackupError(f"{archive_path} is not an adapt backup ({MANIFEST} does not describe one)")
    if int(recorded.get("format_version", 0)) > FORMAT_VERSION:
        raise NotABackupError(f"{archive_path} was written by a newer adapt (backup format "
                              f"{recorded['format_version']}; this one reads {FORMAT_VERSION}): upgrade adapt")
    return BackupManifest(**{key: recorded[key] for key in BackupManifest.__dataclass_fields__ if key in recorded})


def restore(archive_path: Path, target: Path) -> RestoreResult:
    """A new workspace at `target` (absolute, resolved; absent or an empty folder) from a backup."""
    archive_path = Path(archive_path).expanduser().resolve()
    manifest = read_manifest(archive_path)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"--workdir {target} is not empty: restore into a new (or empty) folder")
    if not manifest.has_metadata_snapshot and manifest.root != str(target):
        raise UsageError(f"this backup's ML Metadata is on a MySQL server ({manifest.metadata}) and records paths "
                         f"under {manifest.root}, which adapt does not rewrite there: restore it with --workdir "
                         f"{manifest.root}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.restoring-{os.getpid()}"
    try:
        files = _extract(archive_path, staging)
        moved = None
        if manifest.root != str(target):
            moved = relocation.relocate(staging, manifest.root, str(target))
        relocation.record_root(staging, target)
        if target.exists():
            target.rmdir()
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(target, manifest, files, moved)


def _extract(archive_path: Path, staging: Path) -> int:
    prefix = CONTENT + "/"
    extracted = 0

    def members(archive: tarfile.TarFile):
        nonlocal extracted
        for member in archive:
            if member.name == MANIFEST or member.name == CONTENT:
                continue
            if not member.name.startswith(prefix):
                raise NotABackupError(f"{archive_path} holds {member.name!r} outside {prefix}: not an adapt backup")
            member.name = member.name[len(prefix):]
            extracted += member.isfile()
            yield member

    staging.mkdir()
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            archive.extractall(staging, members=members(archive), filter="tar")
    except tarfile.FilterError as err:
        raise AdaptError(f"{archive_path}: refused to restore {err.tarinfo.name!r}: {err}") from None
    except (tarfile.TarError, EOFError) as err:
        raise AdaptError(f"{archive_path} is damaged ({type(err).__name__}: {err}); nothing was restored") from None
    return extracted
