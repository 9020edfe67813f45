"""SpanPreparator component.

Consumes: `file_list` (adapt.FileList), `performance` (adapt.PerformanceReport)
and `drift_report` (adapt.DriftReport); the retraining policy and the data
root as parameters.
Emits: `span` (adapt.DataSpan) with properties span (0 when none), retrain
and reason, and with `economics:` the price of a retrain the rules asked for
(expected_gain, retrain_cost, verdict; the report's `price`, also passed on in
its `evidence` to the training run's record); records the batch's state in the workspace's batch records
(`batches/` beside the data root: core/data/batch/records.py), so the scheduler
knows it was handled; nothing is written into the batch folder.
Decides: `periodic` retrains on every batch, `static` never, `triggered` when
the performance rule or the drift rule fired (the reason names which, with
the metric or the features). A triggered retrain is held back — the batch
still becomes a span, so the next window has it — while the serving model's
last candidate was declined on the same evidence (`last_decline`: fewer than
`spans_after_decline` new spans since, no drift on new features, no drop
larger by more than `max_drop`); the report's `evidence` (relative drop,
drifted features) is what the next decision compares with.
Short-circuits: no span when retraining is not needed; no span yet when the
batch has no labels (the batch stays pending until a labels file arrives,
and then becomes a span whatever its labeled evaluation decides). The
retraining a rule calls for on such a batch runs now, on the window ending at
the newest labeled span, when that span is newer than the serving model's
(`serving_spans_end`; 0 = unknown, as on Kubeflow: it waits) and than the
last declined window; the report's `window_end` names it;
no second span when the batch already became one (that span is reused);
with `evaluate_only` (`adapt evaluate-batch --no-trigger`) it reports the
decision and writes nothing, so the batch stays ready for a later run.
The gain-of-more-data rule (`more_data`: its settings and the serving
model's learning curve, core/policy/more_data.py) counts the window a retrain
would take now from the spans' records and this batch's labeled rows.
A new span is written atomically (a crash leaves none or a whole one) from
the batch's labeled rows with the deterministic split, as CSV (a TFRecord
batch's records become rows, one column per feature), or, for an image
batch, as gzipped tf.Example TFRecords of the labeled images (core/data/
ingest.py); the batch itself is never modified or deleted.
"""
from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.artifacts import DataSpan, DriftReport, FileList, PerformanceReport
from components.span_preparator import executor


class SpanPreparatorSpec(ComponentSpec):
    PARAMETERS = {
        "data_root": ExecutionParameter(type=str),
        "policy": ExecutionParameter(type=str),
        "test_fraction": ExecutionParameter(type=float),
        "evaluate_only": ExecutionParameter(type=int, optional=True),
        "last_decline": ExecutionParameter(type=str, optional=True),  # JSON: the serving model's last declined retrain
        "spans_after_decline": ExecutionParameter(type=int, optional=True),
        "max_drop": ExecutionParameter(type=float, optional=True),
        "serving_spans_end": ExecutionParameter(type=int, optional=True),  # last span the serving model learned
        "economics": ExecutionParameter(type=str, optional=True),  # JSON: economics settings, window, past retrains
        "more_data": ExecutionParameter(type=str, optional=True),  # JSON: the rule's settings, the serving model's curve
    }
    INPUTS = {
        "file_list": ChannelParameter(type=FileList),
        "performance": ChannelParameter(type=PerformanceReport),
        "drift_report": ChannelParameter(type=DriftReport),
    }
    OUTPUTS = {"span": ChannelParameter(type=DataSpan)}


class SpanPreparator(base_component.BaseComponent):
    SPEC_CLASS = SpanPreparatorSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, file_list: types.BaseChannel, performance: types.BaseChannel,
                 drift_report: types.BaseChannel, data_root, policy="triggered", test_fraction: float = 0.2,
                 evaluate_only: bool = False, last_decline="{}", spans_after_decline: int = 2,
                 max_drop: float = 0.0, serving_spans_end: int = 0, economics: str = "{}", more_data: str = "{}"):
        super().__init__(spec=SpanPreparatorSpec(
            file_list=file_list, performance=performance, drift_report=drift_report, data_root=data_root,
            policy=policy, test_fraction=test_fraction, evaluate_only=int(evaluate_only),
            last_decline=last_decline, spans_after_decline=spans_after_decline, max_drop=max_drop,
            serving_spans_end=serving_spans_end, economics=economics, more_data=more_data,
            span=types.Channel(type=DataSpan)))
