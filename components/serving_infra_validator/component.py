"""ServingInfraValidator component.

Consumes: `model` (Model, from Trainer) and `examples` (Examples; the `eval`
split supplies the requests).
Emits: `blessing` (InfraBlessing), with custom property `blessed` 1 or 0 and
a `reason`, plus the file INFRA_BLESSED or INFRA_NOT_BLESSED, exactly what
TFX's Pusher checks.
Short-circuits: never; a model that fails to load, times out or answers
badly is marked not blessed (the pipeline continues and Pusher declines).

It does what TFX's InfraValidator does with a Docker or Kubernetes serving
binary, but with the server that `adapt serve` runs (serving/server.py),
started in a separate process: there is no Docker engine on a laptop-style
workspace, and what is validated is exactly what will serve. The Kubeflow
build uses the standard InfraValidator on Kubernetes instead.
"""
from typing import Optional

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.serving_infra_validator import executor


class ServingInfraValidatorSpec(ComponentSpec):
    PARAMETERS = {
        "model_name": ExecutionParameter(type=str),
        "num_requests": ExecutionParameter(type=int),
        "timeout_seconds": ExecutionParameter(type=int),
        "split": ExecutionParameter(type=str, optional=True),
    }
    INPUTS = {
        "model": ChannelParameter(type=standard_artifacts.Model),
        "examples": ChannelParameter(type=standard_artifacts.Examples),
    }
    OUTPUTS = {
        "blessing": ChannelParameter(type=standard_artifacts.InfraBlessing),
    }


class ServingInfraValidator(base_component.BaseComponent):
    SPEC_CLASS = ServingInfraValidatorSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, model: types.BaseChannel, examples: types.BaseChannel, model_name: str,
                 num_requests: int = 20, timeout_seconds: int = 180, split: Optional[str] = "eval"):
        spec = ServingInfraValidatorSpec(
            model=model, examples=examples, model_name=model_name, num_requests=num_requests,
            timeout_seconds=timeout_seconds, split=split,
            blessing=types.Channel(type=standard_artifacts.InfraBlessing))
        super().__init__(spec=spec)
