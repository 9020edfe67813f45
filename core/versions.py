"""Which version of a model is in production, read from the TF Serving folder layout.

    <base>/<version>/saved_model.pb    numeric version folders (pushed by Pusher)
    <base>/version_policy.json         optional pin written by `adapt models rollback`

Without a pin the highest version serves, as in TF Serving. A rollback pins an
older version until a newer one is pushed: the pin remembers the highest
version that existed when it was set, and any push above that wins again.
No TensorFlow here: the CLI and the scheduler read this on every call.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path
from typing import List, Optional

from core import faults
from core.errors import VersionError

POLICY_FILE = "version_policy.json"


def list_versions(base: str) -> List[int]:
    """Complete versions (those with a saved_model.pb), ascending."""
    root = Path(base)
    if not root.is_dir():
        return []
    versions = []
    for child in root.iterdir():
        if child.name.isdigit() and (child / "saved_model.pb").exists():
            versions.append(int(child.name))
    return sorted(versions)


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
