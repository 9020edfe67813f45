"""KubernetesInfraValidator component (the Kubeflow build's infra validation).

Consumes: `model` (Model, from Trainer) and `examples` (Examples, the split
named in the request spec supplies the requests).
Emits: `blessing` (InfraBlessing), exactly as TFX's InfraValidator.
Short-circuits: never; a model that TF Serving cannot load is not blessed and
Pusher declines.

This is TFX's own InfraValidator — same component spec, TFX's executor —
declared as a plain component because TFX 1.16's KubeflowV2DagRunner refuses
the InfraValidator class by name (step_builder.py raises NotImplementedError
for it). The executor launches a TF Serving pod next to the pipeline pod with
TFX's KubernetesRunner. KFP v2 pods carry KFP_POD_NAME but not KFP_NAMESPACE,
which that runner also needs, so the executor reads the namespace from the
pod's service-account mount first. The pipeline's service account must be
allowed to create pods (as TFX documents for InfraValidator on Kubeflow).
"""
from typing import Optional

from tfx import types
from tfx.components.infra_validator import component as tfx_infra_validator
from tfx.dsl.components.base import base_component, executor_spec
from tfx.proto import infra_validator_pb2
from tfx.types import standard_artifacts, standard_component_specs

from components.kubernetes_infra_validator import executor


class KubernetesInfraValidator(base_component.BaseComponent):
    SPEC_CLASS = standard_component_specs.InfraValidatorSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)
    DRIVER_CLASS = tfx_infra_validator.InfraValidator.DRIVER_CLASS

    def __init__(self, model: types.BaseChannel, serving_spec: infra_validator_pb2.ServingSpec,
                 examples: Optional[types.BaseChannel] = None,
                 request_spec: Optional[infra_validator_pb2.RequestSpec] = None,
                 validation_spec: Optional[infra_validator_pb2.ValidationSpec] = None):
        spec = standard_component_specs.InfraValidatorSpec(
            model=model, examples=examples, blessing=types.Channel(type=standard_artifacts.InfraBlessing),
            serving_spec=serving_spec, validation_spec=validation_spec, request_spec=request_spec)
        super().__init__(spec=spec)
