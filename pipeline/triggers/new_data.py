"""The new-data trigger: which batches under an incoming prefix are ready, oldest first.

A batch is ready when it holds at least `data.min_batch_instances` instances,
is not processed yet (or labels arrived after an unlabeled evaluation), and no
other run holds it; what is processed, and who holds what, is read from one
workspace's batch records. Works on local folders and bucket prefixes (fsspec).
"""
from dataclasses import dataclass, field
from typing import List, Tuple

from core.config import Config
from core.data.batch import Batch, BatchRecords, list_batches


@dataclass
class Scan:
    ready: List[Tuple[Batch, str]] = field(default_factory=list)
    skipped: List[Tuple[Batch, str]] = field(default_factory=list)

    def describe(self) -> List[str]:
        return ([f"ready    {b.batch_id}: {why}" for b, why in self.ready]
                + [f"skipped  {b.batch_id}: {why}" for b, why in self.skipped])


def scan(incoming: str, config: Config, records: BatchRecords) -> Scan:
    """Every batch under `incoming`, ready or skipped (and why), by the state `records` keep of it."""
    result = Scan()
    for batch in list_batches(str(incoming), labels_file=config.data.labels_file, records=records):
        ready, why = batch.readiness(config.data.min_batch_instances)
        (result.ready if ready else result.skipped).append((batch, why))
    return result
