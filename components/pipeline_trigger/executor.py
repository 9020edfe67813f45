"""Executor of PipelineTrigger."""
import json
import os
import subprocess
import sys
import time
from typing import Any, Dict

from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from components.common import spans
from components.common.artifacts import read_report, write_report
from components.common.spans import SpanWindow
from pipeline.cli import error_from_stderr


def training_window(workdir: str, span: int, size: int) -> SpanWindow:
    data_root = os.path.join(workdir, "data")
    return SpanWindow.ending_at(span, size, spans.rejected_spans(data_root))


def run_locally(workdir: str, window: SpanWindow, reason: str, training: Dict[str, Any] = None) -> Dict[str, Any]:
    started = time.perf_counter()
    command = [sys.executable, "-m", "pipeline.cli", "train", "--workdir", workdir,
               "--spans", f"{window.start}-{window.end}", "--json", "--trigger", "batch-evaluation",
               "--reason", reason]
    for key, flag in (("train_steps", "--train-steps"), ("mode", "--mode")):
        if (training or {}).get(key):
            command += [flag, str(training[key])]
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = round(time.perf_counter() - started, 1)
    if result.returncode != 0:
        message = error_from_stderr(result.stderr)
        return {"exit_code": result.returncode, "outcome": f"training failed: {message}", "seconds": seconds,
                "command": command[2:]}
    outcome = json.loads(result.stdout)
    return {"exit_code": 0, "outcome": outcome["reason"], "seconds": seconds,
            "pushed_version": outcome.get("version"), "training": outcome, "command": command[2:]}


def run_remotely(mode: str, target: Dict[str, Any], window: SpanWindow) -> Dict[str, Any]:
    from pipeline import submit  # kfp and aiplatform only where they are used
    run_id = submit.start_training_run(mode, target, window)
    return {"outcome": f"submitted to {mode}: run {run_id}", "run_id": run_id}


class Executor(base_executor.BaseExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        span = read_report(artifact_utils.get_single_instance(input_dict["span"]))
        artifact = artifact_utils.get_single_instance(output_dict["training_run"])
        if not span["retrain"] or not span["span"]:
            artifact.spans, artifact.triggered = "", 0
            artifact.outcome = f"not triggered: {span['reason']}"
            write_report(artifact, {"triggered": False, "outcome": artifact.outcome})
            return
        window = training_window(exec_properties["workdir"], span["span"], int(exec_properties["window"]))
        mode = exec_properties["mode"]
        if mode == "local":
            result = run_locally(exec_properties["workdir"], window, span["reason"],
                                 json.loads(exec_properties.get("training") or "{}"))
        else:
            result = run_remotely(mode, json.loads(exec_properties.get("target") or "{}"), window)
        artifact.spans, artifact.triggered, artifact.outcome = str(window), 1, result["outcome"]
        for key in ("exit_code", "pushed_version"):
            if result.get(key) is not None:
                artifact.set_int_custom_property(key, int(result[key]))
        for key in ("seconds",):
            if result.get(key) is not None:
                artifact.set_float_custom_property(key, float(result[key]))
        if result.get("run_id"):
            artifact.set_string_custom_property("run_id", str(result["run_id"]))
        write_report(artifact, {"triggered": True, "spans": window.spans, "mode": mode, **result})
