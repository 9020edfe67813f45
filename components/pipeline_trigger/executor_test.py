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
