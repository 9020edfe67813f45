"""The stand-in KFP backend's own logic, without running a task: the schedule and the resolver queries."""
import pytest
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from tests.kfp_backend import LocalKfpBackend, task_order

BLESSING = pipeline_spec_pb2.ArtifactTypeSchema(instance_schema="title: tfx.ModelBlessing\ntype: object\n")
MODEL = pipeline_spec_pb2.ArtifactTypeSchema(instance_schema="title: tfx.Model\ntype: object\n")
# the two queries TFX's LatestBlessedModelStrategy compiles to
BLESSED = 'schema_title="tfx.ModelBlessing" AND state=LIVE AND metadata.blessed.number_value=1'
BY_ID = ('schema_title="tfx.Model" AND state=LIVE AND '
         'name="{{$.inputs.artifacts[\'input\'].metadata[\'current_model_id\']}}"')


def _artifact(name, artifact_type, **metadata):
    artifact = pipeline_spec_pb2.RuntimeArtifact(name=name, type=artifact_type)
    json_format.ParseDict(metadata, artifact.metadata)
    return artifact


def test_tasks_run_after_their_dependencies_and_the_producers_of_their_inputs():
    spec = json_format.ParseDict({"root": {"dag": {"tasks": {
        "Pusher": {"dependentTasks": ["Evaluator"]},
        "Evaluator": {"inputs": {"artifacts": {"baseline": {"taskOutputArtifact": {
            "producerTask": "resolver", "outputArtifactKey": "model"}}}}, "dependentTasks": ["Trainer"]},
        "resolver": {}, "Trainer": {}}}}}, pipeline_spec_pb2.PipelineSpec())
    assert task_order(spec) == ["Trainer", "resolver", "Evaluator", "Pusher"]
    spec.root.dag.tasks["Trainer"].dependent_tasks.append("Pusher")
    with pytest.raises(ValueError, match="cycle"):
        task_order(spec)


def test_the_latest_blessed_model_is_the_newest_blessing_and_the_model_it_names(tmp_path):
    backend = LocalKfpBackend(str(tmp_path))
    assert backend.resolve(BLESSED, {}) == []
    for run, blessed in (("run-1", 1), ("run-2", 1), ("run-3", 0)):
        backend._record(_artifact(f"{run}/Trainer/model", MODEL))
        backend._record(_artifact(f"{run}/Evaluator/blessing", BLESSING, blessed=blessed,
                                  current_model_id=f"{run}/Trainer/model"))
    [blessing] = backend.resolve(BLESSED, {})
    assert blessing.name == "run-2/Evaluator/blessing"
    [model] = backend.resolve(BY_ID, {"input": pipeline_spec_pb2.ArtifactList(artifacts=[blessing])})
    assert model.name == "run-2/Trainer/model"
    assert backend.resolve(BY_ID, {"input": pipeline_spec_pb2.ArtifactList()}) == []
    with pytest.raises(ValueError, match="not understood"):
        backend.resolve("uri~gs://", {})
