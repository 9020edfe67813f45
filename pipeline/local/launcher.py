"""The local training launcher: PipelineTrigger's way to train on this machine.

It runs the training pipeline in a child process (`python -m
pipeline.local.training_job`, so TensorFlow state and memory stay apart from the
batch evaluation that asked for it), waits for it, and reads its outcome.
What the child prints (its progress lines) is written, as it comes, to this
process's file descriptor 2, wherever it points at the time (a run's log file).

The child stays: the next training this process asks for (a replay's next
retrain) goes to the same warm child, which has TensorFlow imported and its
functions traced already. A child is replaced when this process's environment
changed since it started (a fault to inject, another Beam setting), after
RUNS_PER_CHILD runs (memory stays bounded), and when it died. When this process
exits, the child's stdin closes and it exits after the run in progress.
"""
import atexit
import json
import os
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional

from components.pipeline_trigger.launcher import LaunchResult, TrainingLauncher
from core.data.spans import SpanWindow
from pipeline.local.training_job import REPLY_MARK

RUNS_PER_CHILD = 20


class TrainingChild:
    """One `python -m pipeline.local.training_job` process, answering one request at a time."""

    def __init__(self):
        self.environment = dict(os.environ)
        self.process = subprocess.Popen([sys.executable, "-m", "pipeline.local.training_job"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, errors="backslashreplace")
        self.runs = 0

    def usable(self) -> bool:
        return (self.process.poll() is None and self.runs < RUNS_PER_CHILD
                and self.environment == dict(os.environ))

    def ask(self, request: dict) -> dict:
        """The child's reply to `request`; a child that exits first answers with its exit code."""
        self.runs += 1
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            for line in self.process.stdout:
                at = line.find(REPLY_MARK)
                _to_stderr(line[:at] if at >= 0 else line)
                if at >= 0:
                    return json.loads(line[at + len(REPLY_MARK):])
        except (BrokenPipeError, ValueError):
            pass
        code = self.process.wait()
        return {"ok": False, "error": f"the training process exited with code {code}"}

    def close(self, timeout: float = 5.0) -> None:
        """Closes its stdin: an idle child exits at once, a busy one after its run."""
        try:
            self.process.stdin.close()
            self.process.wait(timeout)
        except (OSError, subprocess.TimeoutExpired):
            pass


def _to_stderr(text: str) -> None:
    if text:
        os.write(2, text.encode("utf-8", "backslashreplace"))


_idle: List[TrainingChild] = []
_lock = threading.Lock()


def _take_child() -> TrainingChild:
    with _lock:
        while _idle:
            child = _idle.pop()
            if child.usable():
                return child
            child.close(timeout=0)
    return TrainingChild()


def _give_back(child: TrainingChild) -> None:
    if child.usable():
        with _lock:
            _idle.append(child)
    else:
        child.close(timeout=0)


def start_child() -> None:
    """Starts a child now, unless one waits already: its imports overlap what this process does before its first
    training (a replay's first batch evaluation)."""
    with _lock:
        if any(child.usable() for child in _idle):
            return
    child = TrainingChild()
    with _lock:
        _idle.append(child)


@atexit.register
def close_children() -> None:
    with _lock:
        children, _idle[:] = list(_idle), []
    for child in children:
        child.close()


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
        child = _take_child()
        reply: Dict = child.ask(request)
        _give_back(child)
        seconds = round(time.perf_counter() - started, 1)
        details = {"request": request, "process": reply.pop("process", child.process.pid)}
        if not reply.pop("ok"):
            return LaunchResult(outcome=f"training failed: {reply['error']}",
                                exit_code=child.process.returncode or 1, seconds=seconds, details=details)
        return LaunchResult(outcome=reply["reason"], exit_code=0, seconds=seconds,
                            pushed_version=reply.get("version"), details={**details, "training": reply})
