import gzip

import pytest

from core.data import tfrecords
from core.data.batch import Batch
from core.errors import BatchError
from tests.helpers import example, write_tfrecord


def test_tfrecord_batch_reads_as_rows_with_one_sorted_header(tmp_path):
    write_tfrecord(tmp_path / "b" / "part-0.tfrecord.gz",
                   [example(fare=12.1, payment_type="Cash", big_tipper=1), example(fare=3.0, big_tipper=0)],
                   gzipped=True)
    write_tfrecord(tmp_path / "b" / "part-1.tfrecord", [example(fare=0.1, payment_type="Card", trip_start_hour=7)])
    batch = Batch(str(tmp_path / "b"), label="big_tipper")
    assert batch.format == "tfrecord" and batch.count_instances() == 3
    assert list(batch.instance_ids()) == ["part-0.tfrecord.gz:0", "part-0.tfrecord.gz:1", "part-1.tfrecord:0"]
    header, by_file = batch.table()
    assert header == ["big_tipper", "fare", "payment_type", "trip_start_hour"]
    assert by_file == {"part-0.tfrecord.gz": [["1", "12.1", "Cash", ""], ["0", "3.0", "", ""]],
                       "part-1.tfrecord": [["", "0.1", "Card", "7"]]}
    assert batch.has_inline_labels()
    header, rows = batch.labeled_rows()
    assert list(rows) == [["1", "12.1", "Cash", ""], ["0", "3.0", "", ""]]  # the unlabeled record is left out


def test_tfrecord_batch_takes_labels_from_a_labels_file(tmp_path):
    write_tfrecord(tmp_path / "u" / "data.tfrecord", [example(fare=1.5), example(fare=2.5)])
    (tmp_path / "u" / "labels.csv").write_text("instance_id,big_tipper\ndata.tfrecord:1,1\n")
    batch = Batch(str(tmp_path / "u"), label="big_tipper")
    assert not batch.has_inline_labels()
    assert batch.labels_from_file() == {"data.tfrecord:1": "1"}
    header, rows = batch.labeled_rows()
    assert (header, list(rows)) == (["fare", "big_tipper"], [["2.5", "1"]])


def test_multi_valued_feature_is_an_error_naming_file_record_and_feature(tmp_path):
    write_tfrecord(tmp_path / "m" / "data.tfrecord", [example(fare=1.0), example(fare=[1.0, 2.0])])
    with pytest.raises(BatchError, match=r"batch m: data.tfrecord record 1: feature 'fare' holds 2 values"):
        list(Batch(str(tmp_path / "m"), label="big_tipper").labeled_rows()[1])


def test_corrupt_tfrecord_is_an_error_naming_the_file(tmp_path):
    (tmp_path / "c").mkdir()
    with gzip.open(tmp_path / "c" / "data.tfrecord.gz", "wb") as handle:
        handle.write(b"this is not a tfrecord file at all")
    with pytest.raises(BatchError, match=r"batch c: data.tfrecord.gz: not a readable TFRecord file"):
        Batch(str(tmp_path / "c"), label="big_tipper").table()


def test_float32_values_become_their_shortest_text():
    row = tfrecords.example_to_row(example(fare=0.1, tip=1e-05, hour=3), ["fare", "hour", "tip"], "batch b")
    assert dict(zip(["fare", "hour", "tip"], row)) == {"fare": "0.1", "tip": "1e-05", "hour": "3"}
