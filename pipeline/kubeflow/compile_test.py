"""Compiling for Kubeflow / Vertex, the window as a runtime parameter, the image, and submission over HTTP."""
import glob
import json
import os
import subprocess
import sys

import pytest
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from core.config import Config
from core.contract import load_model_package
from core.data import spans
from core.data.spans import SpanWindow
from pipeline.definitions import training
from pipeline.definitions import window_inputs
from pipeline.kubeflow import compile as kubeflow
from pipeline.kubeflow import submit
from tests.fake_kfp import FakeKfp
from tests.kfp_backend import load_pipeline_spec as parse_spec

DATAFLOW = ["--runner=DataflowRunner", "--project=my-project", "--region=europe-west4",
            "--temp_location=gs://my-bucket/tmp"]
CONFIG_VALUES = {"kubeflow": {"image": "europe-docker.pkg.dev/p/adapt/adapt:1.2", "beam_args": DATAFLOW},
                 "training": {"window": 4},
                 "model": {"label": "churned", "classes": ["no", "yes"],
                           "features": {"x1": "numeric", "channel": "categorical", "id": "ignore"}}}
CONFIG = Config.from_dict(CONFIG_VALUES)
MODEL = load_model_package(CONFIG.model)
TRAINING_TASKS = {"CsvExampleGen", "StatisticsGen", "ImportSchemaGen", "StrictExampleValidator", "Transform",
                  "Trainer", "FeatureImportance", "Evaluator", "Pusher"}
BATCH_TASKS = {"FileListGen", "BatchPredictionGen", "PerformanceEvaluator", "DriftDetector", "SpanPreparator",
               "PipelineTrigger"}
ADAPT_EXECUTORS = {
    "StrictExampleValidator": "components.strict_example_validator.executor.Executor",
    "KubernetesInfraValidator": "components.kubernetes_infra_validator.executor.Executor",
    "ServingInfraValidator": "components.serving_infra_validator.executor.Executor",
    "Trainer": "components.calibrated_trainer.executor.Executor",
    "Evaluator": "components.confident_evaluator.executor.Executor",
    "FileListGen": "components.file_list_gen.executor.Executor",
    "BatchPredictionGen": "components.batch_prediction_gen.executor.Executor",
    "PerformanceEvaluator": "components.performance_evaluator.executor.Executor",
    "DriftDetector": "components.drift_detector.executor.Executor",
    "FeatureImportance": "components.feature_importance.executor.Executor",
    "SpanPreparator": "components.span_preparator.executor.Executor",
    "PipelineTrigger": "components.pipeline_trigger.executor.Executor",
    "CsvExampleGen": "components.small_data_example_gen.executor.Executor",
    "StatisticsGen": "components.small_data_statistics_gen.executor.Executor",
}
BEAM_TASKS = {"CsvExampleGen", "StatisticsGen", "Transform", "Evaluator", "BatchPredictionGen", "DriftDetector"}


@pytest.fixture(scope="module", params=["kubeflow", "vertex"])
def compiled(request, tmp_path_factory):
    output = tmp_path_factory.mktemp(request.param)
    return request.param, kubeflow.compile_pipelines(CONFIG, MODEL, request.param, str(output))


@pytest.fixture(scope="module")
def kubeflow_build(tmp_path_factory):
    return kubeflow.compile_pipelines(CONFIG, MODEL, "kubeflow", str(tmp_path_factory.mktemp("kfp")))


def executor_args(spec, task):
    label = spec.root.dag.tasks[task].component_ref.name
    executor = spec.components[label].executor_label
    return json_format.MessageToDict(spec.deployment_spec)["executors"][executor]["container"]


def test_both_pipelines_parse_into_the_kfp_pipeline_spec_proto(compiled):
    target, paths = compiled
    training, batch = parse_spec(paths["adapt-training"]), parse_spec(paths["adapt-batch-evaluation"])
    assert training.pipeline_info.name == "adapt-training" and batch.pipeline_info.name == "adapt-batch-evaluation"
    assert training.schema_version == "2.1.0"
    infra = "ServingInfraValidator" if target == "vertex" else "KubernetesInfraValidator"
    assert set(training.root.dag.tasks) >= TRAINING_TASKS | {infra}
    assert any(name.startswith("latest_blessed_model") for name in training.root.dag.tasks)
    assert set(batch.root.dag.tasks) == BATCH_TASKS


def test_custom_executors_point_into_this_package_and_every_step_uses_the_image(compiled):
    _, paths = compiled
    for path in paths.values():
        spec = parse_spec(path)
        for task in spec.root.dag.tasks:
            if task.startswith("latest_blessed_model"):
                continue
            container = executor_args(spec, task)
            assert container["image"] == "europe-docker.pkg.dev/p/adapt/adapt:1.2"
            executor = container["args"][container["args"].index("--executor_class_path") + 1]
            if task in ADAPT_EXECUTORS:
                assert executor == ADAPT_EXECUTORS[task]
            else:
                assert executor.startswith("tfx.components."), (task, executor)
            if task in BEAM_TASKS:
                assert all(arg in container["args"] for arg in DATAFLOW), task


def test_runtime_parameters_are_declared_with_types_and_defaults(compiled):
    _, paths = compiled
    training = parse_spec(paths["adapt-training"]).root.input_definitions.parameters
    assert set(training) == {"input_config"}
    assert training["input_config"].parameter_type == pipeline_spec_pb2.ParameterType.STRING
    default = json.loads(training["input_config"].default_value.string_value)
    assert [s["name"] for s in default["splits"]] == [f"{k}-{p}" for p in range(1, 5) for k in ("train", "eval")]
    batch = parse_spec(paths["adapt-batch-evaluation"]).root.input_definitions.parameters
    assert batch["batch_uri"].parameter_type == pipeline_spec_pb2.ParameterType.STRING
    assert batch["performance_threshold"].parameter_type == pipeline_spec_pb2.ParameterType.NUMBER_DOUBLE
    assert batch["performance_threshold"].default_value.number_value == 0.0
    assert batch["performance_reference"].parameter_type == pipeline_spec_pb2.ParameterType.NUMBER_DOUBLE
    assert batch["last_decline"].default_value.string_value == "{}"
    assert batch["baseline_statistics"].default_value.string_value == "[]"
    assert batch["importances"].default_value.string_value == "{}"
    assert batch["holdout_answers"].default_value.string_value == "{}"   # prediction drift, when passed
    assert all(p.is_optional for p in list(training.values()) + list(batch.values()))


def test_the_more_data_rule_settings_travel_as_a_runtime_parameter(kubeflow_build, tmp_path):
    """The gain-of-more-data rule's settings (retraining.more_data, the window, the false-alarm rate) are the
    `more_data` parameter's default, reaching SpanPreparator; a run adds the serving curve. Off: "{}".
    (Two more compiles, ~3 s.)"""
    from core.policy.more_data import MoreDataInputs
    batch = parse_spec(kubeflow_build["adapt-batch-evaluation"])
    parameter = batch.root.input_definitions.parameters["more_data"]
    assert parameter.parameter_type == pipeline_spec_pb2.ParameterType.STRING and parameter.is_optional
    found = MoreDataInputs.from_json(parameter.default_value.string_value)
    assert found.settings == CONFIG.retraining.more_data and found.settings.enabled and found.curve is None
    assert found.window == 4 and found.false_alarm_rate == CONFIG.drift.false_alarm_rate
    preparator = batch.root.dag.tasks["SpanPreparator"].inputs.parameters["more_data"]
    assert preparator.component_input_parameter == "more_data"
    changed = Config.from_dict({**CONFIG_VALUES, "retraining": {"more_data": {"min_gain": 0.05}},
                                "drift": {"false_alarm_rate": 0.01}})
    spec = parse_spec(kubeflow.compile_pipelines(changed, MODEL, "kubeflow", str(tmp_path / "on"))
                      ["adapt-batch-evaluation"])
    found = MoreDataInputs.from_json(spec.root.input_definitions.parameters["more_data"].default_value.string_value)
    assert found.settings.min_gain == 0.05 and found.false_alarm_rate == 0.01
    off = Config.from_dict({**CONFIG_VALUES, "retraining": {"more_data": {"enabled": False}}})
    spec = parse_spec(kubeflow.compile_pipelines(off, MODEL, "kubeflow", str(tmp_path / "off"))["adapt-batch-evaluation"])
    assert spec.root.input_definitions.parameters["more_data"].default_value.string_value == "{}"


def test_the_model_settings_travel_in_transform_and_trainer_custom_config(compiled):
    _, paths = compiled
    spec = parse_spec(paths["adapt-training"])
    for task in ("Transform", "Trainer"):
        value = spec.root.dag.tasks[task].inputs.parameters["custom_config"].runtime_value.constant
        custom = json.loads(value.string_value)
        assert custom["label"] == "churned" and custom["classes"] == ["no", "yes"], task
        assert custom["features"] == {"x1": "numeric", "channel": "categorical", "id": "ignore"}, task


def test_the_trees_read_the_latest_blessed_model_for_the_hyperparameters_to_reuse(tmp_path):
    paths = kubeflow.compile_pipelines(CONFIG.with_overrides({"model.tune": "every 3 retrains"}), MODEL, "kubeflow",
                                       str(tmp_path))
    trainer = parse_spec(paths["adapt-training"]).root.dag.tasks["Trainer"]
    custom = json.loads(trainer.inputs.parameters["custom_config"].runtime_value.constant.string_value)
    assert custom["tune"] == "every 3 retrains" and custom["tune_budget_seconds"] == 60
    assert "base_model" in trainer.inputs.artifacts


def test_no_beam_args_when_none_are_configured(tmp_path):
    paths = kubeflow.compile_pipelines(CONFIG.with_overrides({"kubeflow.beam_args": []}), MODEL, "kubeflow", str(tmp_path))
    container = executor_args(parse_spec(paths["adapt-training"]), "StatisticsGen")
    assert not any(arg.startswith("--runner") for arg in container["args"])


def test_unknown_target_is_refused(tmp_path):
    with pytest.raises(kubeflow.CompileError, match="--target 'airflow'"):
        kubeflow.compile_pipelines(CONFIG, MODEL, "airflow", str(tmp_path))


def _spans_1_to_12(data_root):
    for span in range(1, 13):
        spans.write_span(data_root, ["fare", "big_tipper"], [[f"{span}.{i}", str(i % 2)] for i in range(40)],
                         test_fraction=0.25, source={"batch": f"b{span}"})


def test_window_9_to_12_matches_exactly_those_spans_folders(tmp_path):
    _spans_1_to_12(tmp_path)
    config = window_inputs.window_input_config(SpanWindow(9, 12), size=4)
    matched = {split.name: sorted(glob.glob(os.path.join(str(tmp_path), split.pattern))) for split in config.splits}
    every_file = {f for files in matched.values() for f in files}
    expected = {f for span in (9, 10, 11, 12) for part in ("train", "test")
                for f in glob.glob(os.path.join(str(tmp_path), f"span-{span}", part, "*"))}
    assert every_file == expected and expected
    assert matched["train-4"] == sorted(glob.glob(os.path.join(str(tmp_path), "span-12", "train", "*")))
    assert matched["eval-1"] == sorted(glob.glob(os.path.join(str(tmp_path), "span-9", "test", "*")))
    assert not any("span-1/" in f for f in every_file)  # span 1 is not matched through span-1[0-2]


def test_a_short_window_fills_missing_positions_with_its_oldest_span():
    assert window_inputs.window_positions(SpanWindow(1, 2), 4) == [1, 1, 1, 2]
    assert window_inputs.window_positions(SpanWindow(8, 12, excluded=(10,)), 4) == [8, 9, 11, 12]


def test_dockerfile_builds_on_tfx_installs_this_package_and_keeps_the_entrypoint():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    lines = [line.strip() for line in open(os.path.join(root, "Dockerfile")) if line.strip()
             and not line.startswith("#")]
    assert lines[0] == "FROM tensorflow/tfx:1.16.0"
    assert any("pip install" in line and "--no-deps ." in line for line in lines)
    for package in ("adapt/", "core/", "pipeline/", "components/", "models/", "serving/"):
        assert any(line.startswith("COPY") and package in line for line in lines), package
    assert not any(line.startswith(("ENTRYPOINT", "CMD")) for line in lines)


def test_submission_over_http_carries_the_pipeline_and_the_window(kubeflow_build, tmp_path):
    paths = kubeflow_build
    with FakeKfp() as server:
        run_id = submit.start_training_run(
            "kubeflow", {"pipeline_spec": paths["adapt-training"], "host": server.url, "window_size": 4},
            SpanWindow(9, 12))
        assert [r["run_id"] for r in server.runs] == [run_id]
        run = server.runs[0]
        assert run["pipeline_spec"]["pipelineInfo"]["name"] == "adapt-training"
        sent = json_format.ParseDict(run["pipeline_spec"], pipeline_spec_pb2.PipelineSpec())
        assert sent == parse_spec(paths["adapt-training"])
        window = json.loads(run["runtime_config"]["parameters"]["input_config"])
        assert [s["pattern"] for s in window["splits"] if s["name"].startswith("train")] == \
            [f"span-{s}/train/*" for s in (9, 10, 11, 12)]
        assert "POST /apis/v2beta1/runs" in server.requests


def test_adapt_submit_cli_sends_the_parameters(kubeflow_build, tmp_path):
    paths = kubeflow_build
    (tmp_path / "adapt.yaml").write_text("model: {module: models.taxi, name: taxi}\n")
    with FakeKfp() as server:
        result = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "submit", paths["adapt-batch-evaluation"], "--workdir",
             str(tmp_path), "--host", server.url, "--param", "batch_uri=gs://b/incoming/2015-Q4",
             "--param", "performance_threshold=0.9"], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-1500:]
        assert result.stdout.strip() == server.runs[0]["run_id"]
        assert server.runs[0]["runtime_config"]["parameters"] == {
            "batch_uri": "gs://b/incoming/2015-Q4", "performance_threshold": 0.9}
        assert server.runs[0]["pipeline_spec"]["pipelineInfo"]["name"] == "adapt-batch-evaluation"
    nowhere = subprocess.run([sys.executable, "-m", "pipeline.cli", "submit", paths["adapt-training"],
                              "--workdir", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert nowhere.returncode == 2 and nowhere.stderr.startswith("adapt: error: nowhere to submit")


def test_pipeline_trigger_kubeflow_mode_submits_the_training_window(kubeflow_build, tmp_path):
    paths = kubeflow_build
    from pipeline.kubeflow.launcher import RemoteTrainingLauncher
    with FakeKfp() as server:
        launcher = RemoteTrainingLauncher("kubeflow", {"pipeline_spec": paths["adapt-training"], "host": server.url,
                                                       "window_size": 4})
        result = launcher.launch(SpanWindow(10, 12), "drift on fare")
        assert result.run_id == server.runs[0]["run_id"]
        window = json.loads(server.runs[0]["runtime_config"]["parameters"]["input_config"])
        assert [s["pattern"] for s in window["splits"]][::2] == \
            [f"span-{s}/train/*" for s in (10, 10, 11, 12)]


def test_compiling_with_the_placeholder_image_warns_in_one_line(tmp_path):
    (tmp_path / "adapt.yaml").write_text("model: {label: churned, classes: ['no', 'yes'], features: {x1: numeric}}\n")
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "compile", "--target", "vertex", "--workdir",
                             str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("adapt: warning:")]
    assert len(warnings) == 1 and "kubeflow.image is still the placeholder" in warnings[0]
    assert (tmp_path / "compiled" / "vertex" / "adapt-training.json").exists()


def test_an_image_model_compiles_with_import_example_gen_reading_tfrecord_spans(tmp_path):
    config = Config.from_dict({"model": {"module": "models.images", "label": "label", "classes": ["0", "1", "2"],
                                         "kind": "nn"}})
    paths = kubeflow.compile_pipelines(config, load_model_package(config.model), "kubeflow", str(tmp_path))
    spec = parse_spec(paths["adapt-training"])
    image = executor_args(spec, "CsvExampleGen")  # the node id, whichever ExampleGen
    assert "tfx.components.example_gen.import_example_gen.executor.Executor" in json.dumps(image)
    custom = json.dumps(json_format.MessageToDict(spec.root.dag.tasks["Transform"].inputs))
    assert "models.images.preprocessing.preprocessing_fn" in custom


def test_a_regression_model_compiles_with_its_task_in_custom_config(tmp_path):
    config = CONFIG.with_overrides({"model.task": "regression", "model.label": "price", "model.classes": []})
    paths = kubeflow.compile_pipelines(config, load_model_package(config.model), "kubeflow", str(tmp_path))
    spec = parse_spec(paths["adapt-training"])
    custom = json.loads(spec.root.dag.tasks["Trainer"].inputs.parameters["custom_config"].runtime_value.constant
                        .string_value)
    assert (custom["task"], custom["label"], custom["classes"]) == ("regression", "price", [])
