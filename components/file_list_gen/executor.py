"""Executor of FileListGen: the batch read against the data contract, then listed."""
from typing import Any, Dict, Optional

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.dsl.components.base import base_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils

from components.artifacts import write_report
from core.data.batch import Batch
from core.data.contract_check import ContractCheck, check_batch
from core.data.schema import schema_version
from core.errors import BatchError


def list_batch(batch: Batch, check: Optional[ContractCheck] = None) -> Dict[str, Any]:
    kind = batch.format
    counts = check.instances if check else {name: batch.instances_in(name) for name in batch.data_files()}
    files = [{"name": name, "path": batch.file_path(name), "instances": count} for name, count in counts.items()]
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
        "contract": check.to_dict() if check else None,
    }


def read_schema(uri: str) -> schema_pb2.Schema:
    with fileio.open(uri, "r") as handle:
        return text_format.Parse(handle.read(), schema_pb2.Schema())


class Executor(base_executor.BaseExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        batch = Batch(exec_properties["batch_uri"], label=exec_properties["label"],
                      labels_file=exec_properties.get("labels_file") or "labels.csv")
        check = None
        if exec_properties.get("schema_uri"):
            schema = read_schema(exec_properties["schema_uri"])
            check = check_batch(batch, schema, schema_version(schema), batch.label)
        listing = list_batch(batch, check)
        artifact = artifact_utils.get_single_instance(output_dict["file_list"])
        artifact.batch = listing["batch"]
        artifact.num_instances = listing["num_instances"]
        artifact.has_labels = int(listing["inline_labels"] or listing["labels_file"] is not None)
        write_report(artifact, listing)
