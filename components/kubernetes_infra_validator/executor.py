"""Executor of KubernetesInfraValidator: TFX's InfraValidator executor, told its namespace."""
import os

from tfx.components.infra_validator import executor as tfx_executor
from tfx.utils import kube_utils

SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


def ensure_kfp_namespace(namespace_file: str = SERVICE_ACCOUNT_NAMESPACE) -> str:
    """Sets KFP_NAMESPACE from the pod's service-account mount when the orchestrator did not."""
    if not os.environ.get(kube_utils.KFP_NAMESPACE) and os.path.exists(namespace_file):
        with open(namespace_file) as handle:
            os.environ[kube_utils.KFP_NAMESPACE] = handle.read().strip()
    return os.environ.get(kube_utils.KFP_NAMESPACE, "")


class Executor(tfx_executor.Executor):

    def Do(self, input_dict, output_dict, exec_properties):
        ensure_kfp_namespace()
        return super().Do(input_dict, output_dict, exec_properties)
