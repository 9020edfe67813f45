"""The training pipeline: one definition, used by the local Beam runner and by Kubeflow.

    CsvExampleGen(span N) ─► StatisticsGen ─► ImportSchemaGen ─► StrictExampleValidator
    span window (spans A..N) ─► Transform ─► Trainer (scratch | warm start from the serving model)
    serving model (baseline) ─► Evaluator (accuracy floor + not worse than baseline)
    infra validation (load + query in a model server) ─► VersionedPusher ─► serving/<model>/<version>/

Local runs build the window with a span-range resolver (SpanWindowStrategy:
the newest version of each span, rejected spans skipped) over every span
ExampleGen has ingested; Kubeflow V2 does not support that resolver, so there
the window is a runtime parameter (see pipeline/kubeflow.py). The schema is
inferred by SchemaGen once, on the first span (create_ingestion_pipeline),
curated and kept as a reviewable file that ImportSchemaGen reads. Transform waits
for the ExampleValidator explicitly: a span with anomalies stops the run
before anything is trained.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import tensorflow_model_analysis as tfma
from tfx import v1 as tfx
from tfx.proto import example_gen_pb2, range_config_pb2
from tfx.types import Channel

from components.common.spans import SpanWindow
from components.serving_infra_validator import ServingInfraValidator
from components.strict_example_validator import StrictExampleValidator
from components.versioned_pusher import VersionedPusher
from pipeline.config import Config
from pipeline.span_window import SpanWindowStrategy

TRAIN_SPLIT_PATTERN = "span-{SPAN}/train/*"
EVAL_SPLIT_PATTERN = "span-{SPAN}/test/*"


@dataclass
class TrainingPipelineSpec:
    """Everything that differs between runs of the training pipeline."""

    pipeline_name: str
    pipeline_root: str
    data_root: str
    serving_destination: str
    config: Config
    window: SpanWindow
    schema_file: str = ""                      # the kept schema (content-addressed copy), see pipeline/schema.py
    baseline_model_uri: Optional[str] = None   # the serving model's Trainer output (local runs)
    beam_pipeline_args: List[str] = field(default_factory=list)
    enable_cache: bool = True
    metadata_connection_config: object = None


def span_input_config() -> example_gen_pb2.Input:
    return example_gen_pb2.Input(splits=[
        example_gen_pb2.Input.Split(name="train", pattern=TRAIN_SPLIT_PATTERN),
        example_gen_pb2.Input.Split(name="eval", pattern=EVAL_SPLIT_PATTERN),
    ])


def static_range(start: int, end: int) -> range_config_pb2.RangeConfig:
    return range_config_pb2.RangeConfig(
        static_range=range_config_pb2.StaticRange(start_span_number=start, end_span_number=end))


def example_gen_for_span(data_root: str, span: int) -> tfx.components.CsvExampleGen:
    return tfx.components.CsvExampleGen(
        input_base=data_root, input_config=span_input_config(), range_config=static_range(span, span))


def eval_config(config: Config, slice_features: List[str]) -> tfma.EvalConfig:
    """Blessing rules on the overall slice: an accuracy floor, and not worse than the serving model.

    Slices are reported (the notebooks read them) but not gated: a slice of a
    few dozen trips is too noisy to block a push.
    """
    accuracy_threshold = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": config.validation.min_accuracy}),
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER,
            absolute={"value": -config.validation.max_accuracy_drop - 1e-10}))
    return tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(signature_name="serving_default", label_key=config.model.label)],
        slicing_specs=[tfma.SlicingSpec()] + [tfma.SlicingSpec(feature_keys=[key]) for key in slice_features],
        metrics_specs=[tfma.MetricsSpec(metrics=[
            tfma.MetricConfig(class_name="ExampleCount"),
            tfma.MetricConfig(class_name="AUC"),
            tfma.MetricConfig(class_name="Precision"),
            tfma.MetricConfig(class_name="Recall"),
            tfma.MetricConfig(class_name="BinaryAccuracy", per_slice_thresholds=[
                tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()], threshold=accuracy_threshold)]),
        ])])


def ingestion_components(data_root: str, span: int):
    """ExampleGen and StatisticsGen for one span: what every span goes through once."""
    example_gen = example_gen_for_span(data_root, span)
    statistics_gen = tfx.components.StatisticsGen(examples=example_gen.outputs["examples"])
    return [example_gen, statistics_gen]


def validation_components(statistics_gen, schema_file: str):
    schema_gen = tfx.components.ImportSchemaGen(schema_file=schema_file)
    example_validator = StrictExampleValidator(statistics=statistics_gen.outputs["statistics"],
                                               schema=schema_gen.outputs["schema"])
    return [schema_gen, example_validator]


def create_ingestion_pipeline(spec: TrainingPipelineSpec, span: int) -> tfx.dsl.Pipeline:
    """Ingests one span outside a training run (same pipeline, same node ids, so resolvers find it).

    Without a kept schema, SchemaGen runs: this is how the very first span
    yields the schema every later span is validated against. With one, the
    span is validated against it, as the newest span of a training run is.
    """
    components = ingestion_components(spec.data_root, span)
    if spec.schema_file:
        components += validation_components(components[1], spec.schema_file)
    else:
        components.append(tfx.components.SchemaGen(statistics=components[1].outputs["statistics"],
                                                   infer_feature_shape=False))
    return tfx.dsl.Pipeline(
        pipeline_name=spec.pipeline_name, pipeline_root=spec.pipeline_root,
        components=components, enable_cache=spec.enable_cache,
        metadata_connection_config=spec.metadata_connection_config,
        beam_pipeline_args=spec.beam_pipeline_args)


def model_module(config: Config, name: str) -> str:
    return f"{config.model.module}.{name}"


def create_training_pipeline(spec: TrainingPipelineSpec) -> tfx.dsl.Pipeline:
    config = spec.config
    features = __import__(model_module(config, "features"), fromlist=["SLICE_FEATURE_KEYS"])
    example_gen, statistics_gen = ingestion_components(spec.data_root, spec.window.end)

    schema_gen, example_validator = validation_components(statistics_gen, spec.schema_file)

    span_window = tfx.dsl.Resolver(
        strategy_class=SpanWindowStrategy,
        config={"start_span": spec.window.start, "end_span": spec.window.end,
                "excluded_spans": list(spec.window.excluded)},
        examples=Channel(type=tfx.types.standard_artifacts.Examples,
                         producer_component_id=example_gen.id, output_key="examples"),
    ).with_id("span_window")
    span_window.add_upstream_node(example_gen)  # the resolver would not wait for ExampleGen otherwise

    transform = tfx.components.Transform(
        examples=span_window.outputs["examples"], schema=schema_gen.outputs["schema"],
        preprocessing_fn=model_module(config, "preprocessing.preprocessing_fn"),
        disable_statistics=True)  # StatisticsGen already described the raw span
    transform.add_upstream_node(example_validator)  # anomalies stop the run before training

    components = [example_gen, statistics_gen, schema_gen, example_validator, span_window, transform]

    baseline = None
    if spec.baseline_model_uri:
        baseline = tfx.dsl.Importer(source_uri=spec.baseline_model_uri,
                                    artifact_type=tfx.types.standard_artifacts.Model,
                                    reimport=False).with_id("serving_model")
        components.append(baseline)

    warm_start = config.training.mode == "warm-start" and baseline is not None
    trainer = tfx.components.Trainer(
        run_fn=model_module(config, "model.run_fn"),
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema_gen.outputs["schema"],
        base_model=baseline.outputs["result"] if warm_start else None,
        train_args=tfx.proto.TrainArgs(num_steps=config.training.train_steps),
        eval_args=tfx.proto.EvalArgs(num_steps=config.training.eval_steps),
        custom_config={"spans": spec.window.spans, "training_mode": config.training.mode})

    evaluator = tfx.components.Evaluator(
        examples=example_gen.outputs["examples"], model=trainer.outputs["model"],
        baseline_model=baseline.outputs["result"] if baseline else None,
        eval_config=eval_config(config, list(features.SLICE_FEATURE_KEYS)))

    infra_validator = ServingInfraValidator(
        model=trainer.outputs["model"], examples=example_gen.outputs["examples"],
        model_name=config.model.name, num_requests=config.validation.infra_requests,
        timeout_seconds=config.validation.infra_timeout_seconds)

    pusher = VersionedPusher(
        model=trainer.outputs["model"], model_blessing=evaluator.outputs["blessing"],
        infra_blessing=infra_validator.outputs["blessing"],
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(base_directory=spec.serving_destination)))

    components += [trainer, evaluator, infra_validator, pusher]
    return tfx.dsl.Pipeline(
        pipeline_name=spec.pipeline_name, pipeline_root=spec.pipeline_root, components=components,
        enable_cache=spec.enable_cache, metadata_connection_config=spec.metadata_connection_config,
        beam_pipeline_args=spec.beam_pipeline_args)
