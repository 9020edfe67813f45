from pipeline.replay import reports


def _row(batch, accuracy, estimated, retrained=False, pushed=None):
    return {"batch": batch, "serving_version": 1, "accuracy": accuracy, "estimated_accuracy": estimated,
            "estimated_accuracy_low": None if estimated is None else estimated - 0.04,
            "estimated_accuracy_high": None if estimated is None else estimated + 0.04, "retrained": retrained,
            "pushed_version": pushed, "reason": "r", "train_seconds": 0.0, "evaluate_seconds": 1.0}


ROWS = [_row("b1", 0.80, 0.82), _row("b2", None, 0.70), _row("b3", 0.75, 0.71, True, 2)]


def test_the_summary_says_how_far_the_estimate_was_from_the_realized_accuracy():
    summary = reports.summarize(ROWS)
    assert summary["estimation_mae"] == 0.03 and summary["mean_accuracy"] == 0.775
    assert reports.summarize([_row("b1", 0.8, None)])["estimation_mae"] is None


def test_the_table_shows_the_estimate_beside_the_realized_accuracy_and_a_batch_without_labels():
    text = reports.markdown("t", ROWS)
    assert "| b1 | 1 | 0.800 | 0.820 (0.780-0.860) | no |" in text
    assert "| b2 | 1 | - | 0.700 (0.660-0.740) | no |" in text
    assert "mean absolute error 0.03." in text


def test_the_plot_is_written(tmp_path):
    written = reports.write_reports(tmp_path, "replay", "triggered", ROWS)
    assert [p.suffix for p in written] == [".md", ".json", ".png"] and written[2].stat().st_size > 10_000
