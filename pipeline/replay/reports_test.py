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
    assert "estimated vs realized accuracy: mean absolute difference 0.03." in text


def test_the_plot_is_written(tmp_path):
    written = reports.write_reports(tmp_path, "replay", "triggered", ROWS)
    assert [p.suffix for p in written] == [".md", ".json", ".png"] and written[2].stat().st_size > 10_000


def test_the_plot_draws_the_never_retrained_line_when_a_static_replay_lies_beside_it_and_marks_declines(tmp_path):
    assert list(reports.series_to_plot(tmp_path, "replay", "triggered", ROWS)) == ["triggered"]
    reports.write_reports(tmp_path, "replay", "static", [_row("b1", 0.80, None), _row("b3", 0.70, None)])
    series = reports.series_to_plot(tmp_path, "replay", "triggered", ROWS)
    assert list(series) == ["triggered", "static (never retrained)"] and series["static (never retrained)"][1][
        "accuracy"] == 0.70
    assert list(reports.series_to_plot(tmp_path, "replay", "static", ROWS)) == ["static"]
    assert [reports.declined(r) for r in (_row("b", 0.8, None, True, None), _row("b", 0.8, None, True, 2))] == [
        True, False]
    assert reports.write_reports(tmp_path, "replay", "triggered", ROWS + [_row("b4", 0.7, None, True)])[2].exists()


def _error_row(batch, mae, retrained=False, pushed=None, estimated=None):
    return {"batch": batch, "serving_version": 1, "metric": "mae", "accuracy": None, "mae": mae,
            "estimated_mae": estimated, "estimated_mae_low": None if estimated is None else estimated - 0.5,
            "estimated_mae_high": None if estimated is None else estimated + 0.5, "retrained": retrained,
            "pushed_version": pushed, "reason": "r", "train_seconds": 2.0, "evaluate_seconds": 1.0}


def test_a_regression_replay_reports_its_error_lower_is_better(tmp_path):
    rows = [_error_row("b1", 4.0, estimated=4.5), _error_row("b2", 6.5, True, 2), _error_row("b3", None, estimated=5.0)]
    summary = reports.summarize(rows)
    assert (summary["metric"], summary["mean_mae"], summary["retrains"], summary["pushes"]) == ("mae", 5.25, 1, 1)
    assert "mean_accuracy" not in summary and summary["estimation_mae"] == 0.5
    text = reports.markdown("t", rows)
    assert "MAE is the serving model's, on each batch, before any retraining on that batch (lower is better)" in text
    assert "| batch | serving version | mae |" in text and "| b2 | 1 | 6.500 | - | yes | 2 |" in text
    assert "| b3 | 1 | - | 5.000 (4.500-5.500) | no |" in text and "what its error model predicted" in text
    assert "estimated vs realized mae: mean absolute difference 0.5." in text
    assert "Mean mae: 5.25;" in text
    assert reports.axis_label("mae") == "serving model MAE (lower is better)"
    assert reports.axis_label("accuracy") == "serving model accuracy"
    written = reports.write_reports(tmp_path, "replay", "static", rows)
    assert written[2].stat().st_size > 10_000


def test_the_figure_on_arrival_is_accuracy_or_the_error_of_the_predictions_made_then(tmp_path):
    import json

    from pipeline.replay.replay import metric_on_arrival
    predictions = tmp_path / "predictions"
    predictions.mkdir()
    records = [{"instance_id": "f:0", "prediction": 10.0}, {"instance_id": "f:1", "prediction": 4.0},
               {"instance_id": "f:2", "prediction": 1.0}]
    (predictions / "predictions-00000-of-00001.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    labels = {"f:0": "12", "f:1": "1", "f:2": None}
    assert metric_on_arrival(str(predictions), labels, "mae") == 2.5
    assert metric_on_arrival(str(predictions), labels, "rmse") == round((13 / 2) ** 0.5, 6)
    classes = [{"instance_id": "f:0", "prediction": "yes"}, {"instance_id": "f:1", "prediction": "no"}]
    (predictions / "predictions-00000-of-00001.jsonl").write_text("\n".join(json.dumps(r) for r in classes))
    assert metric_on_arrival(str(predictions), {"f:0": "yes", "f:1": "yes"}, "accuracy") == 0.5


def test_with_economics_each_row_states_its_expected_gain_cost_and_verdict_in_columns():
    priced = {**_row("b2", 0.75, None, True, 2), "expected_gain": 1234.5, "retrain_cost": 50.05, "verdict": "pays"}
    text = reports.markdown("t", [_row("b1", 0.80, None), priced])
    assert "| train s | expected gain | cost | verdict | reason |" in text
    assert "| 0 | 1,234.50 | 50.05 | pays | r |" in text and "| 0 | - | - | - | r |" in text
    assert "verdict" not in reports.markdown("t", ROWS)   # without economics: the table as before


def test_a_replay_row_carries_the_decisions_price_from_the_batch_outcome():
    from core.policy.economics import StatedPrice
    from pipeline.local.batch_evaluation import BatchOutcome
    from pipeline.replay.replay import batch_row
    outcome = BatchOutcome(batch="b2", serving_version=1, labeled=True, metrics={"accuracy": 0.8},
                           performance_reason="", drifted=True, drifted_features=["x"], drift_reason="drift on x",
                           retrain=True, reason="drift on x; expected gain ...", span=2,
                           price=StatedPrice(320.0, 50.05, "pays", "the batch's drop below the holdout score"))
    row = batch_row(outcome)
    assert (row["expected_gain"], row["retrain_cost"], row["verdict"]) == (320.0, 50.05, "pays")
    assert outcome.to_dict()["price"]["verdict"] == "pays"   # `adapt evaluate-batch --json` states it too
    unpriced = batch_row(BatchOutcome(**{**vars(outcome), "price": None}))
    assert (unpriced["expected_gain"], unpriced["retrain_cost"], unpriced["verdict"]) == (None, None, None)


def test_a_row_labeled_on_some_rows_shows_its_estimate_from_n_of_m_rows_and_its_drop_split():
    from pipeline.local.batch_evaluation import BatchOutcome
    from pipeline.replay.replay import batch_row
    partial = {"metric": "accuracy", "value": 0.7, "standard_error": 0.03, "low": 0.61, "high": 0.79,
               "labeled_rows": 100, "rows": 1000, "weighted": True}
    split = {"metric": "accuracy", "reference": 0.9, "estimated": 0.88, "realized": 0.7,
             **{part: {"value": value, "standard_error": 0.02} for part, value in
                (("total", 0.2), ("input_shift", 0.02), ("class_shares", 0.03), ("concept", 0.15))}}
    outcome = BatchOutcome(batch="b1", serving_version=1, labeled=True, metrics={"accuracy": 0.7},
                           performance_reason="", drifted=False, drifted_features=[], drift_reason="", retrain=True,
                           reason="accuracy from 100 of 1000 rows", span=0, partial=partial, drop_explained=split)
    row = {**batch_row(outcome), "accuracy": 0.72}   # the realized figure once all labels came
    assert (row["partial_accuracy"], row["labeled_rows"], row["rows"], row["drop_concept"]) == (0.7, 100, 1000, 0.15)
    rows = [row, _row("b2", 0.8, 0.81)]
    text = reports.markdown("t", rows)
    assert "| from labels on some rows | drop: inputs / class shares / concept |" in text
    assert "| 0.700 (band 0.610-0.790) from 100 of 1000 rows | 0.200: +0.020 / +0.030 / +0.150 ±0.020 |" in text
    assert "| b2 | 1 | 0.800 | 0.810 (0.770-0.850) | no | - | 0 | - | - | r |" in text
    assert reports.summarize(rows)["partial_estimation_mae"] == 0.02
    assert "from labels on some rows" not in reports.markdown("t", ROWS)   # fully labeled replays: as before
