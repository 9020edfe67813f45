"""Which batches are ready: a whole `Batch` (its files, labels and records) and the scan of incoming/.

A batch is *ready* when it holds enough instances and is not yet processed, or
was evaluated without labels and labels have arrived since, or was evaluated
with some rows labeled and its labels file labels more rows now; a batch whose data
files changed after it was processed is reported, neither skipped silently nor
redone; a batch a run holds (or a failed run, until the batch changes) waits. A batch whose labeled rows were too
few for a span's two splits waits for more labels and says so (its state's `waiting`).
Batches are handled oldest first, by the arrival time of their data files.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import List, Optional, Tuple

from core.data.batch.labels import LabeledBatch
from core.data.batch.reading import filesystem, full_path
from core.data.batch.records import CLAIM_FILE, BatchRecords, RecordedBatch
from core.errors import BatchError


@dataclass
class Batch(RecordedBatch, LabeledBatch):
    """One batch folder: its files (reading.py), its labels (labels.py) and the workspace's records of it
    (records.py: state, claim), read without TensorFlow; whether it is processed, and whether it is ready.

    `Batch(path, label=..., labels_file=..., only=..., records=...)`: `only` restricts it to one data file of the
    folder; `records` is the workspace's records of batches, where its state and claim live (reading needs none).
    """

    def is_processed(self) -> bool:
        state = self.state()
        if state is None:
            return False
        if state.get("retrain") and (state.get("span") or state.get("window_end")) and state.get("trained") is False:
            return False  # the run that decided to retrain died before training finished: do it again
        if state.get("labeled"):
            return self.labels_grown() is None
        # Inline labels are part of the data, so an unlabeled evaluation can only be redone by a labels file.
        return not self.has_labels_file()

    def labels_grown(self) -> Optional[Tuple[int, int]]:
        """(rows labeled when it was evaluated, rows labeled now) of a batch evaluated with only some rows labeled
        whose labels file labels more rows since (read again only when the file changed); None otherwise."""
        state = self.state() or {}
        before, rows = state.get("labeled_rows"), state.get("rows")
        if not state.get("labeled") or before is None or not rows or before >= rows or not self.has_labels_file():
            return None
        if self.file_stamp(self.labels_file) == state.get("labels_stamp"):
            return None
        now = self.labeled_in_file()
        return (before, now) if now > before else None

    def readiness(self, min_instances: int) -> Tuple[bool, str]:
        """(ready, why) — why names the reason a batch is skipped."""
        try:
            changed = self.changed_since_processed()
            if changed:
                return False, changed
            if self.is_processed():
                return False, (self.state() or {}).get("waiting") or "already processed"
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
        grown = self.labels_grown()
        if grown is not None:
            return True, f"{count} instances; {grown[1]} rows labeled now, {grown[0]} when evaluated"
        if state is not None:
            return True, f"{count} instances; labels arrived after evaluation"
        return True, f"{count} instances"


def list_batches(incoming: str, label: str = "", labels_file: str = "labels.csv",
                 records: Optional[BatchRecords] = None) -> List[Batch]:
    """Batch folders under incoming/, oldest arrival first (ties broken by name)."""
    fs, root = filesystem(incoming)
    if not fs.exists(root):
        return []
    batches = []
    for entry in fs.ls(root, detail=True):
        name = posixpath.basename(entry["name"].rstrip("/"))
        if entry.get("type") == "directory" and not name.startswith((".", "_")):
            batches.append(Batch(full_path(fs, entry["name"].rstrip("/")), label=label, labels_file=labels_file,
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
