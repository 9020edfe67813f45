"""Executor of FileListGen."""
import hashlib
from typing import Any, Dict

from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from components.common.artifacts import write_report
from components.common.batches import Batch, BatchError


def fingerprint(batch: Batch) -> str:
    """Changes when a data or labels file is added, removed or rewritten."""
    digest = hashlib.sha256()
    for entry in sorted(batch._entries(), key=lambda e: e["name"]):
        if not entry["name"].rsplit("/", 1)[-1].startswith("."):
            digest.update(f"{entry['name']}:{entry.get('size')}:{entry.get('mtime', entry.get('updated'))}".encode())
    return digest.hexdigest()[:16]


def list_batch(batch: Batch) -> Dict[str, Any]:
    kind = batch.format
    files = []
    for name in batch.data_files():
        if kind == "csv":
            count = len(batch.read_csv(name)[1])
        elif kind == "tfrecord":
            count = batch._count_tfrecords(name)
        else:
            count = 1
        files.append({"name": name, "path": batch.file_path(name), "instances": count})
    total = sum(f["instances"] for f in files)
    if total == 0:
        raise BatchError(f"batch {batch.batch_id}: no instances in {', '.join(f['name'] for f in files)}")
    return {
        "batch": batch.batch_id,
        "uri": batch.uri,
        "format": kind,
        "files": files,
        "num_instances": total,
        "label": batch.label,
        "inline_labels": batch.has_inline_labels(),
        "labels_file": batch.file_path(batch.labels_file) if batch.has_labels_file() else None,
    }


class Executor(base_executor.BaseExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        batch = Batch(exec_properties["batch_uri"], label=exec_properties["label"],
                      labels_file=exec_properties.get("labels_file") or "labels.csv")
        listing = list_batch(batch)
        artifact = artifact_utils.get_single_instance(output_dict["file_list"])
        artifact.batch = listing["batch"]
        artifact.num_instances = listing["num_instances"]
        artifact.has_labels = int(listing["inline_labels"] or listing["labels_file"] is not None)
        write_report(artifact, listing)
