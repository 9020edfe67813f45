"""SmallDataStatisticsGen writes, in memory, the statistics StatisticsGen's Beam pipeline writes; large splits and
other runners take StatisticsGen's own path."""
import json

import numpy as np
import pytest
from tensorflow_metadata.proto.v0 import statistics_pb2
from tfx.components.statistics_gen import executor as statistics_gen_executor
from tfx.types import artifact_utils, standard_artifacts

import components  # noqa: F401
from components.small_data_statistics_gen import executor
from core.data import in_memory
from core.drift.statistics import stats_options
from tests.helpers import artifact, example, write_tfrecord

BEAM_ARGS = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]


def _examples(tmp_path, rows: int):
    rng = np.random.default_rng(3)
    for split, count in (("train", rows), ("eval", rows // 4)):
        protos = []
        for i in range(count):
            features = {"amount": float(rng.normal(50, 10)), "code": int(rng.integers(0, 7)),
                        "colour": ["red", "green", "blue"][i % 3]}
            if i % 11 == 0:
                del features["amount"]  # a missing value
            protos.append(example(**features))
        write_tfrecord(tmp_path / "examples" / f"Split-{split}" / "data_tfrecord-00000-of-00001.gz", protos,
                       gzipped=True)
    examples = artifact(standard_artifacts.Examples, tmp_path / "examples", span=4)
    examples.split_names = artifact_utils.encode_split_names(["train", "eval"])
    return examples


def _by_feature(stats):
    """{split: {feature path: its statistics}}: TFDV's combiners list features in no fixed order."""
    return {split: {tuple(f.path.step): f for f in proto.datasets[0].features} for split, proto in stats.items()}


def _run(executor_class, examples, out, beam_args=BEAM_ARGS):
    statistics = artifact(standard_artifacts.ExampleStatistics, out)
    options = stats_options(["code"], quantile_buckets=10)
    executor_class(executor_class.Context(beam_pipeline_args=beam_args, tmp_dir=str(out) + "-tmp")).Do(
        {"examples": [examples]}, {"statistics": [statistics]},
        {"stats_options_json": options.to_json(), "exclude_splits": json.dumps([])})
    found = {}
    for split in ("train", "eval"):
        proto = statistics_pb2.DatasetFeatureStatisticsList()
        proto.ParseFromString((out / f"Split-{split}" / "FeatureStats.pb").read_bytes())
        found[split] = proto
    return statistics, found


def test_a_small_span_gets_statistics_gens_statistics_without_beam(tmp_path, monkeypatch):
    examples = _examples(tmp_path, 600)
    tfx_artifact, tfx_stats = _run(statistics_gen_executor.Executor, examples, tmp_path / "tfx")
    monkeypatch.setattr(statistics_gen_executor.Executor, "_make_beam_pipeline",
                        lambda self: pytest.fail("a Beam pipeline for a small span"))
    ours, our_stats = _run(executor.Executor, examples, tmp_path / "ours")
    assert _by_feature(our_stats) == _by_feature(tfx_stats)
    assert our_stats["train"].datasets[0].num_examples == 600 and our_stats["eval"].datasets[0].num_examples == 150
    assert ours.split_names == tfx_artifact.split_names and ours.span == 4
    assert ours.get_json_value_custom_property("sample_rate_by_split") == \
        tfx_artifact.get_json_value_custom_property("sample_rate_by_split")


def test_large_splits_and_other_runners_take_statistics_gens_beam_pipeline(tmp_path, monkeypatch):
    examples = _examples(tmp_path, 40)
    used = []
    original = statistics_gen_executor.Executor.Do
    monkeypatch.setattr(statistics_gen_executor.Executor, "Do",
                        lambda self, *args: used.append(True) or original(self, *args))
    monkeypatch.setattr(in_memory, "IN_MEMORY_BYTES", 10)
    _, large = _run(executor.Executor, examples, tmp_path / "large")
    assert used and large["train"].datasets[0].num_examples == 40
    assert not in_memory.in_memory(["--runner=DataflowRunner", "--project=p"], [5])
    assert not in_memory.in_memory(["--runner", "FlinkRunner"], [5])
    assert in_memory.in_memory(BEAM_ARGS, [5]) and in_memory.in_memory(["--runner=DirectRunner"], [5])
