"""KubernetesInfraValidator: TFX's standard InfraValidator, compilable by the Kubeflow V2 runner."""
from components.kubernetes_infra_validator.component import KubernetesInfraValidator

__all__ = ["KubernetesInfraValidator"]
