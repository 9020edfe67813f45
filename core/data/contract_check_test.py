"""The data contract read before scoring: what it refuses (one line naming the file and the column), what it lets
through (optional and unknown columns), on CSV, TFRecord and image batches."""
import io

import pytest
from tensorflow_metadata.proto.v0 import schema_pb2

from core.data.batch import Batch
from core.data.contract_check import ContractViolation, check_batch
from core.errors import BatchError
from tests.helpers import example, write_csv, write_tfrecord

HEADER = ["x", "code", "city", "label"]
ROWS = [["0.5", "1", "a", "yes"], ["1.5", "2", "b", "no"], ["", "3", "NA", "yes"]]


def _schema(optional=()):
    schema = schema_pb2.Schema()
    for name, kind in (("x", schema_pb2.FLOAT), ("code", schema_pb2.INT), ("city", schema_pb2.BYTES),
                       ("label", schema_pb2.BYTES)):
        feature = schema.feature.add(name=name, type=kind)
        if name not in optional:
            feature.presence.min_count = 1
    return schema


def _batch(tmp_path, header=HEADER, rows=ROWS, name="2024-05"):
    write_csv(tmp_path / name / "data.csv", header, rows)
    return Batch(str(tmp_path / name), label="label")


def test_a_whole_batch_passes_counted_once_per_file(tmp_path):
    write_csv(tmp_path / "b" / "part-2.csv", HEADER, ROWS[:1])
    check = check_batch(_batch(tmp_path, name="b"), _schema(), 3, "label")
    assert check.instances == {"data.csv": 3, "part-2.csv": 1}
    assert check.missing_optional == () and check.unknown == () and check.schema_version == 3


def test_a_missing_required_column_is_refused_naming_file_column_and_schema_diff(tmp_path):
    batch = _batch(tmp_path, ["x", "city", "label"], [[r[0], r[2], r[3]] for r in ROWS])
    with pytest.raises(ContractViolation) as refused:
        check_batch(batch, _schema(), 2, "label")
    line = str(refused.value)
    assert line == ("batch 2024-05: data.csv has no column 'code', which schema v2 requires; nothing was scored "
                    "(`adapt schema diff 2024-05` lists every difference)")
    assert isinstance(refused.value, BatchError) and "\n" not in line


def test_a_missing_optional_column_and_an_unknown_one_are_reported_not_refused(tmp_path):
    batch = _batch(tmp_path, ["x", "code", "label", "surprise"], [[r[0], r[1], r[3], "z"] for r in ROWS])
    check = check_batch(batch, _schema(optional=("city",)), 2, "label")
    assert check.missing_optional == ("city",) and check.unknown == ("surprise",)
    assert check.to_dict()["missing_optional"] == ["city"]


def test_an_unlabeled_batch_passes_without_its_label_column(tmp_path):
    batch = _batch(tmp_path, HEADER[:3], [row[:3] for row in ROWS])
    assert check_batch(batch, _schema(), 1, "label").instances == {"data.csv": 3}


@pytest.mark.parametrize("column,value,words", [
    ("x", "forty-two", "data.csv line 3: column 'x' expects float, got 'forty-two'"),
    ("x", "inf", "data.csv line 3: column 'x' expects a finite number, got 'inf'"),
    ("code", "2.5", "data.csv line 3: column 'code' expects int, got '2.5'"),
    ("code", "99999999999999999999999", "column 'code' expects a 64-bit integer"),
])
def test_a_value_its_type_refuses_is_named_by_file_line_and_column(tmp_path, column, value, words):
    rows = [list(row) for row in ROWS]
    rows[1][HEADER.index(column)] = value
    with pytest.raises(ContractViolation, match="schema v1 refuses it, nothing was scored") as refused:
        check_batch(_batch(tmp_path, rows=rows), _schema(), 1, "label")
    assert words in str(refused.value)


def test_a_blank_line_does_not_shift_the_line_named(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "data.csv").write_text("x,code,city,label\n0.5,1,a,yes\n\n0.7,oops,a,no\n")
    with pytest.raises(ContractViolation, match="data.csv line 4: column 'code' expects int, got 'oops'"):
        check_batch(Batch(str(folder), label="label"), _schema(), 1, "label")


def test_an_empty_file_among_others_is_refused_naming_it(tmp_path):
    write_csv(tmp_path / "b" / "part-2.csv", HEADER, [])
    with pytest.raises(ContractViolation, match="batch b: no instances in part-2.csv"):
        check_batch(_batch(tmp_path, name="b"), _schema(), 1, "label")


def test_tfrecord_batches_are_read_against_the_same_contract(tmp_path):
    good = [example(x=0.5, code=1, city="a", label="yes"), example(x=1.5, code=2, city="b", label="no")]
    write_tfrecord(tmp_path / "t" / "data.tfrecord", good)
    assert check_batch(Batch(str(tmp_path / "t"), label="label"), _schema(), 1, "label").instances == \
        {"data.tfrecord": 2}
    write_tfrecord(tmp_path / "u" / "data.tfrecord", [example(x=0.5, code=1.5, city="a", label="yes")])
    with pytest.raises(ContractViolation, match="data.tfrecord record 0: column 'code' expects int, got '1.5'"):
        check_batch(Batch(str(tmp_path / "u"), label="label"), _schema(), 1, "label")
    write_tfrecord(tmp_path / "v" / "data.tfrecord", [example(x=0.5, city="a", label="yes")])
    with pytest.raises(ContractViolation, match="its records have no column 'code'"):
        check_batch(Batch(str(tmp_path / "v"), label="label"), _schema(), 1, "label")


def _png() -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("L", (8, 8), color=128).save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_batches_refuse_an_undecodable_file_and_labels_naming_missing_files(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    (folder / "a.png").write_bytes(_png())
    (folder / "labels.csv").write_text("file,label\na.png,3\n")
    assert check_batch(Batch(str(folder), label="label"), schema_pb2.Schema(), 1, "label").instances == {"a.png": 1}
    (folder / "labels.csv").write_text("file,label\na.png,3\ngone.png,4\n")
    with pytest.raises(BatchError, match="labels.csv names unknown instance 'gone.png'"):
        check_batch(Batch(str(folder), label="label"), schema_pb2.Schema(), 1, "label")
    (folder / "labels.csv").write_text("file,label\na.png,3\n")
    (folder / "b.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(BatchError, match="batch imgs: b.png: not a readable image"):
        check_batch(Batch(str(folder), label="label"), schema_pb2.Schema(), 1, "label")
