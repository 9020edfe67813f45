"""ServingInfraValidator: load the trained model in adapt's own model server and query it."""
from components.serving_infra_validator.component import ServingInfraValidator

__all__ = ["ServingInfraValidator"]
