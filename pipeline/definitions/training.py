"""The training pipeline: one definition, called by the local Beam runner and by the Kubeflow/Vertex compile.

    ExampleGen(newest span) ─► StatisticsGen ─► ImportSchemaGen ─► StrictExampleValidator
    span window (spans A..N) ─► Transform (analysis: the graph) ─► CalibratedTrainer (reads the window through
                                the graph; scratch | warm start from the serving model; calibration on the eval split)
    Trainer ─► FeatureImportance (what the model relies on: the weights of drift decisions)
    serving model (baseline) ─► ConfidentEvaluator (accuracy floor + not worse than the baseline + the gain
                                 proven at validation.confidence)
    infra validation (load + query in a model server) ─► Pusher ─► <serving destination>/<version>/

`create_training_pipeline(spec)` builds it; the runners differ only in the spec:

- `target="local"` (pipeline/local/training.py): ExampleGen ingests the newest
  span (a static range config); the window is a span-range resolver
  (SpanWindowStrategy: the newest version of each span, rejected spans
  skipped) over every span ExampleGen has ingested; the baseline is the
  serving model, imported by URI; infra validation starts adapt's own model
  server; VersionedPusher pushes integer versions.
- `target="kubeflow"` / `"vertex"` (pipeline/kubeflow/compile.py): KFP v2
  does not run that resolver, so ExampleGen reads the window's folders from
  the runtime parameter `input_config`, one `train-i`/`eval-i` split pair per
  window position (position K is the newest span); the baseline is the latest
  blessed model; infra validation is TFX's InfraValidator on Kubernetes
  (Kubeflow) or adapt's server inside the step's container (Vertex AI gives a
  step no cluster); TFX's Pusher pushes.

The schema is inferred by SchemaGen once, on the first span
(`create_ingestion_pipeline`), curated and kept as a reviewable file that
ImportSchemaGen reads. Transform waits for the ExampleValidator explicitly: a
span with anomalies stops the run before anything is trained.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import List, Optional

import tensorflow_model_analysis as tfma
from tfx.types import Channel

from components.calibrated_trainer import CalibratedTrainer
from components.confident_evaluator import ConfidentEvaluator
from components.feature_importance import FeatureImportance
from components.serving_infra_validator import ServingInfraValidator
from components.small_data_example_gen import SmallDataCsvExampleGen
from components.small_data_statistics_gen import SmallDataStatisticsGen
from components.strict_example_validator import StrictExampleValidator
from components.versioned_pusher import VersionedPusher
from components.versioned_pusher.executor import CANARY_TRAFFIC, EVALUATED_AGAINST
from core import contract
from core.config import Config
from core.contract import ModelPackage
from core.hyperparameters import BUDGET_KEY, TUNE_KEY, TUNED_KINDS
from core.label_scale import KEY as LABEL_SCALE_KEY
from core.data.spans import SpanWindow
from pipeline.definitions import names
from pipeline.definitions import tfx_v1 as tfx
from pipeline.definitions.span_window import SpanWindowStrategy
from pipeline.definitions.window_inputs import (eval_split, span_input_config, static_range, train_split,
                                                window_input_config_json)

LOCAL = "local"
REMOTE_TARGETS = ("kubeflow", "vertex")


@dataclass
class TrainingPipelineSpec:
    """Everything that differs between runs (and runners) of the training pipeline."""

    pipeline_name: str
    pipeline_root: str
    config: Config
    model: ModelPackage
    data_root: str
    schema_file: str                           # the kept schema (a content-addressed copy locally)
    serving_destination: str                   # the model's version folder: serving/<model> or a bucket path
    target: str = LOCAL                        # local | kubeflow | vertex
    window: Optional[SpanWindow] = None        # local: the spans to train on; remote: a runtime parameter
    holdout: Optional[SpanWindow] = None       # local: the spans whose test splits judge candidate and baseline
    push: bool = True                          # False: train and evaluate only (auto window's candidates)
    baseline_model_uri: Optional[str] = None   # local: the serving model's Trainer output
    serving_version: Optional[int] = None      # local: the version serving when the run began (None: none)
    beam_pipeline_args: List[str] = field(default_factory=list)
    enable_cache: bool = True
    metadata_connection_config: object = None


@dataclass
class WindowExamples:
    """Where the window's examples come from, and which splits train, tune and judge the model."""

    example_gen: object
    window: object                      # channel of the window's Examples, for Transform
    holdout: object                     # channel of the Examples whose eval splits the Evaluator reads
    nodes: list                         # ExampleGen, and the resolvers that build window and holdout locally
    train_splits: Optional[List[str]]   # None: TFX's defaults (train / eval)
    eval_splits: Optional[List[str]]
    holdout_splits: List[str]           # what Evaluator and infra validation read


def _span_resolver(example_gen, window: SpanWindow, node_id: str):
    resolver = tfx.dsl.Resolver(
        strategy_class=SpanWindowStrategy,
        config={"start_span": window.start, "end_span": window.end, "excluded_spans": list(window.excluded)},
        examples=Channel(type=tfx.types.standard_artifacts.Examples,
                         producer_component_id=example_gen.id, output_key="examples"),
    ).with_id(node_id)
    resolver.add_upstream_node(example_gen)  # a resolver naming a producer does not wait for it otherwise
    return resolver


def _local_window(spec: TrainingPipelineSpec) -> WindowExamples:
    example_gen = example_gen_for_span(spec.data_root, spec.window.end, spec.model)
    window = _span_resolver(example_gen, spec.window, names.SPAN_WINDOW)
    nodes, holdout = [example_gen, window], example_gen.outputs["examples"]
    if spec.holdout is not None:
        holdout_resolver = _span_resolver(example_gen, spec.holdout, names.HOLDOUT)
        nodes.append(holdout_resolver)
        holdout = holdout_resolver.outputs["examples"]
    return WindowExamples(example_gen, window.outputs["examples"], holdout, nodes, None, None, ["eval"])


def _remote_window(spec: TrainingPipelineSpec) -> WindowExamples:
    size = spec.config.compiled_window()
    input_config = tfx.dsl.experimental.RuntimeParameter(
        name="input_config", ptype=str, default=window_input_config_json(SpanWindow(1, size), size))
    example_gen = _example_gen_class(spec.model)(
        input_base=spec.data_root, input_config=input_config,
        output_config=tfx.proto.Output()).with_id(names.EXAMPLE_GEN)  # empty: keep the input's splits
    return WindowExamples(example_gen, example_gen.outputs["examples"], example_gen.outputs["examples"],
                          [example_gen], [train_split(p) for p in range(1, size + 1)],
                          [eval_split(p) for p in range(1, size + 1)], [eval_split(p) for p in range(1, size + 1)])


def _example_gen_class(model: ModelPackage):
    """CSV spans: CsvExampleGen (small spans in memory: SmallDataCsvExampleGen); tf.Example TFRecord spans
    (images): ImportExampleGen."""
    return tfx.components.ImportExampleGen if model.span_format == "tfrecord" else SmallDataCsvExampleGen


def example_gen_for_span(data_root: str, span: int, model: ModelPackage):
    return _example_gen_class(model)(
        input_base=data_root, input_config=span_input_config(),
        range_config=static_range(span, span)).with_id(names.EXAMPLE_GEN)


# -- the Evaluator's rules -----------------------------------------------------------------
# TFMA's AUC sums a confusion matrix at each of 10,000 thresholds by default, in Python: 1.5 s of an
# evaluation of two models on 500 rows. A thousand change the area by less than 0.001 (a bucket's width).
AUC_THRESHOLDS = 1000


def eval_config(config: Config, model: ModelPackage) -> tfma.EvalConfig:
    """Blessing rules on the overall slice: an accuracy floor, and not worse than the serving model
    (ConfidentEvaluator adds the proven gain, validation.confidence).

    The label is the class index the model's `transform_features` signature
    computes, so string and boolean labels are judged like 0/1 ones. Two
    classes: accuracy, AUC, precision and recall; more: accuracy. Slices are
    reported (the notebooks read them) but not gated: a slice of a few dozen
    rows is too noisy to block a push.

    Regression: MAE and MSE (TFMA's), RMSE (Keras'; its R2Score does not
    survive TFMA's weight merging, so R² is PerformanceEvaluator's); the gate is the
    MAE, not more than validation.max_accuracy_drop (a share of the serving
    model's MAE) above the serving model's.
    """
    if model.regression:
        # TFX drops change thresholds when nothing serves yet, and TFMA fails a metric whose threshold is then
        # empty: the value bound (any finite MAE) keeps the first model's threshold.
        mae_threshold = tfma.MetricThreshold(value_threshold=tfma.GenericValueThreshold(
            upper_bound={"value": 1e300}), change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.LOWER_IS_BETTER,
            relative={"value": config.validation.max_accuracy_drop + 1e-10}))
        metrics = [tfma.MetricConfig(class_name="ExampleCount"),
                   tfma.MetricConfig(class_name="MeanAbsoluteError", per_slice_thresholds=[
                       tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()], threshold=mae_threshold)]),
                   tfma.MetricConfig(class_name="MeanSquaredError"),
                   tfma.MetricConfig(class_name="RootMeanSquaredError", module="tensorflow.keras.metrics")]
        return _eval_config(model, metrics)
    accuracy_threshold = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": config.validation.min_accuracy}),
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER,
            absolute={"value": -config.validation.max_accuracy_drop - 1e-10}))
    gated = [tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()], threshold=accuracy_threshold)]
    if model.binary:
        metrics = [tfma.MetricConfig(class_name=name) for name in ("ExampleCount", "Precision", "Recall")]
        metrics.append(tfma.MetricConfig(class_name="AUC", config=json.dumps({"num_thresholds": AUC_THRESHOLDS})))
        metrics.append(tfma.MetricConfig(class_name="BinaryAccuracy", per_slice_thresholds=gated))
    else:
        metrics = [tfma.MetricConfig(class_name="ExampleCount"),
                   tfma.MetricConfig(class_name="SparseCategoricalAccuracy", per_slice_thresholds=gated)]
    return _eval_config(model, metrics)


def _eval_config(model: ModelPackage, metrics) -> tfma.EvalConfig:
    # tf_generic: TFMA reads the contract's two signatures with tf.saved_model.load. Left to guess, it loads the
    # model once more to find it is a Keras model, then loads it as one and computes the metrics it was compiled
    # with, which nobody reads: 21 s against 9 s for the taxi network on 5,000 rows, the same metrics.
    return tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(signature_name=contract.SIGNATURE_NAME, label_key=model.eval_label_key,
                                    preprocessing_function_names=[contract.TRANSFORM_SIGNATURE],
                                    model_type=tfma.TF_GENERIC)],
        slicing_specs=[tfma.SlicingSpec()] + [tfma.SlicingSpec(feature_keys=[key]) for key in model.slices],
        metrics_specs=[tfma.MetricsSpec(metrics=metrics)])


# -- the nodes that differ by target -----------------------------------------------------
def _baseline(spec: TrainingPipelineSpec):
    """(node, channel of the serving model) or (None, None) when nothing serves yet."""
    if spec.target == LOCAL:
        if not spec.baseline_model_uri:
            return None, None
        importer = tfx.dsl.Importer(source_uri=spec.baseline_model_uri,
                                    artifact_type=tfx.types.standard_artifacts.Model,
                                    reimport=False).with_id(names.SERVING_MODEL)
        return importer, importer.outputs["result"]
    resolver = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
        model=Channel(type=tfx.types.standard_artifacts.Model),
        model_blessing=Channel(type=tfx.types.standard_artifacts.ModelBlessing)).with_id(names.LATEST_BLESSED_MODEL)
    return resolver, resolver.outputs["model"]


def _serving_spec(config: Config):
    image, _, tag = config.kubeflow.serving_image.rpartition(":")
    return tfx.proto.ServingSpec(
        tensorflow_serving=tfx.proto.TensorFlowServing(image_name=image or config.kubeflow.serving_image,
                                                       tags=[tag or "latest"]),
        kubernetes=tfx.proto.KubernetesConfig())


def _infra_validator(spec: TrainingPipelineSpec, model, examples, split: str):
    """Kubeflow: TF Serving in a Kubernetes pod; locally and on Vertex: adapt's server in this process's machine."""
    config = spec.config
    if spec.target == "kubeflow":
        from components.kubernetes_infra_validator import KubernetesInfraValidator
        return KubernetesInfraValidator(
            model=model, examples=examples, serving_spec=_serving_spec(config),
            request_spec=tfx.proto.RequestSpec(tensorflow_serving=tfx.proto.TensorFlowServingRequestSpec(),
                                               split_name=split, num_examples=config.validation.infra_requests),
        ).with_id(names.KUBERNETES_INFRA_VALIDATOR)
    return ServingInfraValidator(
        model=model, examples=examples, model_name=config.model.name, num_requests=config.validation.infra_requests,
        timeout_seconds=config.validation.infra_timeout_seconds, split=split).with_id(names.INFRA_VALIDATOR)


def _pusher(spec: TrainingPipelineSpec, model, model_blessing, infra_blessing):
    destination = tfx.proto.PushDestination(
        filesystem=tfx.proto.PushDestination.Filesystem(base_directory=spec.serving_destination))
    if spec.target == LOCAL:
        return VersionedPusher(model=model, model_blessing=model_blessing, infra_blessing=infra_blessing,
                               push_destination=destination,
                               custom_config={EVALUATED_AGAINST: spec.serving_version, **(
                                   {CANARY_TRAFFIC: spec.config.push.canary_traffic}
                                   if spec.config.push.mode == "canary" else {})}).with_id(names.PUSHER)
    return tfx.components.Pusher(model=model, model_blessing=model_blessing, infra_blessing=infra_blessing,
                                 push_destination=destination).with_id(names.KUBEFLOW_PUSHER)


def _trainer_custom_config(spec: TrainingPipelineSpec) -> dict:
    run = {"training_mode": spec.config.training.mode, TUNE_KEY: spec.config.model.tune,
           BUDGET_KEY: spec.config.model.tune_budget_seconds, LABEL_SCALE_KEY: spec.config.model.label_scale}
    if spec.target == LOCAL:
        run["spans"] = spec.window.spans
    else:
        run.update(spans=[], window_size=spec.config.compiled_window())
    return {**spec.model.custom_config(), **run}


# -- the pipelines -----------------------------------------------------------------------
def _import_schema_gen(schema_file: str):
    return tfx.components.ImportSchemaGen(schema_file=schema_file).with_id(names.IMPORT_SCHEMA_GEN)


def _statistics_gen(example_gen, config: Config, schema_gen=None):
    """StatisticsGen with adapt's statistics options (small splits in memory: SmallDataStatisticsGen); given the
    kept schema, its categorical integers are described by value counts (the drift baseline DriftDetector compares
    batches with)."""
    from core.drift.statistics import stats_options
    return SmallDataStatisticsGen(
        examples=example_gen.outputs["examples"], schema=schema_gen.outputs["schema"] if schema_gen else None,
        stats_options=stats_options(quantile_buckets=config.drift.quantile_buckets)).with_id(names.STATISTICS_GEN)


def _example_validator(statistics_gen, schema_gen):
    return StrictExampleValidator(statistics=statistics_gen.outputs["statistics"],
                                  schema=schema_gen.outputs["schema"]).with_id(names.EXAMPLE_VALIDATOR)


def create_ingestion_pipeline(spec: TrainingPipelineSpec, span: int) -> tfx.dsl.Pipeline:
    """Ingests one span outside a training run (same pipeline, same node ids, so the window resolver finds it).

    Without a kept schema, SchemaGen runs: this is how the very first span
    yields the schema every later span is validated against. With one, the
    span is validated against it, as the newest span of a training run is.
    """
    example_gen = example_gen_for_span(spec.data_root, span, spec.model)
    if spec.schema_file:
        schema_gen = _import_schema_gen(spec.schema_file)
        statistics_gen = _statistics_gen(example_gen, spec.config, schema_gen)
        components = [example_gen, schema_gen, statistics_gen, _example_validator(statistics_gen, schema_gen)]
    else:
        statistics_gen = _statistics_gen(example_gen, spec.config)
        components = [example_gen, statistics_gen,
                      tfx.components.SchemaGen(statistics=statistics_gen.outputs["statistics"],
                                               infer_feature_shape=False).with_id(names.SCHEMA_GEN)]
    return tfx.dsl.Pipeline(
        pipeline_name=spec.pipeline_name, pipeline_root=spec.pipeline_root,
        components=components, enable_cache=spec.enable_cache,
        metadata_connection_config=spec.metadata_connection_config,
        beam_pipeline_args=spec.beam_pipeline_args)


def create_training_pipeline(spec: TrainingPipelineSpec) -> tfx.dsl.Pipeline:
    config = spec.config
    examples = _local_window(spec) if spec.target == LOCAL else _remote_window(spec)
    example_gen = examples.example_gen
    schema_gen = _import_schema_gen(spec.schema_file)
    statistics_gen = _statistics_gen(example_gen, config, schema_gen)
    example_validator = _example_validator(statistics_gen, schema_gen)

    # Transform analyzes the training splits of the window, all at once, and writes only its graph: the Trainer
    # applies it as it reads (models/export.py), as serving does. Writing each span's transformed copy, and
    # analyzing span by span for an analyzer cache no run reads, was most of Transform's time.
    transform = tfx.components.Transform(
        examples=examples.window, schema=schema_gen.outputs["schema"],
        preprocessing_fn=spec.model.preprocessing_fn, custom_config=spec.model.custom_config(),
        splits_config=tfx.proto.SplitsConfig(analyze=examples.train_splits or ["train"], transform=[]),
        materialize=False, disable_analyzer_cache=True,
        disable_statistics=True).with_id(names.TRANSFORM)  # StatisticsGen already described the raw span
    transform.add_upstream_node(example_validator)  # anomalies stop the run before training

    baseline_node, baseline = _baseline(spec)
    warm_start = config.training.mode == "warm-start" and baseline is not None
    # The trees never warm-start; they read the serving model's info for the hyperparameters and label scale to
    # reuse (models/tree_search.py, models/label_scale.py).
    reads_baseline = warm_start or (spec.model.kind in TUNED_KINDS and baseline is not None)
    trainer = CalibratedTrainer(
        run_fn=spec.model.run_fn,
        examples=examples.window,
        transform_graph=transform.outputs["transform_graph"],
        schema=schema_gen.outputs["schema"],
        base_model=baseline if reads_baseline else None,
        train_args=tfx.proto.TrainArgs(splits=examples.train_splits, num_steps=config.training.train_steps),
        eval_args=tfx.proto.EvalArgs(splits=examples.eval_splits, num_steps=config.training.eval_steps),
        custom_config=_trainer_custom_config(spec)).with_id(names.TRAINER)

    evaluator = ConfidentEvaluator(
        examples=examples.holdout, model=trainer.outputs["model"], baseline_model=baseline,
        example_splits=examples.holdout_splits if examples.train_splits else None,
        eval_config=eval_config(config, spec.model),
        confidence=config.validation.confidence, min_gain=config.validation.min_gain,
        max_accuracy_drop=config.validation.max_accuracy_drop).with_id(names.EVALUATOR)

    feature_importance = FeatureImportance(model=trainer.outputs["model"], examples=examples.holdout,
                                           splits=examples.holdout_splits).with_id(names.FEATURE_IMPORTANCE)

    components = examples.nodes + [schema_gen, statistics_gen, example_validator, transform]
    components += [baseline_node] if baseline_node is not None else []
    components += [trainer, feature_importance, evaluator]
    if spec.push:
        infra_validator = _infra_validator(spec, trainer.outputs["model"], example_gen.outputs["examples"],
                                           examples.holdout_splits[-1])
        components += [infra_validator, _pusher(spec, trainer.outputs["model"], evaluator.outputs["blessing"],
                                                infra_validator.outputs["blessing"])]
    return tfx.dsl.Pipeline(
        pipeline_name=spec.pipeline_name, pipeline_root=spec.pipeline_root, components=components,
        enable_cache=spec.enable_cache, metadata_connection_config=spec.metadata_connection_config,
        beam_pipeline_args=spec.beam_pipeline_args)
