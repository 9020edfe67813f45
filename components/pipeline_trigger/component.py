"""PipelineTrigger component.

Consumes: `span` (adapt.DataSpan from SpanPreparator).
Emits: `training_run` (adapt.TrainingRun): properties spans, triggered and
outcome; custom properties pushed_version, exit_code and seconds in local
mode, run_id in kubeflow and vertex modes.
Short-circuits: starts nothing when SpanPreparator made no span or decided
against retraining (triggered 0, and the outcome says why).
Modes (`mode`): local runs the training pipeline on this machine (`adapt
train --spans A-B` in a child process, so TensorFlow state and memory stay
separate, with the batch run's train_steps and mode) and waits for its outcome; kubeflow and vertex submit the compiled
training pipeline with the window as its runtime parameter (pipeline/submit.py,
the same code `adapt submit` uses) and return the run id. A training run
that fails (its data rejected by validation, say) is recorded, not raised:
the batch evaluation itself succeeded.
"""
from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.common.artifacts import DataSpan, TrainingRun
from components.pipeline_trigger import executor


class PipelineTriggerSpec(ComponentSpec):
    PARAMETERS = {
        "mode": ExecutionParameter(type=str),
        "workdir": ExecutionParameter(type=str),
        "window": ExecutionParameter(type=int),
        "target": ExecutionParameter(type=str, optional=True),   # JSON: compiled pipeline, host / project, region
        "training": ExecutionParameter(type=str, optional=True),  # JSON: train_steps, mode of the local run
    }
    INPUTS = {"span": ChannelParameter(type=DataSpan)}
    OUTPUTS = {"training_run": ChannelParameter(type=TrainingRun)}


class PipelineTrigger(base_component.BaseComponent):
    SPEC_CLASS = PipelineTriggerSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, span: types.BaseChannel, workdir, window: int, mode: str = "local", target: str = "{}",
                 training: str = "{}"):
        super().__init__(spec=PipelineTriggerSpec(
            span=span, mode=mode, workdir=workdir, window=window, target=target, training=training,
            training_run=types.Channel(type=TrainingRun)))
