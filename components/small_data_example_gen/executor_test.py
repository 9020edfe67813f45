"""SmallDataCsvExampleGen writes, without Beam, the records CsvExampleGen's Beam pipeline writes, in its order."""
import json

import pytest
import tensorflow as tf
from tfx.components.example_gen.csv_example_gen import executor as csv_executor
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import proto_utils

import components  # noqa: F401
from components.small_data_example_gen import executor
from core.data import in_memory
from tests.helpers import artifact

BEAM_ARGS = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]
CSV = ('id,amount,code,city,note\n'
       + "".join(f'{i},{"" if i % 7 == 0 else i * 1.5},{i % 4},{["Oslo", "Lima", ""][i % 3]},"line {i}\nand more"\n'
                 for i in range(120)))


def _exec_properties(tmp_path):
    (tmp_path / "data" / "span-1" / "train").mkdir(parents=True)
    (tmp_path / "data" / "span-1" / "test").mkdir(parents=True)
    (tmp_path / "data" / "span-1" / "train" / "data.csv").write_text(CSV)
    (tmp_path / "data" / "span-1" / "test" / "data.csv").write_text(CSV.replace("Oslo", "Bergen"))
    config = example_gen_pb2.Input(splits=[example_gen_pb2.Input.Split(name="train", pattern="span-1/train/*"),
                                           example_gen_pb2.Input.Split(name="eval", pattern="span-1/test/*")])
    return {"input_base": str(tmp_path / "data"), "input_config": proto_utils.proto_to_json(config),
            "output_config": proto_utils.proto_to_json(example_gen_pb2.Output()),
            "output_data_format": example_gen_pb2.FORMAT_TF_EXAMPLE,
            "output_file_format": example_gen_pb2.FORMAT_TFRECORDS_GZIP}


def _run(executor_class, properties, out):
    examples = artifact(standard_artifacts.Examples, out)
    executor_class(executor_class.Context(beam_pipeline_args=BEAM_ARGS, tmp_dir=str(out) + "-tmp")).Do(
        {}, {"examples": [examples]}, dict(properties))
    records = {split: [r.numpy() for r in tf.data.TFRecordDataset(
        tf.io.gfile.glob(str(out / f"Split-{split}" / "*")), "GZIP")] for split in ("train", "eval")}
    return examples, records


def test_a_small_span_becomes_csvexamplegens_records_in_order_without_beam(tmp_path, monkeypatch):
    properties = _exec_properties(tmp_path)
    theirs, their_records = _run(csv_executor.Executor, properties, tmp_path / "tfx")
    monkeypatch.setattr(csv_executor.Executor, "_make_beam_pipeline",
                        lambda self: pytest.fail("a Beam pipeline for a small span"))
    ours, our_records = _run(executor.Executor, properties, tmp_path / "ours")
    parsed = {name: {split: [tf.train.Example.FromString(r) for r in found[split]] for split in found}
              for name, found in (("ours", our_records), ("theirs", their_records))}
    assert parsed["ours"] == parsed["theirs"] and len(our_records["train"]) == 120  # a map's wire order varies
    first = tf.train.Example.FromString(our_records["train"][1]).features.feature
    assert first["note"].bytes_list.value == [b"line 1\nand more"] and first["amount"].float_list.value == [1.5]
    assert not tf.train.Example.FromString(our_records["train"][0]).features.feature["amount"].float_list.value
    assert ours.split_names == theirs.split_names == artifact_utils.encode_split_names(["train", "eval"])
    for name in ("payload_format", "file_format"):
        assert ours.get_string_custom_property(name) == theirs.get_string_custom_property(name)


def test_large_spans_take_csvexamplegens_beam_pipeline(tmp_path, monkeypatch):
    properties = _exec_properties(tmp_path)
    used = []
    original = csv_executor.Executor.Do
    monkeypatch.setattr(csv_executor.Executor, "Do", lambda self, *args: used.append(True) or original(self, *args))
    monkeypatch.setattr(in_memory, "IN_MEMORY_BYTES", 10)
    _, records = _run(executor.Executor, properties, tmp_path / "large")
    assert used and len(records["eval"]) == 120
