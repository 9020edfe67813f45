"""Executor of PipelineTrigger."""
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from components.artifacts import read_report, write_report
from components.pipeline_trigger.launcher import load_launcher
from core.data import spans
from core.data.spans import SpanWindow


def training_window(data_root: str, span: int, size: int) -> SpanWindow:
    return SpanWindow.ending_at(span, size, spans.rejected_spans(data_root))


class Executor(base_executor.BaseExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        span = read_report(artifact_utils.get_single_instance(input_dict["span"]))
        artifact = artifact_utils.get_single_instance(output_dict["training_run"])
        end = span.get("window_end") or span["span"]  # a batch awaiting labels retrains on the newest labeled span
        if not span["retrain"] or not end:
            artifact.spans, artifact.triggered = "", 0
            artifact.outcome = f"not triggered: {span['reason']}"
            write_report(artifact, {"triggered": False, "outcome": artifact.outcome})
            return
        window = training_window(exec_properties["data_root"], end, int(exec_properties["window"]))
        launcher = load_launcher(exec_properties["launcher"], exec_properties.get("launcher_options"))
        result = launcher.launch(window, span["reason"], span.get("evidence") or {})
        artifact.spans, artifact.triggered, artifact.outcome = str(window), 1, result.outcome
        for key in ("exit_code", "pushed_version"):
            if getattr(result, key) is not None:
                artifact.set_int_custom_property(key, int(getattr(result, key)))
        if result.seconds is not None:
            artifact.set_float_custom_property("seconds", float(result.seconds))
        if result.run_id:
            artifact.set_string_custom_property("run_id", str(result.run_id))
        write_report(artifact, {"triggered": True, "spans": window.spans, "launcher": exec_properties["launcher"],
                                **result.to_dict()})
