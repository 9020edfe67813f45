import json

import pytest

import components  # noqa: F401
from components.artifacts import DataSpan, TrainingRun, read_report, write_report
from components.pipeline_trigger.executor import Executor, training_window
from components.pipeline_trigger.launcher import LaunchResult, TrainingLauncher, class_path, load_launcher
from core.data import spans
from core.errors import AdaptError
from tests.helpers import artifact


class RecordingLauncher(TrainingLauncher):
    """A launcher that records what it was asked to start."""
    launched = []

    def __init__(self, outcome: str = "pushed as version 2"):
        self.outcome = outcome

    def launch(self, window, reason, evidence=None):
        RecordingLauncher.launched.append((window.spans, reason))
        return LaunchResult(outcome=self.outcome, exit_code=0, seconds=1.5, pushed_version=2)


def _run(tmp_path, span_report, options=None):
    span = artifact(DataSpan, tmp_path / "span")
    write_report(span, span_report)
    output = artifact(TrainingRun, tmp_path / "run")
    Executor().Do({"span": [span]}, {"training_run": [output]},
                  {"data_root": str(tmp_path / "data"), "window": 2, "launcher": class_path(RecordingLauncher),
                   "launcher_options": json.dumps(options or {})})
    return output


def test_no_span_means_no_training_run(tmp_path):
    RecordingLauncher.launched.clear()
    output = _run(tmp_path, {"batch": "q", "span": 0, "retrain": False, "reason": "no rule fired (accuracy ok)"})
    assert output.triggered == 0 and output.outcome == "not triggered: no rule fired (accuracy ok)"
    assert read_report(output)["triggered"] is False and RecordingLauncher.launched == []


def test_window_ends_at_the_new_span_and_skips_rejected_ones(tmp_path):
    for number in range(1, 12):
        (tmp_path / "data" / f"span-{number}").mkdir(parents=True)
    spans.mark_rejected(tmp_path / "data", 10, "bad")
    assert training_window(str(tmp_path / "data"), 11, 3).spans == [8, 9, 11]
    assert training_window(str(tmp_path / "data"), 9, 4).spans == [6, 7, 8, 9]


def test_the_named_launcher_starts_training_on_the_window_and_its_outcome_is_recorded(tmp_path):
    RecordingLauncher.launched.clear()
    for number in range(1, 4):
        (tmp_path / "data" / f"span-{number}").mkdir(parents=True)
    output = _run(tmp_path, {"batch": "q", "span": 3, "retrain": True, "reason": "performance: accuracy 0.8 < 0.88"},
                  {"outcome": "pushed as version 2"})
    assert RecordingLauncher.launched == [([2, 3], "performance: accuracy 0.8 < 0.88")]
    report = read_report(output)
    assert report["triggered"] and report["spans"] == [2, 3] and report["pushed_version"] == 2
    assert output.outcome == "pushed as version 2" and output.get_int_custom_property("pushed_version") == 2


def test_a_launcher_that_is_not_one_is_refused():
    with pytest.raises(AdaptError, match="no launcher 'nowhere.Launcher'"):
        load_launcher("nowhere.Launcher")
    with pytest.raises(AdaptError, match="is not a TrainingLauncher"):
        load_launcher("components.pipeline_trigger.launcher.LaunchResult")


def test_a_batch_awaiting_its_labels_trains_on_the_window_ending_at_the_newest_labeled_span(tmp_path):
    RecordingLauncher.launched.clear()
    for number in range(1, 4):
        (tmp_path / "data" / f"span-{number}").mkdir(parents=True)
    reason = "performance: estimated accuracy 0.70 is 12% below; retraining now on the spans labeled so far"
    output = _run(tmp_path, {"batch": "q", "span": 0, "window_end": 3, "retrain": True, "reason": reason})
    assert RecordingLauncher.launched == [([2, 3], reason)] and output.triggered == 1
