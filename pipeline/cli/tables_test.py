"""The command line's tables: the history in the model's metric, the drift report with every cell filled."""
from pipeline.cli import tables


def test_the_history_shows_the_batch_and_the_candidate_in_the_models_metric():
    row = {"time": 0, "event": "retraining", "trigger": "batch-evaluation", "spans": "1-2", "production_version": 2,
           "metric": "mae", "batch_value": 7.5, "estimated_value": None, "candidate_value": 4.25,
           "baseline_value": 5.5, "compute_seconds": 21.04, "outcome": "pushed as version 2", "reason": "drift"}
    text = tables.history_table([row])
    assert "7.500 / -" in text and "mae 4.250 vs 5.500" in text and "21.0" in text


def _categorical_statistics(columns):
    """Statistics of text columns as TFDV writes them: each value's count in a rank histogram."""
    from tensorflow_metadata.proto.v0 import statistics_pb2
    statistics = statistics_pb2.DatasetFeatureStatisticsList()
    dataset = statistics.datasets.add()
    for name, counts in columns.items():
        feature = dataset.features.add(type=statistics_pb2.FeatureNameStatistics.STRING)
        feature.path.step.append(name)
        feature.string_stats.unique = len(counts)
        feature.string_stats.common_stats.num_non_missing = sum(counts.values())
        for value, count in counts.items():
            feature.string_stats.rank_histogram.buckets.add(label=value, sample_count=count)
    return statistics


def test_adapt_drift_prints_each_table_once_every_cell_filled_and_the_label_shift_as_class_shares(monkeypatch):
    import re

    from core.drift.report import drift_report
    from core.drift.settings import DriftSettings
    monkeypatch.setenv("COLUMNS", "300")   # no cell wraps: a table line holds every cell of its row
    baseline = _categorical_statistics({
        "payment_type": {"Cash": 740, "Credit Card": 260}, "company": {"A": 500, "B": 500},
        "plan": {"basic": 600, "pro": 400}, "big_tipper": {"no": 830, "yes": 170}})
    current = _categorical_statistics({
        "payment_type": {"Cash": 560, "Credit Card": 440}, "company": {"A": 505, "B": 495},
        "big_tipper": {"no": 700, "yes": 280, "unsure": 20}})
    report = {"baseline": "span 1 (computed)", "current": "batch 2015-Q4",
              **drift_report([baseline], current, DriftSettings(), skip=[], baseline_spans=[1],
                             importances={"payment_type": 0.6, "plan": 0.4}, label="big_tipper")}
    text = tables.drift_text(report)
    lines = text.splitlines()
    header = [line for line in lines if line.startswith("feature ")]
    assert len(header) == 1 and re.split(r" {2,}", header[0]) == tables.DRIFT_HEADER
    rows = {name: [line for line in lines if line.startswith(name + " ")] for name in ("company", "payment_type", "plan")}
    assert all(len(found) == 1 for found in rows.values()), rows   # each feature once: no second (skew) table
    cells = {name: re.split(r" {2,}", found[0]) for name, found in rows.items()}
    assert all(len(row) == len(tables.DRIFT_HEADER) and all(row) for row in cells.values()), cells
    decides, drifted = tables.DRIFT_HEADER.index("decides"), tables.DRIFT_HEADER.index("drifted")
    assert [cells[name][decides] for name in ("company", "payment_type", "plan")] == ["no", "yes", "yes"]
    assert (cells["payment_type"][drifted], cells["company"][drifted]) == ("yes", "no")
    assert cells["plan"][1:3] == ["missing", "-"] and cells["plan"][-1] == "missing from the batch"

    shift = lines[lines.index(next(line for line in lines if line.startswith("label shift: chi2 "))):]
    assert "(shifted)" in shift[0] and "{" not in text
    assert [re.split(r" {2,}", line) for line in shift[1:]] == [
        ["class", "baseline share", "current share", "change"],
        ["no", "0.830", "0.700", "-0.130"], ["unsure", "0.000", "0.020", "+0.020"], ["yes", "0.170", "0.280", "+0.110"]]


def test_with_economics_the_history_states_each_retrains_expected_gain_cost_and_verdict(monkeypatch):
    import re
    monkeypatch.setenv("COLUMNS", "300")
    row = {"time": 0, "event": "retraining", "trigger": "batch-evaluation", "spans": "1-2", "production_version": 2,
           "metric": "accuracy", "candidate_value": 0.9, "baseline_value": 0.88, "compute_seconds": 40.0,
           "outcome": "pushed as version 2", "reason": "drift", "expected_gain": 320.0, "retrain_cost": 50.05,
           "verdict": "pays"}
    rollback = {"time": 1, "event": "rollback", "trigger": "manual", "spans": "", "production_version": 1,
                "compute_seconds": 0.0, "outcome": "rolled back", "reason": ""}
    header, priced, rolled = tables.history_table([row, rollback]).splitlines()
    assert re.split(r"  +", header)[-4:] == ["expected gain", "cost", "verdict", "outcome — reason"]
    assert re.split(r"  +", priced)[-4:-1] == ["320.00", "50.05", "pays"]
    assert re.split(r"  +", rolled)[-4:-1] == ["-", "-", "-"]
    assert "verdict" not in tables.history_table([{**row, "verdict": None}])   # not priced: as before


def test_adapt_models_show_says_the_scale_a_regression_label_was_trained_on():
    shown = {"version": 2, "stage": "production", "pushed_at": None, "spans": "1-2", "training_mode": "scratch",
             "metrics": {"mae": 1.5}, "blessed": True, "infra_blessed": True, "reason": "pushed", "lineage": [],
             "label_scale": {"scale": "log", "reason": "skewness 24.00, log1p lowered the newest training rows' MAE "
                             "from 2.3 to 1.5", "decided": True, "decision_seconds": 0.4}}
    text = tables.lineage_text(shown)
    assert "  label scale: log (skewness 24.00, log1p lowered the newest training rows' MAE from 2.3 to 1.5; " \
           "decided in 0.4 s)" in text
