"""FileListGen component.

Consumes: nothing; the batch folder (local path or gs://...) is an execution
parameter, with a fingerprint of its files so that a labels file added later
makes a new run instead of a cache hit.
Emits: `file_list` (adapt.FileList): report.json lists the data files with
their instance counts (CSV rows, TFRecord records, or one per image file for
file-list batches), whether labels are inline or in a labels file, and the
total; properties batch, num_instances, has_labels.
Short-circuits: never. An empty, unreadable or ragged batch fails the run
with a message naming the batch and the file, and nothing downstream runs.
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
    }
    INPUTS = {}
    OUTPUTS = {"file_list": ChannelParameter(type=FileList)}


class FileListGen(base_component.BaseComponent):
    SPEC_CLASS = FileListGenSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, batch_uri, label: str, labels_file: str = "labels.csv", batch_fingerprint: str = ""):
        super().__init__(spec=FileListGenSpec(
            batch_uri=batch_uri, batch_fingerprint=batch_fingerprint, label=label, labels_file=labels_file,
            file_list=types.Channel(type=FileList)))
