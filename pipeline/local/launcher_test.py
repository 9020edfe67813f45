"""The local training launcher: the request its child process gets, a failed run recorded, not raised, and one
warm child answering the runs of one process until its environment changes."""
import os

from core.data.spans import SpanWindow
from core.workspace import Workspace
from pipeline.local.launcher import LocalTrainingLauncher


def test_the_child_trains_with_the_batch_runs_steps_and_mode():
    launcher = LocalTrainingLauncher(workdir="/w", train_steps=77, mode="warm-start")
    request = launcher.request(SpanWindow(2, 3), "performance: accuracy 0.8 < 0.88", {"drop": 0.04})
    assert request == {"workdir": "/w", "spans": "2-3", "trigger": "batch-evaluation",
                       "reason": "performance: accuracy 0.8 < 0.88", "evidence": {"drop": 0.04},
                       "overrides": {"training.train_steps": 77, "training.mode": "warm-start"}}


def test_a_failed_run_is_recorded_and_the_same_child_answers_the_next_until_the_environment_changes(
        tmp_path, monkeypatch):
    Workspace.open(str(tmp_path))
    launcher = LocalTrainingLauncher(workdir=str(tmp_path), train_steps=77)
    first = launcher.launch(SpanWindow(2, 3), "drift")
    assert first.exit_code == 1
    assert first.outcome == f"training failed: span(s) 2, 3 not found under {tmp_path / 'data'} (present: none)"
    again = launcher.launch(SpanWindow(4, 4), "drift")
    assert again.outcome.endswith("span(s) 4 not found under " f"{tmp_path / 'data'} (present: none)")
    assert again.details["process"] == first.details["process"] != os.getpid()
    assert again.seconds < first.seconds  # TensorFlow and TFX were imported once

    monkeypatch.setenv("ADAPT_FAULT_AT", "nowhere")  # a child sees the environment it was started with
    changed = launcher.launch(SpanWindow(2, 3), "drift")
    assert changed.exit_code == 1 and changed.details["process"] != first.details["process"]
