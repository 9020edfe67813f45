"""What a workspace did with a batch, and who is doing it now: the batch's state, its claim and the claim's lock.

A batch folder is the user's data: adapt never writes into it (it may be a
read-only mount, or shared by several workspaces). What a workspace did with a
batch lives in the workspace (`BatchRecords`: `<workdir>/batches/<name>-<key>/`,
keyed by the batch's resolved path): `adapt-state.json`, what was done, with a
fingerprint of the data files then (names, sizes, modification times); and a
claim, `adapt-claim.json` (who started which run, or why it failed), so a
second tick or a second trigger does not start the same batch again; a claim
older than the batch's state, or older than the claim timeout, no longer
counts. A batch whose data files changed after it was processed is *changed*.

An older adapt wrote the state into the batch folder (`.adapt-state.json`): a
workspace adopts such a file once, when one of its spans came from that batch,
and never writes there again.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import posixpath
import socket
import time
import uuid
from dataclasses import KW_ONLY, dataclass
from typing import Any, Dict, Optional

from core import faults
from core.data.batch.reading import BatchFiles, filesystem, full_path
from core.errors import BatchError

STATE_FILE = "adapt-state.json"
CLAIM_FILE = "adapt-claim.json"
LOCK_FILE = "adapt-claim.lock"
LEGACY_STATE_FILE = ".adapt-state.json"  # where adapt before the workspace records kept a batch's state
STALE_LOCK_SECONDS = 10  # the lock is held for milliseconds; one older than this outlived its process
CLAIM_TIMEOUT_SECONDS = 6 * 3600


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

    def folder(self, batch: BatchFiles) -> str:
        key = batch.resolved_uri()
        return posixpath.join(self.root.rstrip("/"), f"{batch.batch_id}-{hashlib.sha256(key.encode()).hexdigest()[:12]}")


@dataclass
class RecordedBatch(BatchFiles):
    """A batch folder with the workspace's records of it (`records`: where its state and claim live)."""

    _: KW_ONLY
    records: Optional[BatchRecords] = None

    def _records_folder(self) -> str:
        if self.records is None:
            raise BatchError(f"batch {self.batch_id}: no workspace to keep its state in")
        return self.records.folder(self)

    def _read_record(self, name: str) -> Optional[Dict[str, Any]]:
        if self.records is None:
            return None
        fs, folder = filesystem(self._records_folder())
        path = posixpath.join(folder, name)
        if not fs.exists(path):
            return None
        with fs.open(path, "rt") as handle:
            return json.load(handle)

    def _write_record(self, name: str, record: Dict[str, Any]) -> None:
        fs, folder = filesystem(self._records_folder())
        fs.makedirs(folder, exist_ok=True)
        temporary = posixpath.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.tmp")  # one per writer
        with fs.open(temporary, "wt") as handle:
            json.dump(record, handle, indent=2, sort_keys=True)
        faults.point(f"{name.strip('.')}-staged")  # adapt-state.json-staged, adapt-claim.json-staged
        fs.mv(temporary, posixpath.join(folder, name))

    # -- state --------------------------------------------------------------------
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
                   "data_fingerprint": self.fingerprint(data_only=True)}
        self._write_record(STATE_FILE, adopted)
        return adopted

    def write_state(self, state: Dict[str, Any]) -> None:
        """Records what was done with the batch (written to a temp name, then moved into place)."""
        self._write_record(STATE_FILE, {**state, "batch": self.batch_id, "batch_uri": self.resolved_uri(),
                                        "data_fingerprint": self.fingerprint(data_only=True),
                                        "updated_at": time.time()})

    def changed_since_processed(self) -> Optional[str]:
        """Why the batch's data differ from when its state was written, or None."""
        state = self.state()
        recorded = (state or {}).get("data_fingerprint")
        if not recorded or recorded == self.fingerprint(data_only=True):
            return None
        return (f"batch {self.batch_id} changed after it was processed (its data files differ from when its "
                f"state was written); put new data in a new batch folder, or delete "
                f"{posixpath.join(self._records_folder(), STATE_FILE)} to evaluate it again")

    # -- claim ----------------------------------------------------------------------
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
        self._write_record(CLAIM_FILE, record)

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
                fs, folder = filesystem(self._records_folder())
                fs.rm(posixpath.join(folder, CLAIM_FILE))

    @contextlib.contextmanager
    def _claim_lock(self):
        """An O_EXCL lock file around reading and writing the claim (local records; a no-op on buckets)."""
        fs, folder = filesystem(self._records_folder())
        if full_path(fs, folder) != folder:
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
