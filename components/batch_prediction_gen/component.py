"""BatchPredictionGen component.

Consumes: `file_list` (adapt.FileList from FileListGen); the serving model
folder (TF Serving layout) and a version as parameters — version 0 means the
production version at run time (serving.versions, rollback pins included).
Emits: `predictions` (adapt.BatchPredictions): sharded JSON-lines files, one
record per instance holding its id, the inline label if any, the class
probabilities and the predicted class (core/data/predictions.py); properties
batch, model_version, num_predictions. Also writes `model.json` naming the
model that predicted, its classes and its calibration (the maps its holdout
fitted, core/estimation.py; null when it has none).
Reads CSV batches, tf.Example TFRecord batches (plain or .gz) and image
batches (each file's bytes as the model's `image` feature) inside the Beam
pipeline: workers read the files, build tf.Examples, run TFX-BSL's
RunInference in batches and write the shards; the driver holds no rows. When
Beam would run in the executor's one process anyway (the direct runner, in
memory, one worker: core/data/in_memory.py), a CSV or TFRecord batch of any
size is streamed through that process instead, a thousand rows at a time, with
the same rows, model calls and records, into one shard.
Short-circuits: never; a batch with rows the model cannot parse (text in a
numeric feature, say) fails with the file and line (or record), and the
serving model is untouched. `mode: vertex` submits a Vertex AI
batch-prediction job instead (batch and model on GCS).
"""
from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.artifacts import BatchPredictions, FileList
from components.batch_prediction_gen import executor


class BatchPredictionGenSpec(ComponentSpec):
    PARAMETERS = {
        "serving_model_dir": ExecutionParameter(type=str),
        "model_version": ExecutionParameter(type=int),
        "mode": ExecutionParameter(type=str),
        "vertex_model": ExecutionParameter(type=str, optional=True),
        "vertex_project": ExecutionParameter(type=str, optional=True),
        "vertex_region": ExecutionParameter(type=str, optional=True),
        "vertex_machine_type": ExecutionParameter(type=str, optional=True),
    }
    INPUTS = {"file_list": ChannelParameter(type=FileList)}
    OUTPUTS = {"predictions": ChannelParameter(type=BatchPredictions)}


class BatchPredictionGen(base_beam_component.BaseBeamComponent):
    SPEC_CLASS = BatchPredictionGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, file_list: types.BaseChannel, serving_model_dir, model_version=0, mode: str = "local",
                 vertex_model: str = "", vertex_project: str = "", vertex_region: str = "",
                 vertex_machine_type: str = "n1-standard-2"):
        super().__init__(spec=BatchPredictionGenSpec(
            file_list=file_list, serving_model_dir=serving_model_dir, model_version=model_version, mode=mode,
            vertex_model=vertex_model, vertex_project=vertex_project, vertex_region=vertex_region,
            vertex_machine_type=vertex_machine_type, predictions=types.Channel(type=BatchPredictions)))
