"""Beyond one process: both pipelines under Beam's multi-processing direct runner give what the in-memory run gives.

Workers there are separate processes that receive every DoFn pickled, as Dataflow or Flink workers would, so
a step that only worked because it shared the driver's memory fails here instead of in production. The in-memory
side is the reliability tests' shared workspace (tests/reliability/serving_workspace.py), trained once for them all.
"""
import glob
import json

import pytest
from tensorflow_metadata.proto.v0 import statistics_pb2

from core.workspace import Workspace
from tests.helpers import adapt_cli
from tests.reliability.serving_workspace import SMALL, serving_workspace_with_waiting_batches

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


def _retrained_metrics(workdir) -> dict:
    events = json.loads(adapt_cli("history", "--json", "--workdir", workdir))
    return next(event for event in events if event["event"] == "retraining")["candidate_metrics"]


@pytest.fixture(scope="module")
def in_memory(tmp_path_factory):
    """The reliability tests' shared workspace, trained in memory (the default Beam arguments) on batch-01 of its
    stream, with batch-02 evaluated: (the training's metrics, the evaluation, span 1's statistics, the stream)."""
    workspace = serving_workspace_with_waiting_batches(tmp_path_factory, "in-memory")
    assert workspace.load_config().beam.args == IN_MEMORY
    stream = workspace.root.parent / "stream"
    evaluated = json.loads(adapt_cli("evaluate-batch", stream / "batch-02", "--no-trigger", "--json",
                                     "--workdir", workspace.root))
    return _retrained_metrics(workspace.root), evaluated, span_statistics(workspace), stream


def test_both_pipelines_under_multi_processing_match_the_in_memory_run(in_memory, tmp_path):
    metrics, evaluated, statistics, stream = in_memory
    workdir = tmp_path / "ws"   # the same batches, settings and model name, trained with two worker processes
    adapt_cli("init", "--data", stream / "batch-01", "--label", "churned", "--name", "churn", "--workdir", workdir)
    workspace = Workspace.open(str(workdir))
    workspace.write_config(workspace.load_config().with_overrides({**SMALL, "beam.args": MULTI_PROCESSING}))
    assert json.loads(adapt_cli("train", "--workdir", workdir, "--json"))["pushed"]
    evaluated_mp = json.loads(adapt_cli("evaluate-batch", stream / "batch-02", "--no-trigger", "--json",
                                        "--workdir", workdir))

    assert span_statistics(workspace) == statistics and len(statistics) >= 8
    metrics_mp = _retrained_metrics(workdir)
    assert set(metrics_mp) == set(metrics) and metrics
    for name, value in metrics.items():
        assert metrics_mp[name] == pytest.approx(value, abs=1e-6), name
    assert evaluated["labeled"] and evaluated_mp["labeled"]
    for name, value in evaluated["metrics"].items():
        assert evaluated_mp["metrics"][name] == pytest.approx(value, abs=1e-6), name
    assert evaluated_mp["drifted_features"] == evaluated["drifted_features"]
