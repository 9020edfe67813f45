"""`adapt batch from-log`: a slice of the log becomes a batch whose labels may name rows by request id."""
import csv

import pytest

from core.data.batch import Batch
from core.errors import UsageError
from pipeline.local.batch_from_log import batch_from_log, parse_time
from serving.prediction_log import PredictionLog


def _log(folder):
    log = PredictionLog(str(folder))
    log.record("r1", 2, [{"fare": 10.5, "company": "A", "tips": True}], [[0.8]])
    log.record("r2", 2, [{"fare": 3.0, "company": None}, {"fare": 7.25, "extra": 1}], [[0.1], [0.6]])
    log.close()


def test_a_slice_becomes_a_batch_and_labels_join_by_request_id(tmp_path):
    _log(tmp_path / "log")
    made = batch_from_log(tmp_path / "log", tmp_path / "incoming", 0, 4e9, name="from-log")
    assert made["rows"] == 3 and made["requests"] == 2 and made["answered_by"] == {"2 (stable)": 3}
    rows = list(csv.reader(open(tmp_path / "incoming" / "from-log" / "data.csv")))
    assert rows == [["fare", "company", "tips", "extra"], ["10.5", "A", "true", ""], ["3.0", "", "", ""],
                    ["7.25", "", "", "1"]]
    (tmp_path / "incoming" / "from-log" / "labels.csv").write_text("instance_id,big_tipper\nr2-1,1\nr1,0\n")
    batch = Batch(str(tmp_path / "incoming" / "from-log"), label="big_tipper")
    assert batch.data_files() == ["data.csv"]
    assert batch.labels_from_file() == {"data.csv:2": "1", "data.csv:0": "0"}

    with pytest.raises(UsageError, match="never rewritten"):
        batch_from_log(tmp_path / "log", tmp_path / "incoming", 0, 4e9, name="from-log")
    with pytest.raises(UsageError, match="holds no answers"):
        batch_from_log(tmp_path / "log", tmp_path / "incoming", 0, 1, name="empty")
    assert not (tmp_path / "incoming" / "empty").exists()


def test_times_are_iso_in_utc_or_epoch_seconds():
    assert parse_time("1796600000") == 1796600000.0
    assert parse_time("2026-12-07T00:00:00") == parse_time("2026-12-07T01:00:00+01:00") == 1796601600.0
    with pytest.raises(UsageError, match="not a time"):
        parse_time("yesterday")
