"""Which version of a model is in production, read from the TF Serving folder layout.

    <base>/<version>/saved_model.pb    numeric version folders (pushed by Pusher)
    <base>/version_policy.json         optional pin written by `adapt models rollback`

Without a pin the highest version serves, as in TF Serving. A rollback pins an
older version until a newer one is pushed: the pin remembers the highest
version that existed when it was set, and any push above that wins again.
No TensorFlow here: the CLI and the scheduler read this on every call.

Only whole versions count. Pusher renames a finished copy into place, but a
folder copied in by hand may be half there: `version_problem` judges a
numeric folder by its files alone (a saved_model.pb that starts as a
SavedModel does, the variables index and every data shard it names), and a
folder with a problem is no version: it never serves, and `broken_versions`
names it and why.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path
from typing import Dict, List, Optional

from core import faults
from core.errors import VersionError

POLICY_FILE = "version_policy.json"


SAVED_MODEL_STARTS = (b"\x08", b"\x12")  # a SavedModel proto's first field: schema version (1) or meta graphs (2)


def version_problem(folder: Path) -> Optional[str]:
    """Why a version folder cannot serve, judged by its files without loading them; None when it looks whole."""
    graph = folder / "saved_model.pb"
    if not graph.is_file():
        return "no saved_model.pb"
    with open(graph, "rb") as handle:
        if handle.read(1) not in SAVED_MODEL_STARTS:
            return "saved_model.pb is not a SavedModel"
    variables = folder / "variables"
    if variables.is_dir():
        if not (variables / "variables.index").is_file():
            return "variables/variables.index is missing"
        shards = list(variables.glob("variables.data-*-of-*"))
        expected = {int(shard.name.rsplit("-of-", 1)[1]) for shard in shards if shard.name.rsplit("-of-", 1)[1].isdigit()}
        if not shards or len(expected) != 1 or len(shards) != expected.pop():
            return "variables data shards are missing"
    return None


def _version_folders(base: str) -> List[Path]:
    root = Path(base)
    return [child for child in root.iterdir() if child.name.isdigit() and child.is_dir()] if root.is_dir() else []


def list_versions(base: str) -> List[int]:
    """Whole versions, ascending."""
    return sorted(int(folder.name) for folder in _version_folders(base) if version_problem(folder) is None)


def broken_versions(base: str) -> Dict[int, str]:
    """{version: its problem} of the version folders that cannot serve (copied by hand, half there)."""
    found = {int(folder.name): version_problem(folder) for folder in _version_folders(base)}
    return {version: problem for version, problem in sorted(found.items()) if problem is not None}


def read_pin(base: str) -> Optional[dict]:
    path = Path(base) / POLICY_FILE
    if not path.exists():
        return None
    return json.loads(path.read_text())


def production_version(base: str) -> Optional[int]:
    versions = list_versions(base)
    if not versions:
        return None
    pin = read_pin(base)
    if pin and pin.get("pinned_version") in versions and versions[-1] <= pin.get("latest_version_at_pin", -1):
        return pin["pinned_version"]
    return versions[-1]


def on_object_store(base: str) -> bool:
    """A `gs://…` or `s3://…` folder: no rename, no lock, and nothing this module can list."""
    return "://" in base


@contextlib.contextmanager
def changing(base: str):
    """Holds the model's version folder for one change — a push (check what serves, copy the next version) or a
    rollback pin — against the other processes of this machine. A lock on the folder itself: the kernel drops it
    when its holder dies, so a killed push never leaves it held. Object stores (`gs://…`) take no lock."""
    if on_object_store(base) or not os.path.isdir(base):
        yield
        return
    descriptor = os.open(base, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing the last descriptor releases the lock


def pin_version(base: str, version: int) -> dict:
    """Makes `version` the production version until a newer one is pushed."""
    with changing(base):
        return _pin(base, version)


def _servable(base: str, version: int) -> List[int]:
    versions = list_versions(base)
    problem = broken_versions(base).get(version)
    if problem:
        raise VersionError(f"version {version} under {base} cannot serve: {problem}")
    if version not in versions:
        raise VersionError(f"version {version} does not exist under {base} "
                           f"(versions: {', '.join(map(str, versions)) or 'none'})")
    return versions


def _pin(base: str, version: int) -> dict:
    versions = _servable(base, version)
    record = {"pinned_version": version, "latest_version_at_pin": versions[-1], "pinned_at": time.time()}
    _write_json(Path(base) / POLICY_FILE, record, "pin-staged")
    return record


def _write_json(path: Path, record: dict, fault: str = "") -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(record, indent=2))
    if fault:
        faults.point(fault)
    os.replace(temporary, path)


# -- canary: a second version answering a share of the requests (or a copy of each: shadow) --------------
CANARY_FILE = "canary.json"


def read_canary(base: str) -> Optional[dict]:
    """{version, stable_version, traffic, shadow, started_at} while a canary runs; None otherwise (also when its
    version folder is gone or broken)."""
    path = Path(base) / CANARY_FILE
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    return record if record.get("version") in list_versions(base) else None


def start_canary(base: str, version: int, traffic: float, shadow: bool = False) -> dict:
    """Serves `version` to `traffic` of the requests (shadow: a copy of each, answers discarded) beside the stable
    version: the production version, or, when `version` is production already (just pushed), the one before it.
    The stable version is pinned, so that `version` does not take all traffic as the newest."""
    if not 0.0 < traffic <= 1.0:
        raise VersionError(f"a canary's traffic is a share above 0 and at most 100%, not {traffic:.0%}")
    with changing(base):
        versions = _servable(base, version)
        stable = production_version(base)
        if stable == version:
            pin = read_pin(base)
            earlier = [v for v in versions if v < version]
            stable = pin["pinned_version"] if pin and pin.get("pinned_version") in earlier else \
                (earlier[-1] if earlier else None)
        if stable is None:
            raise VersionError(f"version {version} is the only version: a canary needs a stable version beside it")
        _pin(base, stable)
        return write_canary(base, version, stable, traffic, shadow)


def write_canary(base: str, version: int, stable: int, traffic: float, shadow: bool = False) -> dict:
    """The canary record (the caller holds `changing(base)`)."""
    record = {"version": version, "stable_version": stable, "traffic": traffic, "shadow": shadow,
              "started_at": time.time()}
    _write_json(Path(base) / CANARY_FILE, record)
    return record


def hold_for_canary(base: str, next_version: int) -> Optional[int]:
    """Before `next_version` is pushed as a canary (the caller holds `changing(base)`): pins the production version
    through `next_version`, so that the new folder does not take every request the moment it appears. The stable
    version, or None when nothing serves yet (the push then serves as production)."""
    stable = production_version(base)
    if stable is None:
        return None
    record = {"pinned_version": stable, "latest_version_at_pin": max(list_versions(base)[-1], next_version),
              "pinned_at": time.time()}
    _write_json(Path(base) / POLICY_FILE, record, "pin-staged")
    return stable


def end_canary(base: str, promote: bool) -> dict:
    """Ends the canary: promoted, its version serves every request; aborted, the stable version does."""
    with changing(base):
        record = read_canary(base)
        if record is None:
            raise VersionError(f"no canary runs under {base}: `adapt models canary V` starts one")
        if promote:
            _pin(base, record["version"])
        os.remove(Path(base) / CANARY_FILE)
        return record


def version_path(base: str, version: int) -> str:
    return str(Path(base) / str(version))
