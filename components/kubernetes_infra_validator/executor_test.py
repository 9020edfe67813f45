"""KubernetesInfraValidator: it is TFX's InfraValidator (spec and executor), and it learns its namespace."""
import os

from tfx.components.infra_validator import executor as tfx_executor
from tfx.types import channel_utils, standard_artifacts, standard_component_specs
from tfx.utils import kube_utils

from components.kubernetes_infra_validator import KubernetesInfraValidator
from components.kubernetes_infra_validator.executor import Executor, ensure_kfp_namespace


def test_is_the_standard_infra_validator_spec_and_executor():
    from tfx.proto import infra_validator_pb2
    component = KubernetesInfraValidator(
        model=channel_utils.as_channel([standard_artifacts.Model()]),
        serving_spec=infra_validator_pb2.ServingSpec(
            tensorflow_serving=infra_validator_pb2.TensorFlowServing(tags=["2.16.1"]),
            kubernetes=infra_validator_pb2.KubernetesConfig()))
    assert isinstance(component.spec, standard_component_specs.InfraValidatorSpec)
    assert issubclass(Executor, tfx_executor.Executor)
    assert component.outputs["blessing"].type == standard_artifacts.InfraBlessing


def test_namespace_comes_from_the_service_account_mount(tmp_path, monkeypatch):
    monkeypatch.delenv(kube_utils.KFP_NAMESPACE, raising=False)
    namespace_file = tmp_path / "namespace"
    namespace_file.write_text("kubeflow-user\n")
    assert ensure_kfp_namespace(str(namespace_file)) == "kubeflow-user"
    assert os.environ[kube_utils.KFP_NAMESPACE] == "kubeflow-user"
    monkeypatch.setenv(kube_utils.KFP_NAMESPACE, "set-by-orchestrator")
    assert ensure_kfp_namespace(str(namespace_file)) == "set-by-orchestrator"
