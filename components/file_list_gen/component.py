"""FileListGen component.

Consumes: nothing; the batch folder (local path or gs://...) is an execution
parameter, with a fingerprint of its files so that a labels file added later
makes a new run instead of a cache hit, and the data contract's schema file
the batch is read against before anything scores it (core/data/contract_check.py).
Emits: `file_list` (adapt.FileList): report.json lists the data files with
their instance counts (CSV rows, TFRecord records, or one per image file for
file-list batches), whether labels are inline or in a labels file, and the
total, and what the contract let through (`contract`: optional columns
missing, columns it does not know); properties batch, num_instances, has_labels.
Short-circuits: never. A batch the contract refuses (a required column missing,
a value of the wrong type, an empty, unreadable or ragged file, an image that
does not decode) fails the run with one line naming the batch, the file and the
column, and nothing downstream runs.
"""
from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.artifacts import FileList
from components.file_list_gen import executor


class FileListGenSpec(ComponentSpec):
    PARAMETERS = {
        "batch_uri": ExecutionParameter(type=str),
        "batch_fingerprint": ExecutionParameter(type=str, optional=True),
        "label": ExecutionParameter(type=str),
        "labels_file": ExecutionParameter(type=str, optional=True),
        "schema_uri": ExecutionParameter(type=str, optional=True),
    }
    INPUTS = {}
    OUTPUTS = {"file_list": ChannelParameter(type=FileList)}


class FileListGen(base_component.BaseComponent):
    SPEC_CLASS = FileListGenSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, batch_uri, label: str, labels_file: str = "labels.csv", batch_fingerprint: str = "",
                 schema_uri: str = ""):
        super().__init__(spec=FileListGenSpec(
            batch_uri=batch_uri, batch_fingerprint=batch_fingerprint, label=label, labels_file=labels_file,
            schema_uri=schema_uri, file_list=types.Channel(type=FileList)))
