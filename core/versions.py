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
        versions = list_versions(base)
        problem = broken_versions(base).get(version)
        if problem:
            raise VersionError(f"version {version} under {base} cannot serve: {problem}")
        if version not in versions:
            raise VersionError(f"version {version} does not exist under {base} "
                               f"(versions: {', '.join(map(str, versions)) or 'none'})")
        record = {"pinned_version": version, "latest_version_at_pin": versions[-1], "pinned_at": time.time()}
        temporary = Path(base) / f".{POLICY_FILE}.tmp"
        temporary.write_text(json.dumps(record, indent=2))
        faults.point("pin-staged")
        os.replace(temporary, Path(base) / POLICY_FILE)
        return record


def version_path(base: str, version: int) -> str:
    return str(Path(base) / str(version))
