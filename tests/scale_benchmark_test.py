"""The pure parts of benchmarks/scale.py (issue 52): the generated table, the progress-line parser, the growth
exponent and the merge of sizes measured in different runs. No pipeline runs here."""
import math

import numpy as np
import pytest

from benchmarks import LABEL
from benchmarks.scale import SizeRun, growth_exponent, growths, load_runs, report, save_runs
from benchmarks.scale_data import CATEGORICAL, MISSING_SHARE, generate_batch, write_batches
from benchmarks.scale_measure import CommandMeasurement, NodeMeasurement, ProgressLine, parse_progress_line


def test_a_batch_has_twenty_mixed_columns_a_few_holes_and_a_label_that_depends_on_them():
    frame = generate_batch(1000, 0)
    assert frame.shape == (1000, 21) and frame.columns[-1] == LABEL
    numeric = [column for column in frame.columns if column not in CATEGORICAL and column != LABEL]
    assert len(numeric) == 14 and all(np.issubdtype(frame[column].dtype, np.number) for column in numeric)
    assert {"age", "visits", "purchases", "tenure_months"} <= {c for c in numeric if frame[c].dtype == np.int64}
    assert all(frame[column].dtype == object for column in CATEGORICAL)
    assert frame["city"].nunique() > 200 and frame["plan"].nunique() == 3
    for column, missing in (("income", frame["income"].isna()), ("city", frame["city"] == "")):
        assert 0 < missing.mean() < 3 * MISSING_SHARE, column
    assert frame.drop(columns=["income", "session_minutes"]).notna().all().all()
    assert set(frame[LABEL]) == {0, 1} and 0.3 < frame[LABEL].mean() < 0.7
    assert frame.loc[frame["score_a"] > 1, LABEL].mean() > frame.loc[frame["score_a"] < -1, LABEL].mean() + 0.2


def test_batches_are_deterministic_and_drift():
    first, again, last = generate_batch(1000, 0), generate_batch(1000, 0), generate_batch(1000, 4)
    assert first.equals(again)
    assert last["visits"].mean() > first["visits"].mean() + 1
    assert last["region"].value_counts().idxmax() != first["region"].value_counts().idxmax()


def test_batch_folders_are_written_once(tmp_path):
    batches = write_batches(tmp_path, 50, batches=2)
    assert [batch.folder.name for batch in batches] == ["batch-01", "batch-02"]
    written = (batches[0].folder / "data.csv").read_text().splitlines()
    assert len(written) == 51 and written[0].endswith(LABEL)
    assert write_batches(tmp_path, 50, batches=2) == batches


@pytest.mark.parametrize("line, expected", [
    ("    StatisticsGen                started\n", ProgressLine("StatisticsGen", None)),
    ("    BatchPredictionGen             12.3s", ProgressLine("BatchPredictionGen", 12.3)),
    ("    Trainer                       140.0s", ProgressLine("Trainer", 140.0)),
    ("Evaluating batch batch-02 in /tmp/ws", None),
    ("  span: 3", None),
    ("  training: pushed (12s)", None),
])
def test_progress_lines_are_told_from_other_output(line, expected):
    assert parse_progress_line(line) == expected


def test_growth_exponent_is_the_log_ratio_of_times_over_rows():
    assert growth_exponent(2.0, 20.0, 10_000, 100_000) == pytest.approx(1.0)
    assert growth_exponent(1.0, 100.0, 10_000, 100_000) == pytest.approx(2.0)
    assert growth_exponent(5.0, 5.0, 10_000, 100_000) == pytest.approx(0.0)
    assert growth_exponent(3.0, 3.0 * 10 ** 1.2, 100_000, 1_000_000) == pytest.approx(1.2)


def _run(rows: int, trainer_seconds: float) -> SizeRun:
    train = CommandMeasurement("train window 1-4", 4 * rows, trainer_seconds + 10, 900.0,
                               [NodeMeasurement("Trainer", trainer_seconds, 800.0), NodeMeasurement("Pusher", 0.2, 500.0)])
    return SizeRun(rows, 4, f"python -m benchmarks.scale --sizes {rows}", "2026-12-07", "2 cores", [train])


def test_sizes_measured_in_separate_runs_merge_and_the_fast_growing_stage_is_flagged(tmp_path):
    stored = tmp_path / "scale.json"
    save_runs(stored, {10_000: _run(10_000, 2.0)})
    runs = load_runs(stored)
    runs[100_000] = _run(100_000, 2.0 * 10 ** 1.5)
    save_runs(stored, runs)
    merged = load_runs(stored)
    assert sorted(merged) == [10_000, 100_000] and merged[10_000] == _run(10_000, 2.0)
    found = {growth.stage: growth for growth in growths(list(merged.values()))}
    assert math.isclose(found["train window 1-4 / Trainer"].exponent, 1.5)
    assert not found["train window 1-4 / Pusher"].counted
    text = report(list(merged.values()))
    assert "NOT met: no stage grows faster than its rows" in text and "train window 1-4 / Trainer 1.50" in text
