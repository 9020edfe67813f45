from core.data import spans
from core.data.batch import Batch, BatchRecords
from core.data.ingest import write_batch_span


def _batch(root, name, values):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "data.csv").write_text("bp,price\n" + "".join(f"{v},{i * 3}\n" for i, v in enumerate(values)))
    return Batch(str(folder), label="price", records=BatchRecords(str(root / ".records")))


def test_a_column_float_in_the_batch_stays_float_in_a_later_batch_of_whole_numbers(tmp_path):
    data = tmp_path / "data"
    first = write_batch_span(_batch(tmp_path, "b1", [80, 81.5, 82] * 40), data, 0.2, source={"batch": "b1"})
    second = write_batch_span(_batch(tmp_path, "b2", [90, 91, 92] * 40), data, 0.2, source={"batch": "b2"})
    assert spans.read_source(data, first)["float_columns"] == ["bp"]
    assert spans.read_source(data, second)["float_columns"] == ["bp"]   # all whole numbers, still FLOAT
    lines = (data / f"span-{second}" / "train" / "data.csv").read_text().splitlines()
    assert lines[1].startswith("90.0,") or lines[1].startswith("91.0,") or lines[1].startswith("92.0,")
    assert all(line.split(",")[1].isdigit() for line in lines[1:])   # the label column is left as it came
