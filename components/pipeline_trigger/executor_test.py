import components  # noqa: F401
from components.common import spans
from components.common.artifacts import DataSpan, TrainingRun, read_report, write_report
from components.pipeline_trigger.executor import Executor, training_window
from tests.helpers import artifact


def test_no_span_means_no_training_run(tmp_path):
    span = artifact(DataSpan, tmp_path / "span")
    write_report(span, {"batch": "q", "span": 0, "retrain": False, "reason": "no rule fired (accuracy ok)"})
    output = artifact(TrainingRun, tmp_path / "run")
    Executor().Do({"span": [span]}, {"training_run": [output]},
                  {"mode": "local", "workdir": str(tmp_path), "window": 4, "target": "{}"})
    assert output.triggered == 0 and output.outcome == "not triggered: no rule fired (accuracy ok)"
    assert read_report(output)["triggered"] is False


def test_window_ends_at_the_new_span_and_skips_rejected_ones(tmp_path):
    for number in range(1, 12):
        (tmp_path / "data" / f"span-{number}").mkdir(parents=True)
    spans.mark_rejected(tmp_path / "data", 10, "bad")
    assert training_window(str(tmp_path), 11, 3).spans == [8, 9, 11]
    assert training_window(str(tmp_path), 9, 4).spans == [6, 7, 8, 9]


def test_a_local_run_trains_with_the_batch_runs_steps_and_mode_and_records_failure(tmp_path):
    span = artifact(DataSpan, tmp_path / "span")
    write_report(span, {"batch": "q", "span": 3, "retrain": True, "reason": "performance: accuracy 0.8 < 0.88"})
    output = artifact(TrainingRun, tmp_path / "run")
    Executor().Do({"span": [span]}, {"training_run": [output]},
                  {"mode": "local", "workdir": str(tmp_path), "window": 2, "target": "{}",
                   "training": '{"train_steps": 77, "mode": "warm-start"}'})
    report = read_report(output)
    assert report["triggered"] and report["spans"] == [2, 3]
    command = report["command"]
    assert command[command.index("--train-steps") + 1] == "77" and command[command.index("--mode") + 1] == "warm-start"
    assert report["exit_code"] == 1 and output.outcome.startswith("training failed: ")  # this workspace has no spans
