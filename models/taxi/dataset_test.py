import csv

from core.data import spans
from core.data.batches import Batch
from models.taxi import dataset


def test_label_follows_tfx_taxi_rule():
    assert dataset.is_big_tipper("3.0", "10.0") == 1
    assert dataset.is_big_tipper("2.0", "10.0") == 0
    assert dataset.is_big_tipper("0", "") == 0


def test_quarters_cover_every_trip_in_time_order():
    header, quarters = dataset.labeled_quarters()
    assert "tips" not in header and header[-1] == "big_tipper"
    assert list(quarters)[0] == "2013-Q1" and list(quarters)[-1] == "2016-Q4"
    assert len(quarters) == 16
    assert sum(len(rows) for rows in quarters.values()) == 15002
    stamp = header.index("trip_start_timestamp")
    first = [int(row[stamp]) for row in quarters["2013-Q1"]]
    assert first == sorted(first)


def test_real_data_drifts_towards_big_tips():
    header, quarters = dataset.labeled_quarters()
    def share(quarter):
        rows = quarters[quarter]
        return sum(int(row[-1]) for row in rows) / len(rows)
    assert share("2013-Q1") < 0.16 < 0.26 < share("2015-Q4")


def test_writes_batches_and_span_1_once(tmp_path):
    incoming, data = tmp_path / "incoming", tmp_path / "data"
    written = dataset.write_quarterly_batches(incoming, data, test_fraction=0.2)
    assert len(written) == 16 and written["2013-Q1"] == 884
    assert spans.list_spans(data) == [1]
    assert spans.read_source(data, 1)["batch"] == "2013-Q1"
    with open(incoming / "2014-Q2" / "data.csv") as handle:
        assert sum(1 for _ in csv.reader(handle)) == 1380 + 1
    assert Batch(str(incoming / "2013-Q1"), label="big_tipper").is_processed()
    assert not Batch(str(incoming / "2013-Q2"), label="big_tipper").is_processed()
    assert dataset.write_quarterly_batches(incoming, data, test_fraction=0.2) == {}
    assert spans.list_spans(data) == [1]
