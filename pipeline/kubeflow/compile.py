"""Compiling adapt's two pipelines for Kubeflow Pipelines (KFP v2) and Vertex AI Pipelines.

`adapt compile --target kubeflow|vertex --output DIR` writes, with TFX's
KubeflowV2DagRunner (pipeline spec schema 2.1):

    DIR/adapt-training.json            the training pipeline
    DIR/adapt-batch-evaluation.json    the batch-evaluation pipeline

For `kubeflow` each file is a KFP `PipelineSpec` (what kfp.Client uploads);
for `vertex` it is the `PipelineJob` JSON that aiplatform.PipelineJob takes
as its template.

Both come from the same definitions as local runs (pipeline/definitions/),
called with the `kubeflow` section's paths and `target` set: the training
pipeline then takes its span window as the runtime parameter `input_config`
(`window_input_config_json` builds it; when fewer than K spans exist the
oldest one fills the missing positions), resolves the latest blessed model as
its baseline, validates on Kubernetes (Kubeflow) or in the step's container
(Vertex) and pushes with TFX's Pusher to kubeflow.serving_destination/<model>.
The batch-evaluation pipeline takes `batch_uri`, `performance_threshold`,
`baseline_statistics` and `importances` (the serving model's, JSON) as runtime
parameters, and `more_data`: the gain-of-more-data rule's settings
(retraining.more_data, the window, drift.false_alarm_rate; MoreDataInputs JSON,
"{}" with the rule off), to which a run adds the serving model's learning curve
(without one the rule looks and says so, never fires); its PipelineTrigger
submits the compiled training pipeline from kubeflow.compiled_root.
"""
import json
import os
import posixpath
from typing import Any, Dict, Tuple

from components.pipeline_trigger.launcher import class_path
from core.config import Config
from core.contract import ModelPackage
from core.errors import UsageError
from core.policy.more_data import MoreDataInputs
from core.workspace import Workspace
from pipeline.definitions import batch_evaluation, names, training
from pipeline.kubeflow.launcher import RemoteTrainingLauncher

TARGETS = training.REMOTE_TARGETS
TRAINING_FILE = f"{names.TRAINING_PIPELINE}.json"
BATCH_EVALUATION_FILE = f"{names.BATCH_EVALUATION_PIPELINE}.json"


class CompileError(UsageError):
    """A compile request that cannot be honoured (unknown target, unusable output folder)."""


def create_training_pipeline(config: Config, model: ModelPackage, target: str = "kubeflow"):
    """The training pipeline definition, with the window, baseline and destinations of a KFP/Vertex run."""
    return training.create_training_pipeline(training.TrainingPipelineSpec(
        pipeline_name=names.TRAINING_PIPELINE, pipeline_root=config.kubeflow.pipeline_root, config=config,
        model=model,
        data_root=config.kubeflow.data_root, schema_file=config.kubeflow.schema_file,
        serving_destination=posixpath.join(config.kubeflow.serving_destination, config.model.name),
        target=target, beam_pipeline_args=list(config.kubeflow.beam_args)))


def training_launcher(config: Config, target: str) -> Tuple[str, Dict[str, Any]]:
    """PipelineTrigger's launcher for KFP/Vertex runs: submit the compiled training pipeline."""
    return class_path(RemoteTrainingLauncher), {"mode": target, "target": {
        "pipeline_spec": posixpath.join(config.kubeflow.compiled_root, target, TRAINING_FILE),
        "host": config.kubeflow.host, "project": config.kubeflow.vertex_project,
        "region": config.kubeflow.vertex_region, "pipeline_root": config.kubeflow.pipeline_root,
        "window_size": config.compiled_window()}}


def create_batch_evaluation_pipeline(config: Config, model: ModelPackage, target: str):
    from tfx import v1 as tfx

    RuntimeParameter = tfx.dsl.experimental.RuntimeParameter
    config = config.with_overrides({"retraining.trigger_mode": target})
    launcher, launcher_options = training_launcher(config, target)
    spec = batch_evaluation.BatchEvaluationSpec(
        pipeline_name=names.BATCH_EVALUATION_PIPELINE, pipeline_root=config.kubeflow.pipeline_root, config=config,
        model=model, batch_uri=RuntimeParameter(name="batch_uri", ptype=str, default=""),
        performance_threshold=RuntimeParameter(name="performance_threshold", ptype=float,
                                               default=config.performance.threshold),
        baseline_statistics=RuntimeParameter(name="baseline_statistics", ptype=str, default="[]"),
        importances=RuntimeParameter(name="importances", ptype=str, default="{}"),
        holdout_answers=RuntimeParameter(name="holdout_answers", ptype=str, default="{}"),
        performance_reference=RuntimeParameter(name="performance_reference", ptype=float, default=0.0),
        performance_reference_rows=RuntimeParameter(name="performance_reference_rows", ptype=int, default=0),
        last_decline=RuntimeParameter(name="last_decline", ptype=str, default="{}"),
        serving_spans_end=RuntimeParameter(name="serving_spans_end", ptype=int, default=0),
        more_data=RuntimeParameter(name="more_data", ptype=str, default=more_data_settings(config)),
        data_root=config.kubeflow.data_root, schema_file=config.kubeflow.schema_file,
        serving_model_dir=posixpath.join(config.kubeflow.serving_destination, config.model.name),
        launcher=launcher, launcher_options=launcher_options, beam_pipeline_args=list(config.kubeflow.beam_args))
    return batch_evaluation.create_batch_evaluation_pipeline(spec)


def more_data_settings(config: Config) -> str:
    """The gain-of-more-data rule's settings as SpanPreparator takes them, without a curve ("{}": the rule off)."""
    settings = config.retraining.more_data
    if not settings.enabled:
        return "{}"
    return MoreDataInputs(settings, None, config.largest_window(), config.drift.false_alarm_rate).to_json()


# -- compiling ----------------------------------------------------------------------------
def runtime_parameter_defaults(pipeline) -> Dict[str, object]:
    """{name: default} of every RuntimeParameter the pipeline's components take."""
    from tfx.orchestration import data_types
    defaults = {}
    for component in pipeline.components:
        for value in component.exec_properties.values():
            if isinstance(value, data_types.RuntimeParameter):
                defaults[value.name] = value.default
    return defaults


def _declare_defaults(job: Dict, defaults: Dict[str, object]) -> None:
    """TFX's V2 builder declares parameters without defaults: add them, so a run may omit any."""
    declared = job["pipelineSpec"]["root"]["inputDefinitions"]["parameters"]
    for name, default in defaults.items():
        declared[name]["defaultValue"] = default
        declared[name]["isOptional"] = True


def _write(pipeline, config: Config, target: str, output_dir: str, filename: str) -> str:
    from tfx import v1 as tfx
    runner = tfx.orchestration.experimental.KubeflowV2DagRunner(
        config=tfx.orchestration.experimental.KubeflowV2DagRunnerConfig(
            default_image=config.kubeflow.image, use_pipeline_spec_2_1=True),
        output_dir=output_dir, output_filename=filename)
    defaults = runtime_parameter_defaults(pipeline)
    job = runner.run(pipeline, parameter_values=defaults, write_out=False)
    _declare_defaults(job, defaults)
    document = job["pipelineSpec"] if target == "kubeflow" else job
    path = os.path.join(output_dir, filename)
    with open(path, "w") as handle:
        json.dump(document, handle, indent=2, sort_keys=True)
    return path


def compile_pipelines(config: Config, model: ModelPackage, target: str, output_dir: str) -> Dict[str, str]:
    """Writes both pipelines; returns {pipeline name: path}."""
    if target not in TARGETS:
        raise CompileError(f"--target {target!r}: expected one of {', '.join(TARGETS)}")
    os.makedirs(output_dir, exist_ok=True)
    return {
        names.TRAINING_PIPELINE: _write(create_training_pipeline(config, model, target), config, target,
                                        output_dir, TRAINING_FILE),
        names.BATCH_EVALUATION_PIPELINE: _write(create_batch_evaluation_pipeline(config, model, target), config,
                                                target, output_dir, BATCH_EVALUATION_FILE),
    }


def compiled_batch_evaluation_spec(workspace: Workspace, config: Config, target: str) -> str:
    """The compiled batch-evaluation pipeline in <workdir>/compiled/<target>/, compiled when missing."""
    output_dir = os.path.join(str(workspace.root), "compiled", target)
    path = os.path.join(output_dir, BATCH_EVALUATION_FILE)
    if not os.path.exists(path):
        compile_pipelines(config, workspace.model_package(config), target, output_dir)
    return path


def parameters(path: str) -> Dict[str, Dict]:
    """{name: {"type": ..., "default": ...}} of a compiled pipeline's runtime parameters."""
    with open(path) as handle:
        document = json.load(handle)
    spec = document.get("pipelineSpec", document)
    declared = spec.get("root", {}).get("inputDefinitions", {}).get("parameters", {})
    defaults = document.get("runtimeConfig", {}).get("parameterValues", {})
    return {name: {"type": value.get("parameterType") or value.get("type"),
                   "default": defaults.get(name, value.get("defaultValue"))}
            for name, value in sorted(declared.items())}
