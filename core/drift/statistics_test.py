import csv

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
