"""StrictExampleValidator component.

Consumes: `statistics` (ExampleStatistics of the new span) and `schema`.
Emits: `anomalies` (ExampleAnomalies), as TFX's ExampleValidator does.
Short-circuits: when any split has anomalies its execution fails with
`DataValidationError`, whose message names each feature and anomaly. Nothing
downstream (Transform, Trainer, Pusher) runs, so a bad span is never trained
on and the serving model stays as it was.
"""
from tfx.components import ExampleValidator
from tfx.dsl.components.base import executor_spec

from components.strict_example_validator import executor


class StrictExampleValidator(ExampleValidator):
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)
