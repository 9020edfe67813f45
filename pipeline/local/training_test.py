"""The training run's choices that need no pipeline: the holdout's spans and the auto window's candidates."""
from core.config import Config
from core.data import spans
from core.data.spans import SpanWindow
from pipeline.local.training import candidate_windows, choose_window, holdout_window


def _spans(data_root, test_rows):
    """One span per entry, with about that many test rows (the split is by row hash, so only about)."""
    for number, rows in enumerate(test_rows, start=1):
        spans.write_span(data_root, ["x", "y"], [[f"{number}.{i}", str(i % 2)] for i in range(rows * 5)],
                         test_fraction=0.2, source={"batch": f"b{number}"})
    return [spans.read_source(data_root, n)["rows"]["test"] for n in range(1, len(test_rows) + 1)]


def test_the_holdout_is_the_newest_test_split_topped_up_newest_first(tmp_path):
    tests = _spans(tmp_path, [100, 100, 40, 40])
    window = SpanWindow(1, 4)
    assert holdout_window(tmp_path, window, min_rows=30) == SpanWindow(4, 4)
    holdout = holdout_window(tmp_path, window, min_rows=tests[3] + 1)
    assert holdout == SpanWindow(3, 4)
    needed = tests[3] + tests[2] + tests[1] + 1
    assert holdout_window(tmp_path, window, min_rows=needed) == SpanWindow(1, 4)
    assert holdout_window(tmp_path, SpanWindow(3, 4), min_rows=10_000) == SpanWindow(3, 4)  # never beyond the window


def test_a_rejected_span_is_skipped_by_the_holdout(tmp_path):
    _spans(tmp_path, [50, 50, 50])
    holdout = holdout_window(tmp_path, SpanWindow(1, 3, excluded=(2,)), min_rows=60)
    assert holdout.spans == [1, 3]


def test_auto_window_candidates_end_at_the_newest_span_and_stay_inside_the_window():
    config = Config.from_dict({"training": {"window": "auto", "window_candidates": ["1", "2", "4", "all"]}})
    found = candidate_windows(config, SpanWindow(3, 9, excluded=(8,)))
    assert [w.spans for w in found] == [[9], [7, 9], [5, 6, 7, 9], [3, 4, 5, 6, 7, 9]]
    short = candidate_windows(config, SpanWindow(1, 2))
    assert [w.spans for w in short] == [[2], [1, 2]]  # 2, 4 and all are the same two spans
    fixed = Config.from_dict({"training": {"window": 3}})
    assert candidate_windows(fixed, SpanWindow(7, 9)) == [SpanWindow(7, 9)]


def test_the_best_accuracy_wins_and_a_tie_goes_to_the_shorter_window():
    windows = [SpanWindow(4, 4), SpanWindow(3, 4), SpanWindow(1, 4)]
    scores = {"4-4": 0.81, "3-4": 0.86, "1-4": 0.86}
    best, seen = choose_window(windows, lambda w: scores[str(w)], echo=lambda line: None)
    assert best == SpanWindow(3, 4) and seen == scores
    errors = {"4-4": 5.0, "3-4": 4.0, "1-4": 4.0}  # a regression model's MAE: the lowest wins
    best, _ = choose_window(windows, lambda w: errors[str(w)], echo=lambda line: None, metric="mae")
    assert best == SpanWindow(3, 4)


def test_a_training_run_that_fails_is_an_event_of_the_history_and_its_error_stands(tmp_path, monkeypatch):
    import pytest

    from core.errors import PipelineError
    from pipeline.lineage.history import history
    from pipeline.local import training
    from tests.helpers import make_workspace

    workspace = make_workspace(tmp_path / "ws", [("2013-Q1", 40)])
    config = workspace.load_config()

    def crash(*args, **kwargs):
        raise PipelineError("pipeline adapt-training failed: the disk is full\nsecond line")

    monkeypatch.setattr(training, "_train_and_push", crash)
    with pytest.raises(PipelineError, match="the disk is full"):
        training.run_training(workspace, config, SpanWindow(1, 1), trigger="batch-evaluation", reason="drift",
                              echo=None)
    [event] = history(workspace, config)
    assert event["outcome"] == "stopped: pipeline adapt-training failed: the disk is full"
    assert (event["trigger"], event["reason"], event["updated"], event["spans"]) == ("batch-evaluation", "drift",
                                                                                     False, "1-1")
