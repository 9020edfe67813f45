"""Beam on portable workers: the training and batch-evaluation pipelines with Beam's PortableRunner — the Fn API
path Flink, Spark and Dataflow Runner v2 run Python code through — against SDK worker pools on two other "hosts"
(network namespaces of their own, tests/netns.py): the embedded job service (`--job_endpoint=embed`), workers
`--environment_type=EXTERNAL`. Every Beam step's DoFns are pickled, shipped and run in those workers.

The reference is the in-memory run of the shared served workspace (tests/e2e/conftest.py): its version 2 was
trained in-process on spans 1–2. A workspace holding the same spans and schema trains on spans 1–2 with every Beam
step on the pool of namespace 1, then evaluates batch 2014-Q1 on the pool of namespace 2; the span statistics,
the model's holdout metrics, the batch's metrics and its drift equal the in-memory run's.
"""
import shutil

import pytest

from core.data.spans import SpanWindow
from core.workspace import Workspace
from pipeline.lineage.graph import Metadata
from pipeline.lineage.queries import span_statistics_files
from tests import netns
from tests.e2e.conftest import BATCHES

pytestmark = [pytest.mark.e2e, pytest.mark.scale_out]
BATCH = BATCHES[0][0]   # evaluated in memory by the served workspace (tests/e2e/conftest.py)


def portable(pool: str):
    return ["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=EXTERNAL",
            f"--environment_config={pool}"]


@pytest.fixture(scope="module")
def pools(tmp_path_factory):
    problem = netns.available()
    if problem:
        pytest.fail(f"the portable-runner test cannot run: {problem}")   # CI must never skip it silently
    logs = tmp_path_factory.mktemp("pools")
    with netns.worker_pools(2, str(logs)) as addresses:
        yield addresses, [str(logs / f"worker-pool-{n}.log") for n in (1, 2)]


@pytest.fixture(scope="module")
def portable_runs(pools, served_workspace, tmp_path_factory):
    from pipeline.local.batch_evaluation import run_batch_evaluation
    from pipeline.local.training import run_training
    root = tmp_path_factory.mktemp("portable") / "ws"
    root.mkdir()
    config_text = "\n".join(line for line in served_workspace.config_path.read_text().splitlines()
                            if not line.startswith("mlflow:"))
    (root / "adapt.yaml").write_text(config_text)
    shutil.copytree(served_workspace.data, root / "data")
    shutil.copytree(served_workspace.root / "schema", root / "schema")
    workspace = Workspace.open(str(root))
    config = workspace.load_config()
    addresses, logs = pools
    trained = run_training(workspace, config.with_overrides({"beam.args": portable(addresses[0])}), SpanWindow(1, 2),
                           echo=None)
    shutil.copytree(served_workspace.incoming / BATCH, workspace.incoming / BATCH)
    started_by_training = netns.workers_started(logs[0])
    evaluated = run_batch_evaluation(workspace, config.with_overrides({"beam.args": portable(addresses[1])}),
                                     str(workspace.incoming / BATCH), trigger=False, echo=None)
    return workspace, trained, evaluated, {"training": started_by_training, "batch": netns.workers_started(logs[1])}


def test_every_beam_step_ran_on_the_other_hosts_workers(portable_runs):
    started = portable_runs[3]
    # training: CsvExampleGen, StatisticsGen, Transform (analyze, transform), Evaluator; the batch:
    # BatchPredictionGen, DriftDetector's statistics, PerformanceEvaluator — each a Beam job, each its own worker
    assert started["training"] >= 4 and started["batch"] >= 2, started


def _statistics(workspace: Workspace):
    import tensorflow_data_validation as tfdv
    from google.protobuf import json_format
    files = span_statistics_files(Metadata.of(workspace, workspace.load_config()))
    return {span: json_format.MessageToDict(tfdv.load_stats_binary(path)) for span, path in files.items()}


def test_span_statistics_equal_the_in_memory_runs(portable_runs, served_workspace):
    workspace, trained = portable_runs[:2]
    assert trained.pushed and trained.version == 1, trained.reason
    assert _statistics(workspace) == _statistics(served_workspace)


def test_the_models_holdout_metrics_equal_the_in_memory_runs(portable_runs, served_holdout_metrics):
    trained = portable_runs[1]
    local = served_holdout_metrics
    assert set(trained.candidate_metrics) == set(local)
    for name, value in local.items():
        assert trained.candidate_metrics[name] == pytest.approx(value, abs=1e-6), name


def test_the_batchs_metrics_and_drift_equal_the_in_memory_runs(portable_runs, served_batches):
    evaluated, in_memory_batch = portable_runs[2], served_batches[BATCH]
    assert evaluated.labeled and evaluated.metrics
    assert evaluated.metrics == pytest.approx(in_memory_batch.metrics, abs=1e-6)
    assert (evaluated.drifted, evaluated.drifted_features, evaluated.retrain) == \
        (in_memory_batch.drifted, in_memory_batch.drifted_features, in_memory_batch.retrain)
    assert evaluated.reports["DriftDetector"] == in_memory_batch.reports["DriftDetector"]
