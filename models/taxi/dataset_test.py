import csv

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


def test_writes_each_quarter_once(tmp_path):
    incoming = tmp_path / "incoming"
    written = dataset.write_quarterly_batches(incoming)
    assert len(written) == 16 and written["2013-Q1"] == 884
    with open(incoming / "2014-Q2" / "data.csv") as handle:
        assert sum(1 for _ in csv.reader(handle)) == 1380 + 1
    before = (incoming / "2014-Q2" / "data.csv").stat().st_mtime
    assert dataset.write_quarterly_batches(incoming) == {}
    assert (incoming / "2014-Q2" / "data.csv").stat().st_mtime == before
