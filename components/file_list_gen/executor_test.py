import pytest

import components  # noqa: F401
from components.artifacts import FileList, read_report
from components.file_list_gen.executor import Executor
from core.errors import BatchError
from tests.helpers import artifact, write_csv


def _run(tmp_path, batch_dir):
    output = artifact(FileList, tmp_path / "out")
    Executor().Do({}, {"file_list": [output]}, {"batch_uri": str(batch_dir), "label": "big_tipper",
                                                "labels_file": "labels.csv"})
    return output, read_report(output)


def test_lists_files_with_counts_and_labels(tmp_path):
    write_csv(tmp_path / "b" / "part-1.csv", ["fare", "big_tipper"], [["1.0", "0"], ["2.0", "1"]])
    write_csv(tmp_path / "b" / "part-2.csv", ["fare", "big_tipper"], [["3.0", "1"]])
    output, listing = _run(tmp_path, tmp_path / "b")
    assert listing["num_instances"] == 3 and listing["inline_labels"] and listing["format"] == "csv"
    assert [(f["name"], f["instances"]) for f in listing["files"]] == [("part-1.csv", 2), ("part-2.csv", 1)]
    assert output.batch == "b" and output.num_instances == 3 and output.has_labels == 1


def test_image_batch_lists_one_instance_per_file(tmp_path):
    for name in ("cat.jpg", "dog.png"):
        (tmp_path / "imgs").mkdir(exist_ok=True)
        (tmp_path / "imgs" / name).write_bytes(b"\x89")
    output, listing = _run(tmp_path, tmp_path / "imgs")
    assert listing["format"] == "files" and [f["name"] for f in listing["files"]] == ["cat.jpg", "dog.png"]
    assert output.has_labels == 0


def test_empty_batch_fails_naming_it(tmp_path):
    write_csv(tmp_path / "q9" / "data.csv", ["fare", "big_tipper"], [])
    with pytest.raises(BatchError, match="batch q9: no instances in data.csv"):
        _run(tmp_path, tmp_path / "q9")


def test_with_a_schema_the_batch_is_read_against_the_contract_first(tmp_path):
    from tensorflow_metadata.proto.v0 import schema_pb2

    from core.data.contract_check import ContractViolation
    from core.data.schema import with_version, write_schema
    schema = with_version(schema_pb2.Schema(), 4)
    for name, kind in (("fare", schema_pb2.FLOAT), ("tips", schema_pb2.FLOAT), ("big_tipper", schema_pb2.INT)):
        schema.feature.add(name=name, type=kind).presence.min_count = 1
    schema.feature.add(name="company", type=schema_pb2.BYTES)   # optional: no presence required
    schema_file = write_schema(schema, tmp_path / "schema" / "schema.pbtxt")
    write_csv(tmp_path / "q1" / "data.csv", ["fare", "tips", "big_tipper", "extra"], [["1.0", "0.5", "0", "z"]])
    output = artifact(FileList, tmp_path / "out")
    Executor().Do({}, {"file_list": [output]}, {"batch_uri": str(tmp_path / "q1"), "label": "big_tipper",
                                                "schema_uri": str(schema_file)})
    contract = read_report(output)["contract"]
    assert contract == {"schema_version": 4, "instances": {"data.csv": 1}, "missing_optional": ["company"],
                        "unknown": ["extra"]} and output.num_instances == 1
    write_csv(tmp_path / "q2" / "data.csv", ["fare", "big_tipper"], [["1.0", "0"]])
    with pytest.raises(ContractViolation, match="batch q2: data.csv has no column 'tips', which schema v4 requires"):
        Executor().Do({}, {"file_list": [artifact(FileList, tmp_path / "out2")]},
                      {"batch_uri": str(tmp_path / "q2"), "label": "big_tipper", "schema_uri": str(schema_file)})
