"""PipelineTrigger component.

Consumes: `span` (adapt.DataSpan from SpanPreparator).
Emits: `training_run` (adapt.TrainingRun): properties spans, triggered and
outcome; custom properties pushed_version, exit_code and seconds for runs it
waited for, run_id for submitted ones.
Short-circuits: starts nothing when SpanPreparator decided against
retraining or gave no span to end the window at (triggered 0, and the
outcome says why).
Starts training on the window of the last `window` accepted spans ending at
the new span, or, for a batch still awaiting its labels, at the newest
labeled span SpanPreparator names (`window_end`); rejected spans under
`data_root` are skipped. It launches through the
launcher named by `launcher` (see launcher.py): adapt's local launcher runs
the training pipeline on this machine in a child process and waits for its
outcome; the Kubeflow/Vertex launcher submits the compiled training pipeline
with the window as its runtime parameter and returns the run id. A training
run that fails (its data rejected by validation, say) is recorded, not
raised: the batch evaluation itself succeeded.
Never cached: a launch is an action, so each component instance carries its
own `launch_id` and a rerun after a crash launches again instead of reusing
the outcome (a killed training run, say) that MLMD recorded for the same span.
"""
import uuid

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.artifacts import DataSpan, TrainingRun
from components.pipeline_trigger import executor


class PipelineTriggerSpec(ComponentSpec):
    PARAMETERS = {
        "data_root": ExecutionParameter(type=str),
        "window": ExecutionParameter(type=int),
        "launcher": ExecutionParameter(type=str),                      # dotted path of a TrainingLauncher
        "launcher_options": ExecutionParameter(type=str, optional=True),  # JSON: the launcher's arguments
        "launch_id": ExecutionParameter(type=str),                     # new per instance: defeats the cache
    }
    INPUTS = {"span": ChannelParameter(type=DataSpan)}
    OUTPUTS = {"training_run": ChannelParameter(type=TrainingRun)}


class PipelineTrigger(base_component.BaseComponent):
    SPEC_CLASS = PipelineTriggerSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, span: types.BaseChannel, data_root, window: int, launcher: str, launcher_options: str = "{}"):
        super().__init__(spec=PipelineTriggerSpec(
            span=span, data_root=data_root, window=window, launcher=launcher, launcher_options=launcher_options,
            launch_id=uuid.uuid4().hex, training_run=types.Channel(type=TrainingRun)))
