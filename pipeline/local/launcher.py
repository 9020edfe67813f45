"""The local training launcher: PipelineTrigger's way to train on this machine.

It runs the training pipeline in a child process (`python -m
pipeline.local.training_job`, so TensorFlow state and memory stay apart from the
batch evaluation that asked for it), waits for it, and reads its outcome.
The child's progress lines reach this process's stderr as they happen.
"""
import json
import subprocess
import sys
import time
from typing import Optional

from components.pipeline_trigger.launcher import LaunchResult, TrainingLauncher
from core.data.spans import SpanWindow


class LocalTrainingLauncher(TrainingLauncher):

    def __init__(self, workdir: str, train_steps: Optional[int] = None, mode: Optional[str] = None,
                 trigger: str = "batch-evaluation"):
        self.workdir = workdir
        self.overrides = {key: value for key, value in (("training.train_steps", train_steps),
                                                        ("training.mode", mode)) if value}
        self.trigger = trigger

    def request(self, window: SpanWindow, reason: str, evidence: Optional[dict] = None) -> dict:
        return {"workdir": self.workdir, "spans": f"{window.start}-{window.end}", "trigger": self.trigger,
                "reason": reason, "evidence": evidence or {}, "overrides": self.overrides}

    def launch(self, window: SpanWindow, reason: str, evidence: Optional[dict] = None) -> LaunchResult:
        started = time.perf_counter()
        request = self.request(window, reason, evidence)
        result = subprocess.run([sys.executable, "-m", "pipeline.local.training_job"], input=json.dumps(request),
                                stdout=subprocess.PIPE, text=True)
        seconds = round(time.perf_counter() - started, 1)
        try:
            reply = json.loads(result.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            reply = {"ok": False, "error": f"the training process exited with code {result.returncode}"}
        if not reply.get("ok"):
            return LaunchResult(outcome=f"training failed: {reply['error']}", exit_code=result.returncode or 1,
                                seconds=seconds, details={"request": request})
        reply.pop("ok")
        return LaunchResult(outcome=reply["reason"], exit_code=0, seconds=seconds,
                            pushed_version=reply.get("version"), details={"request": request, "training": reply})
