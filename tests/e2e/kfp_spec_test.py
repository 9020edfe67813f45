"""The compiled Kubeflow specs, executed: `adapt compile`'s JSON for both pipelines runs task by task through the
commands the spec names (TFX's kubeflow_v2_run_executor), as a KFP backend would (tests/kfp_backend.py), on a
local folder standing in for the bucket; the artifacts and decisions equal the local runs' on the same spans.

On the shared served workspace (tests/e2e/conftest.py): its spans 1 and 2 copied to the "bucket", two training
runs (window 1–1, then 1–2: the second's LatestBlessedModel resolver finds the first's pushed model as its
baseline), then the batch-evaluation pipeline on its batch 2014-Q1 against the pushed model, whose
PipelineTrigger submits the compiled training pipeline to a fake KFP API server.

Skipped, because KFP semantics that need a cluster cannot be reproduced here: the kubeflow target's
KubernetesInfraValidator (it starts a pod) — the training runs use the vertex target's document, whose spec is
the kubeflow one with ServingInfraValidator (in the step's container) in its place, and a test checks that this
is the only difference. The image itself, caching and retries are not exercised (see tests/kfp_backend.py).
"""
import json
import shutil

import pytest
from google.protobuf import json_format

from components.artifacts import read_report
from core.data.spans import SpanWindow
from pipeline.definitions import names
from pipeline.definitions.window_inputs import window_input_config_json
from pipeline.kubeflow import compile as kubeflow
from pipeline.lineage import evaluation
from tests.fake_kfp import FakeKfp
from tests.e2e.conftest import BATCHES
from tests.kfp_backend import LocalKfpBackend, load_pipeline_spec

pytestmark = [pytest.mark.e2e, pytest.mark.scale_out]
BATCH = BATCHES[0][0]   # evaluated in memory by the served workspace (tests/e2e/conftest.py)
INFRA = {"kubeflow": "KubernetesInfraValidator", "vertex": "ServingInfraValidator"}


@pytest.fixture(scope="module")
def bucket(served_workspace, tmp_path_factory):
    """The bucket a KFP deployment reads and writes: spans, schema, compiled pipelines, pipeline root, serving."""
    root = tmp_path_factory.mktemp("bucket")
    shutil.copytree(served_workspace.data, root / "data", ignore=shutil.ignore_patterns(".*"))
    (root / "schema").mkdir()
    shutil.copy(served_workspace.schema_file, root / "schema" / "schema.pbtxt")
    with FakeKfp() as kfp:
        config = served_workspace.load_config().with_overrides({
            "kubeflow.pipeline_root": str(root / "pipelines"), "kubeflow.data_root": str(root / "data"),
            "kubeflow.schema_file": str(root / "schema" / "schema.pbtxt"),
            "kubeflow.serving_destination": str(root / "serving"), "kubeflow.compiled_root": str(root / "compiled"),
            "kubeflow.beam_args": [], "kubeflow.host": kfp.url})
        model = served_workspace.model_package(config)
        compiled = {target: kubeflow.compile_pipelines(config, model, target, str(root / "compiled" / target))
                    for target in INFRA}
        yield {"root": root, "config": config, "compiled": compiled, "kfp": kfp, "served": served_workspace,
               "backend": LocalKfpBackend(str(root / "pipelines")), "runs": {}}


def _train(bucket, window: SpanWindow):
    spec = bucket["compiled"]["vertex"][names.TRAINING_PIPELINE]
    window_json = window_input_config_json(window, bucket["config"].compiled_window())
    return bucket["backend"].run(spec, {"input_config": window_json})


@pytest.fixture(scope="module")
def first_training(bucket):
    return _train(bucket, SpanWindow(1, 1))


@pytest.fixture(scope="module")
def second_training(bucket, first_training):
    return _train(bucket, SpanWindow(1, 2))


@pytest.fixture(scope="module")
def batch_run(bucket, second_training):
    """The batch-evaluation pipeline on one batch, with the parameters `adapt` passes, read from the second
    training run's artifacts as from a KFP deployment's ML Metadata."""
    config, root = bucket["config"], bucket["root"]
    shutil.copytree(bucket["served"].incoming / BATCH, root / "incoming" / BATCH)
    statistics = second_training.artifact("StatisticsGen", "statistics").uri
    importances = read_report(second_training.artifact("FeatureImportance", "importances").uri)
    parameters = {
        "batch_uri": str(root / "incoming" / BATCH),
        "performance_threshold": float(config.performance.threshold),
        "baseline_statistics": json.dumps([{"span": span, "uri": f"{statistics}/Split-train-{span}/FeatureStats.pb"}
                                           for span in (1, 2)]),
        "importances": json.dumps(importances["importances"]),
        "holdout_answers": json.dumps(importances.get("holdout_answers") or {}),
        "performance_reference": evaluation.overall_metrics(
            second_training.artifact("Evaluator", "evaluation").uri)["candidate"]["accuracy"],
        "serving_spans_end": 2}
    return bucket["backend"].run(bucket["compiled"]["kubeflow"][names.BATCH_EVALUATION_PIPELINE], parameters)


def test_the_two_targets_differ_only_in_the_infra_validator(bucket):
    def tasks(target):
        spec = json_format.MessageToDict(load_pipeline_spec(bucket["compiled"][target][names.TRAINING_PIPELINE]))
        text = json.dumps(spec["root"]["dag"]["tasks"]).replace(INFRA[target], "InfraValidator")
        return {name: task for name, task in json.loads(text).items() if name != "InfraValidator"}
    assert tasks("kubeflow") == tasks("vertex")


def test_the_first_training_run_pushes_with_no_baseline(first_training):
    assert first_training.outputs["latest_blessed_model-model-resolver"]["model"] == []   # nothing blessed yet
    assert first_training.metadata("Evaluator", "blessing")["blessed"] == 1
    assert first_training.metadata("ServingInfraValidator", "blessing")["blessed"] == 1
    assert first_training.metadata("Pusher", "pushed_model")["pushed"] == 1


def test_the_second_resolves_the_first_as_its_baseline_and_measures_what_the_local_run_did(
        first_training, second_training, served_holdout_metrics):
    resolved = second_training.artifact("latest_blessed_model-model-resolver", "model")
    assert resolved.uri == first_training.artifact("Trainer", "model").uri
    assert second_training.metadata("Pusher", "pushed_model")["pushed"] == 1
    # the local run on the same spans (the served workspace's version 2) trained and measured the same model
    local = served_holdout_metrics
    measured = evaluation.overall_metrics(second_training.artifact("Evaluator", "evaluation").uri)
    assert measured["baseline"], "the resolved baseline was not evaluated"
    assert measured["candidate"]["examples"] == local["examples"]
    for name in ("accuracy", "auc", "precision", "recall"):
        assert measured["candidate"][name] == pytest.approx(local[name], abs=1e-6), name


def test_the_batch_run_measures_decides_and_triggers_as_the_local_run(batch_run, served_batches, bucket):
    local = served_batches[BATCH]
    performance = read_report(batch_run.artifact("PerformanceEvaluator", "performance").uri)
    drift = read_report(batch_run.artifact("DriftDetector", "drift_report").uri)
    span = read_report(batch_run.artifact("SpanPreparator", "span").uri)
    assert performance["metrics"] == pytest.approx(local.metrics, abs=1e-6)
    assert (drift["drifted"], drift["drifted_features"]) == (local.drifted, local.drifted_features)
    assert span["retrain"] == local.retrain, (span["reason"], local.reason)
    submitted = bucket["kfp"].runs
    if local.retrain:   # the span was written to the bucket and the compiled training pipeline submitted on it
        assert span["span"] == 3 and (bucket["root"] / "data" / "span-3").is_dir()
        assert len(submitted) == 1 and submitted[0]["pipeline_spec"]["pipelineInfo"]["name"] == "adapt-training"
        window = json.loads(submitted[0]["runtime_config"]["parameters"]["input_config"])
        assert "span-3/train/*" in [split["pattern"] for split in window["splits"]]
    else:
        assert submitted == []
