"""The part of TFX's public v1 API that the pipeline definitions use, without importing `tfx.v1` itself.

`from tfx import v1` imports TFX's Google Cloud extensions too, and with them google.cloud.aiplatform:
about 2 s of every adapt process's start (measured: 7.0 s against 5.2 s for TFX, TFMA and TFDV), for local runs
that never reach Google Cloud. These are the same objects `tfx.v1` exports, under the same names, so the
definitions read as TFX's documentation does (`tfx.components.Trainer`, `tfx.proto.TrainArgs`). The Kubeflow
and Vertex AI compile (pipeline/kubeflow/compile.py) imports `tfx.v1` itself.
"""
from types import SimpleNamespace

from tfx.components import CsvExampleGen, Evaluator, ImportExampleGen, Pusher, SchemaGen, StatisticsGen, Trainer, Transform
from tfx.components.schema_gen.import_schema_gen.component import ImportSchemaGen
from tfx.dsl.components.common.importer import Importer
from tfx.dsl.components.common.resolver import Resolver
from tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy import LatestBlessedModelStrategy
from tfx.orchestration.data_types import RuntimeParameter
from tfx.orchestration.pipeline import Pipeline
from tfx.proto import example_gen_pb2, infra_validator_pb2, pusher_pb2, trainer_pb2, transform_pb2
from tfx.types import standard_artifacts

components = SimpleNamespace(
    CsvExampleGen=CsvExampleGen, Evaluator=Evaluator, ImportExampleGen=ImportExampleGen,
    ImportSchemaGen=ImportSchemaGen, Pusher=Pusher, SchemaGen=SchemaGen, StatisticsGen=StatisticsGen,
    Trainer=Trainer, Transform=Transform)

dsl = SimpleNamespace(
    Importer=Importer, Pipeline=Pipeline, Resolver=Resolver,
    experimental=SimpleNamespace(LatestBlessedModelStrategy=LatestBlessedModelStrategy,
                                 RuntimeParameter=RuntimeParameter))

proto = SimpleNamespace(
    EvalArgs=trainer_pb2.EvalArgs, TrainArgs=trainer_pb2.TrainArgs, SplitsConfig=transform_pb2.SplitsConfig,
    Input=example_gen_pb2.Input, Output=example_gen_pb2.Output, SplitConfig=example_gen_pb2.SplitConfig,
    PushDestination=pusher_pb2.PushDestination, KubernetesConfig=infra_validator_pb2.KubernetesConfig,
    RequestSpec=infra_validator_pb2.RequestSpec, ServingSpec=infra_validator_pb2.ServingSpec,
    TensorFlowServing=infra_validator_pb2.TensorFlowServing,
    TensorFlowServingRequestSpec=infra_validator_pb2.TensorFlowServingRequestSpec)

types = SimpleNamespace(standard_artifacts=standard_artifacts)
