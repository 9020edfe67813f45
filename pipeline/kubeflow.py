"""Compiling adapt's two pipelines for Kubeflow Pipelines (KFP v2) and Vertex AI Pipelines.

`adapt compile --target kubeflow|vertex --output DIR` writes, with TFX's
KubeflowV2DagRunner (pipeline spec schema 2.1):

    DIR/adapt-training.json            the training pipeline
    DIR/adapt-batch-evaluation.json    the batch-evaluation pipeline

For `kubeflow` each file is a KFP `PipelineSpec` (what kfp.Client uploads);
for `vertex` it is the `PipelineJob` JSON that aiplatform.PipelineJob takes
as its template.

What differs from a local run, and why:
- The span window is the runtime parameter `input_config`: the span-range
  resolver does not run on KFP v2, so ExampleGen reads exactly the window's
  folders. The split names are fixed per window position (`train-1` ..
  `train-K`, `eval-1` .. `eval-K`, K = training.window; position K is the
  newest span) so that Transform and Trainer can name them at compile time.
  `window_input_config` builds the value for a window; when fewer than K
  spans exist the oldest one fills the missing positions.
- The baseline is the latest blessed model (LatestBlessedModelStrategy).
- Infra validation on Kubeflow is TFX's standard InfraValidator (spec and
  executor, see components/kubernetes_infra_validator) with a Kubernetes
  serving spec (the TF Serving image from kubeflow.serving_image). Vertex AI
  gives a step no cluster to start a pod in, so there the step runs adapt's
  ServingInfraValidator inside its own container. Pusher is TFX's Pusher to
  kubeflow.serving_destination/<model>.
- The batch-evaluation pipeline takes `batch_uri`, `performance_threshold`
  and `baseline_statistics` as runtime parameters; its PipelineTrigger
  submits the compiled training pipeline from kubeflow.compiled_root.
"""
import json
import os
import posixpath
import time
from typing import Dict, List, Optional

from components.common.spans import SpanWindow
from pipeline.config import Config
from pipeline.workspace import BATCH_EVALUATION_PIPELINE, TRAINING_PIPELINE, Workspace

TARGETS = ("kubeflow", "vertex")
TRAINING_FILE = f"{TRAINING_PIPELINE}.json"
BATCH_EVALUATION_FILE = f"{BATCH_EVALUATION_PIPELINE}.json"


class CompileError(ValueError):
    """A compile request that cannot be honoured (unknown target, unusable output folder)."""


# -- the span window as a runtime parameter ----------------------------------------------
def train_split(position: int) -> str:
    return f"train-{position}"


def eval_split(position: int) -> str:
    return f"eval-{position}"


def window_positions(window: SpanWindow, size: int) -> List[int]:
    """The span at each window position 1..size (position size is the newest span)."""
    spans = window.spans[-size:]
    return [spans[0]] * (size - len(spans)) + spans


def window_input_config(window: SpanWindow, size: int):
    """ExampleGen Input listing exactly the window's span folders, one train and one eval split per position."""
    from tfx.proto import example_gen_pb2
    splits = []
    for position, span in enumerate(window_positions(window, size), start=1):
        splits.append(example_gen_pb2.Input.Split(name=train_split(position), pattern=f"span-{span}/train/*"))
        splits.append(example_gen_pb2.Input.Split(name=eval_split(position), pattern=f"span-{span}/test/*"))
    return example_gen_pb2.Input(splits=splits)


def window_input_config_json(window: SpanWindow, size: int) -> str:
    from google.protobuf import json_format
    return json.dumps(json_format.MessageToDict(window_input_config(window, size)), sort_keys=True)


# -- the two pipelines, Kubeflow flavour -----------------------------------------------
def _serving_spec(config: Config):
    from tfx import v1 as tfx
    image, _, tag = config.kubeflow.serving_image.rpartition(":")
    return tfx.proto.ServingSpec(
        tensorflow_serving=tfx.proto.TensorFlowServing(image_name=image or config.kubeflow.serving_image,
                                                       tags=[tag or "latest"]),
        kubernetes=tfx.proto.KubernetesConfig())


def infra_validation(config: Config, target: str, trainer, example_gen, split: str):
    """Kubeflow: TF Serving in a Kubernetes pod; Vertex (no cluster API): adapt's server in the step's container."""
    if target == "vertex":
        from components.serving_infra_validator import ServingInfraValidator
        return ServingInfraValidator(
            model=trainer.outputs["model"], examples=example_gen.outputs["examples"], model_name=config.model.name,
            num_requests=config.validation.infra_requests, timeout_seconds=config.validation.infra_timeout_seconds,
            split=split)
    from tfx import v1 as tfx
    from components.kubernetes_infra_validator import KubernetesInfraValidator
    return KubernetesInfraValidator(
        model=trainer.outputs["model"], examples=example_gen.outputs["examples"],
        serving_spec=_serving_spec(config),
        request_spec=tfx.proto.RequestSpec(tensorflow_serving=tfx.proto.TensorFlowServingRequestSpec(),
                                           split_name=split, num_examples=config.validation.infra_requests))


def create_training_pipeline(config: Config, target: str = "kubeflow"):
    from tfx import v1 as tfx
    from tfx.types import Channel, standard_artifacts

    from pipeline import training

    size = config.training.window
    features = __import__(training.model_module(config, "features"), fromlist=["SLICE_FEATURE_KEYS"])
    train_splits = [train_split(p) for p in range(1, size + 1)]
    eval_splits = [eval_split(p) for p in range(1, size + 1)]
    newest_eval = eval_split(size)

    input_config = tfx.dsl.experimental.RuntimeParameter(
        name="input_config", ptype=str,
        default=window_input_config_json(SpanWindow(1, size), size))
    example_gen = tfx.components.CsvExampleGen(
        input_base=config.kubeflow.data_root, input_config=input_config,
        output_config=tfx.proto.Output())  # empty: keep the input's splits as they are
    statistics_gen = tfx.components.StatisticsGen(examples=example_gen.outputs["examples"])
    schema_gen, example_validator = training.validation_components(statistics_gen, config.kubeflow.schema_file)

    transform = tfx.components.Transform(
        examples=example_gen.outputs["examples"], schema=schema_gen.outputs["schema"],
        preprocessing_fn=training.model_module(config, "preprocessing.preprocessing_fn"),
        splits_config=tfx.proto.SplitsConfig(analyze=train_splits, transform=train_splits + eval_splits),
        disable_statistics=True)
    transform.add_upstream_node(example_validator)

    baseline = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
        model=Channel(type=standard_artifacts.Model),
        model_blessing=Channel(type=standard_artifacts.ModelBlessing)).with_id("latest_blessed_model")

    warm_start = config.training.mode == "warm-start"
    trainer = tfx.components.Trainer(
        run_fn=training.model_module(config, "model.run_fn"),
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"], schema=schema_gen.outputs["schema"],
        base_model=baseline.outputs["model"] if warm_start else None,
        train_args=tfx.proto.TrainArgs(splits=train_splits, num_steps=config.training.train_steps),
        eval_args=tfx.proto.EvalArgs(splits=eval_splits, num_steps=config.training.eval_steps),
        custom_config={"spans": [], "window_size": size, "training_mode": config.training.mode})

    evaluator = tfx.components.Evaluator(
        examples=example_gen.outputs["examples"], model=trainer.outputs["model"],
        baseline_model=baseline.outputs["model"], example_splits=[newest_eval],
        eval_config=training.eval_config(config, list(features.SLICE_FEATURE_KEYS)))

    infra_validator = infra_validation(config, target, trainer, example_gen, newest_eval)

    pusher = tfx.components.Pusher(
        model=trainer.outputs["model"], model_blessing=evaluator.outputs["blessing"],
        infra_blessing=infra_validator.outputs["blessing"],
        push_destination=tfx.proto.PushDestination(filesystem=tfx.proto.PushDestination.Filesystem(
            base_directory=posixpath.join(config.kubeflow.serving_destination, config.model.name))))

    return tfx.dsl.Pipeline(
        pipeline_name=TRAINING_PIPELINE, pipeline_root=config.kubeflow.pipeline_root,
        components=[example_gen, statistics_gen, schema_gen, example_validator, transform, baseline, trainer,
                    evaluator, infra_validator, pusher],
        beam_pipeline_args=list(config.kubeflow.beam_args))


def trigger_target(config: Config, target: str) -> Dict:
    """What PipelineTrigger needs to submit the training pipeline from inside a KFP/Vertex run."""
    return {"pipeline_spec": posixpath.join(config.kubeflow.compiled_root, target, TRAINING_FILE),
            "host": config.kubeflow.host, "project": config.kubeflow.vertex_project,
            "region": config.kubeflow.vertex_region, "pipeline_root": config.kubeflow.pipeline_root,
            "window_size": config.training.window}


def create_batch_evaluation_pipeline(config: Config, target: str):
    from tfx import v1 as tfx

    from pipeline import batch_evaluation

    RuntimeParameter = tfx.dsl.experimental.RuntimeParameter
    config = config.with_overrides({"retraining.trigger_mode": target})
    spec = batch_evaluation.BatchEvaluationSpec(
        pipeline_name=BATCH_EVALUATION_PIPELINE, pipeline_root=config.kubeflow.pipeline_root, config=config,
        batch_uri=RuntimeParameter(name="batch_uri", ptype=str, default=""),
        performance_threshold=RuntimeParameter(name="performance_threshold", ptype=float,
                                               default=config.performance.threshold),
        baseline_statistics=RuntimeParameter(name="baseline_statistics", ptype=str, default="[]"),
        data_root=config.kubeflow.data_root, workdir=posixpath.dirname(config.kubeflow.data_root.rstrip("/")),
        serving_model_dir=posixpath.join(config.kubeflow.serving_destination, config.model.name),
        trigger_target=trigger_target(config, target), beam_pipeline_args=list(config.kubeflow.beam_args))
    return batch_evaluation.create_batch_evaluation_pipeline(spec)


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


def compile_pipelines(config: Config, target: str, output_dir: str) -> Dict[str, str]:
    """Writes both pipelines; returns {pipeline name: path}."""
    if target not in TARGETS:
        raise CompileError(f"--target {target!r}: expected one of {', '.join(TARGETS)}")
    os.makedirs(output_dir, exist_ok=True)
    return {
        TRAINING_PIPELINE: _write(create_training_pipeline(config, target), config, target, output_dir, TRAINING_FILE),
        BATCH_EVALUATION_PIPELINE: _write(create_batch_evaluation_pipeline(config, target), config, target,
                                          output_dir, BATCH_EVALUATION_FILE),
    }


def compiled_batch_evaluation_spec(workspace: Workspace, config: Config, target: str) -> str:
    """The compiled batch-evaluation pipeline in <workdir>/compiled/<target>/, compiled when missing."""
    output_dir = os.path.join(str(workspace.root), "compiled", target)
    path = os.path.join(output_dir, BATCH_EVALUATION_FILE)
    if not os.path.exists(path):
        compile_pipelines(config, target, output_dir)
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
