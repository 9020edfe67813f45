"""Beyond one process: both pipelines under Beam's multi-processing direct runner give what the in-memory run gives.

Workers there are separate processes that receive every DoFn pickled, as Dataflow or Flink workers would, so
a step that only worked because it shared the driver's memory fails here instead of in production.
"""
import glob
import json

import pytest
from tensorflow_metadata.proto.v0 import statistics_pb2

from core.workspace import Workspace
from tests.helpers import adapt_cli
from tests.reliability.serving_workspace import SMALL
from tests.streams import rotating_hyperplane_batches

pytestmark = pytest.mark.e2e

IN_MEMORY = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]
MULTI_PROCESSING = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]


def span_statistics(workspace: Workspace) -> dict:
    """Per feature of span 1's train split: (values present, mean or unique count)."""
    runs = glob.glob(str(workspace.root / "pipelines" / "adapt-training" / "StatisticsGen" / "statistics" / "*"
                         / "Split-train" / "FeatureStats.pb"))
    path = max(runs, key=lambda p: int(p.split("/statistics/")[1].split("/")[0]))  # the training run's (init ran too)
    stats = statistics_pb2.DatasetFeatureStatisticsList()
    with open(path, "rb") as handle:
        stats.ParseFromString(handle.read())
    summary = {}
    for feature in stats.datasets[0].features:
        if feature.HasField("num_stats"):
            summary[feature.path.step[0]] = (feature.num_stats.common_stats.num_non_missing,
                                             round(feature.num_stats.mean, 6))
        else:
            summary[feature.path.step[0]] = (feature.string_stats.common_stats.num_non_missing,
                                             feature.string_stats.unique)
    return summary


def run_both_pipelines(root, beam_args):
    stream = rotating_hyperplane_batches(root / "stream", batches=2, rows=300, degrees_per_batch=40)
    workdir = root / "ws"
    adapt_cli("init", "--data", stream[0], "--label", "churned", "--workdir", workdir)
    workspace = Workspace.open(str(workdir))
    workspace.write_config(workspace.load_config().with_overrides({**SMALL, "beam.args": beam_args}))
    trained = json.loads(adapt_cli("train", "--workdir", workdir, "--json"))
    evaluated = json.loads(adapt_cli("evaluate-batch", stream[1], "--no-trigger", "--json", "--workdir", workdir))
    return trained, evaluated, span_statistics(workspace)


def test_both_pipelines_under_multi_processing_match_the_in_memory_run(tmp_path):
    trained, evaluated, statistics = run_both_pipelines(tmp_path / "in-memory", IN_MEMORY)
    trained_mp, evaluated_mp, statistics_mp = run_both_pipelines(tmp_path / "multi-processing", MULTI_PROCESSING)

    assert trained["pushed"] and trained_mp["pushed"]
    assert statistics_mp == statistics and len(statistics) >= 8
    for name, value in trained["candidate_metrics"].items():
        assert trained_mp["candidate_metrics"][name] == pytest.approx(value, abs=1e-6), name
    assert evaluated["labeled"] and evaluated_mp["labeled"]
    for name, value in evaluated["metrics"].items():
        assert evaluated_mp["metrics"][name] == pytest.approx(value, abs=1e-6), name
    assert evaluated_mp["drifted_features"] == evaluated["drifted_features"]
