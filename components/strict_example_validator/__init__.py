"""StrictExampleValidator: TFX's ExampleValidator that stops the run on anomalies."""
from components.strict_example_validator.component import StrictExampleValidator
from components.strict_example_validator.executor import DataValidationError

__all__ = ["StrictExampleValidator", "DataValidationError"]
