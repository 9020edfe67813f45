import csv

from core.data import in_memory
from core.drift import statistics


def _write(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def test_distinct_integers_of_a_csv_are_counted_as_tfdv_counts_them(tmp_path):
    rows = [[str(i % 7), "NA" if i % 5 == 0 else f"0{i % 3}", str(i), f"{i / 3:.2f}"] for i in range(300)]
    paths = [_write(tmp_path / "a.csv", ["code", "level", "id", "amount"], rows[:150]),
             _write(tmp_path / "b.csv", ["code", "level", "id", "amount"], rows[150:])]
    counted = statistics.distinct_values("csv", paths, ["code", "level", "id"])
    assert counted == {"code": 7, "level": 3, "id": 300}
    assert counted == statistics._distinct_by_tfdv("csv", paths, ["code", "level", "id"])


def test_counting_stops_past_the_discrete_limit(tmp_path):
    path = _write(tmp_path / "a.csv", ["id", "flag"], [[str(i), str(i % 2)] for i in range(1000)])
    assert statistics.distinct_values("csv", [path], ["id", "flag"], at_most=20) == {"id": 21, "flag": 2}


def _features(path):
    import tensorflow_data_validation as tfdv
    return {tuple(f.path.step): f for f in tfdv.load_stats_binary(path).datasets[0].features}


def test_small_batches_are_described_in_memory_as_beam_describes_them(tmp_path, monkeypatch):
    from tests.helpers import example, write_tfrecord
    rows = [[str(i % 7), "NA" if i % 5 == 0 else f"0{i % 3}", f"{i / 3:.2f}", ["red", "", "blue"][i % 3]]
            for i in range(300)]
    header = ["code", "level", "amount", "colour"]
    paths = [_write(tmp_path / "a.csv", header, rows[:150]), _write(tmp_path / "b.csv", header, rows[150:])]
    (tmp_path / "crlf.csv").write_bytes(open(paths[0], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    records = str(write_tfrecord(tmp_path / "r.tfrecord.gz", [example(code=i % 7, amount=i / 3, colour="red")
                                                                for i in range(200)], gzipped=True))
    options = statistics.stats_options(["code"])
    described = {}
    for how in ("memory", "beam"):
        if how == "beam":
            monkeypatch.setattr(in_memory, "IN_MEMORY_BYTES", -1)
        described[how] = [_features(statistics.batch_statistics(fmt, files, str(tmp_path / f"{how}{n}.pb"),
                                                                options=options))
                          for n, (fmt, files) in enumerate([("csv", paths), ("csv", [str(tmp_path / "crlf.csv")]),
                                                            ("tfrecord", [records])])]
    assert described["memory"] == described["beam"]
    both, crlf, tfrecord = described["memory"]
    assert both[("code",)].string_stats.unique == 7 and both[("level",)].num_stats.common_stats.num_missing == 60
    assert both[("colour",)].string_stats.common_stats.num_non_missing == 200 and len(crlf) == 4
    assert tfrecord[("amount",)].num_stats.common_stats.num_non_missing == 200


def test_a_csv_decoded_with_the_baselines_types_is_described_alike_in_memory_and_by_beam(tmp_path, monkeypatch):
    """The baseline's types decide: a float column whose batch holds only whole numbers stays a float (inferred,
    it would be an integer), and a column the baseline never had is left out."""
    header = ["amount", "colour"]
    baseline = statistics.batch_statistics("csv", [_write(tmp_path / "base.csv", header,
                                                          [[f"{i / 3:.2f}", "red"] for i in range(50)])],
                                           str(tmp_path / "base.pb"))
    import tensorflow_data_validation as tfdv
    types = statistics.column_types([tfdv.load_stats_binary(baseline)])
    assert {f.name for f in types.feature} == {"amount", "colour"}
    batch = [_write(tmp_path / "batch.csv", header + ["extra"], [[str(i), "blue", "x"] for i in range(40)])]
    described = {}
    for how in ("memory", "beam"):
        if how == "beam":
            monkeypatch.setattr(in_memory, "IN_MEMORY_BYTES", -1)
        described[how] = _features(statistics.batch_statistics("csv", batch, str(tmp_path / f"{how}.pb"), types=types))
    assert described["memory"] == described["beam"]
    assert set(described["beam"]) == {("amount",), ("colour",)}
    assert described["beam"][("amount",)].type == described["beam"][("amount",)].FLOAT
