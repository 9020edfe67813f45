"""The local training launcher: the request its child process gets, and a failed run recorded, not raised."""
from core.data.spans import SpanWindow
from pipeline.local.launcher import LocalTrainingLauncher


def test_the_child_trains_with_the_batch_runs_steps_and_mode():
    launcher = LocalTrainingLauncher(workdir="/w", train_steps=77, mode="warm-start")
    request = launcher.request(SpanWindow(2, 3), "performance: accuracy 0.8 < 0.88", {"drop": 0.04})
    assert request == {"workdir": "/w", "spans": "2-3", "trigger": "batch-evaluation",
                       "reason": "performance: accuracy 0.8 < 0.88", "evidence": {"drop": 0.04},
                       "overrides": {"training.train_steps": 77, "training.mode": "warm-start"}}


def test_a_failed_training_run_is_recorded_with_its_one_line_error(tmp_path):
    result = LocalTrainingLauncher(workdir=str(tmp_path), train_steps=77).launch(SpanWindow(2, 3), "drift")
    assert result.exit_code == 1
    assert result.outcome == f"training failed: span(s) 2, 3 not found under {tmp_path / 'data'} (present: none)"
