"""PipelineTrigger: start the training pipeline on the window of spans ending at the new span."""
from components.pipeline_trigger.component import PipelineTrigger

__all__ = ["PipelineTrigger"]
