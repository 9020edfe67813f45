"""What `adapt doctor` checks of a workspace before a problem strikes: free space, the metadata store, leftovers of
killed writes, and version folders that cannot serve; each check a typed `Check`.

Every write adapt makes to the workspace goes through a hidden staging name that
is renamed into place (spans: `data/.span-staging.*`, pushes:
`serving/<model>/.push-*`, rollback pins: `.version_policy.json.tmp`). A
process killed mid-write leaves its staging folder behind: harmless, since
nothing reads it, but it holds disk space. One untouched for STALE_SECONDS is
stale; `remove_stale` deletes those and nothing else. No TensorFlow here.
"""
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List

from core import versions
from core.errors import AdaptError

LOW_SPACE_BYTES = 1 << 30          # under 1 GiB free, a training run (spans, pipeline outputs, a model) may not fit
STALE_SECONDS = 3600.0
STAGING_PATTERNS = ("data/.span-staging.*", "serving/*/.push-*", "serving/*/.version_policy.json.tmp")


@dataclass(frozen=True)
class Check:
    """One finding: what was checked, whether it is fine (False: it needs a person), what was found."""
    check: str
    ok: bool
    found: str


@dataclass(frozen=True)
class Leftover:
    path: Path
    bytes: int
    age_seconds: float


def free_space(root: Path) -> tuple:
    """(free bytes, total bytes) of the filesystem holding `root`."""
    usage = shutil.disk_usage(root)
    return usage.free, usage.total


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _modified(path: Path) -> float:
    """The newest modification time under `path` (a folder still being written is not stale)."""
    times = [path.stat().st_mtime] + ([f.stat().st_mtime for f in path.rglob("*")] if path.is_dir() else [])
    return max(times)


def staging_leftovers(root: Path, now: float = 0.0) -> List[Leftover]:
    """Every staging folder or file in the workspace, oldest first."""
    now = now or time.time()
    found = []
    for pattern in STAGING_PATTERNS:
        for path in root.glob(pattern):
            try:
                found.append(Leftover(path, _size(path), now - _modified(path)))
            except FileNotFoundError:  # renamed into place while we looked
                continue
    return sorted(found, key=lambda leftover: -leftover.age_seconds)


def remove_stale(leftovers: List[Leftover], stale_seconds: float = STALE_SECONDS) -> List[Leftover]:
    """Deletes the leftovers untouched for `stale_seconds`; returns those it deleted."""
    removed = []
    for leftover in leftovers:
        if leftover.age_seconds < stale_seconds:
            continue
        if leftover.path.is_dir():
            shutil.rmtree(leftover.path, ignore_errors=True)
        elif leftover.path.exists():
            os.remove(leftover.path)
        removed.append(leftover)
    return removed


def human_bytes(count: int) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if count < 1024 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} B"


def human_age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h" if seconds < 172800 else f"{seconds / 86400:.0f} days"


def space_check(root: Path) -> Check:
    free, total = free_space(root)
    low = "" if free >= LOW_SPACE_BYTES else f": under {human_bytes(LOW_SPACE_BYTES)}, a training run may not fit"
    return Check("free space", not low, f"{human_bytes(free)} of {human_bytes(total)} free on the workspace's "
                                        f"filesystem{low}")


def store_check(where: str, exists: bool, open_store: Callable[[], object]) -> Check:
    """The metadata store at `where` opens (`open_store` raises an AdaptError when it does not); a store that does
    not exist yet is fine, and is not created by looking."""
    if not exists:
        return Check("metadata", True, f"{where}: no store yet (the first run creates it)")
    try:
        open_store()
    except AdaptError as err:
        return Check("metadata", False, str(err))
    return Check("metadata", True, f"{where}: opens")


def staging_checks(root: Path, clean: bool = False) -> List[Check]:
    """One line per leftover of a killed write (removed with `clean` when stale), then what `clean` would remove."""
    leftovers = staging_leftovers(root)
    removed = remove_stale(leftovers) if clean else []
    checks = []
    for leftover in leftovers:
        state = "removed" if leftover in removed else "stale" if leftover.age_seconds >= STALE_SECONDS \
            else "being written?"
        checks.append(Check("staging", True, f"{leftover.path.relative_to(root)}: {human_bytes(leftover.bytes)}, "
                                             f"untouched for {human_age(leftover.age_seconds)} ({state})"))
    stale = [leftover for leftover in leftovers if leftover.age_seconds >= STALE_SECONDS]
    if stale and not clean:
        checks.append(Check("staging", True, f"{len(stale)} stale leftover(s) of killed writes, "
                                             f"{human_bytes(sum(s.bytes for s in stale))}: "
                                             "`adapt doctor --clean` removes them"))
    return checks


def version_checks(base: str) -> List[Check]:
    """The pushed versions under `base` and the production one, then each version folder that cannot serve."""
    whole, broken = versions.list_versions(base), versions.broken_versions(base)
    checks = [Check("versions", True, f"{base}: {', '.join(map(str, whole)) or 'none'}"
                                      f" (production {versions.production_version(base) or '-'})")]
    return checks + [Check("versions", False, f"{versions.version_path(base, version)} cannot serve: {problem}")
                     for version, problem in broken.items()]


def workspace_checks(root: Path, serving_base: str, store: Check, clean: bool = False) -> List[Check]:
    """Every check of `adapt doctor`, in its order: free space, the store (`store_check`), staging, versions."""
    return [space_check(root), store, *staging_checks(root, clean), *version_checks(serving_base)]
