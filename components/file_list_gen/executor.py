"""Executor of FileListGen."""
from typing import Any, Dict

from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from components.artifacts import write_report
from core.data.batches import Batch, BatchError


def list_batch(batch: Batch) -> Dict[str, Any]:
    kind = batch.format
    files = [{"name": name, "path": batch.file_path(name), "instances": batch.instances_in(name)}
             for name in batch.data_files()]
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
