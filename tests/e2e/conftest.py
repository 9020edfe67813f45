"""A workspace shared by the registry, serving and notebook tests: two pushed versions, two evaluated batches.

Built once per session from real taxi rows (small spans, few training steps).
Tests that use it read it, except the rollback test, which runs last.
"""
import pytest

from core.data.spans import SpanWindow
from tests.helpers import make_workspace, taxi_rows, write_csv

# A candidate is pushed when it is not more than 1.0 worse than the serving model: two pushes, always.
ALWAYS_PUSH = """
model: {module: models.taxi, name: taxi}
training: {train_steps: 60, eval_steps: 5, window: 2}
validation: {infra_requests: 5, min_accuracy: 0.5, max_accuracy_drop: 1.0}
data: {min_batch_instances: 50}
mlflow: {tracking_uri: "file:MLFLOW_DIR"}
"""
BATCHES = (("2014-Q1", 250), ("2016-Q1", 150))
SERVING_VERSION = 2   # what evaluated the batches: trained on spans 1-2


@pytest.fixture(scope="session")
def _served(tmp_path_factory):
    from pipeline.local.batch_evaluation import run_batch_evaluation
    from pipeline.local.training import run_training
    root = tmp_path_factory.mktemp("served")
    workspace = make_workspace(root / "ws", [("2013-Q1", 500), ("2013-Q2", 400)])
    workspace.config_path.write_text(ALWAYS_PUSH.replace("MLFLOW_DIR", str(root / "mlruns")))
    config = workspace.load_config()
    first = run_training(workspace, config, SpanWindow(1, 1), echo=None)
    second = run_training(workspace, config, SpanWindow(1, 2), echo=None)
    assert (first.version, second.version) == (1, SERVING_VERSION), (first.reason, second.reason)
    outcomes = {}
    for quarter, rows in BATCHES:
        header, data = taxi_rows(quarter, rows)
        write_csv(workspace.incoming / quarter / "data.csv", header, data)
        outcomes[quarter] = run_batch_evaluation(workspace, config, str(workspace.incoming / quarter),
                                                 trigger=False, echo=None)
    return workspace, outcomes


@pytest.fixture(scope="session")
def served_workspace(_served):
    return _served[0]


@pytest.fixture(scope="session")
def served_batches(_served):
    """{quarter: BatchOutcome} of the served workspace's batches, evaluated in memory by version 2."""
    return _served[1]


@pytest.fixture(scope="session")
def served_holdout_metrics(served_workspace):
    """What the serving version (trained in memory on spans 1-2) scored on its holdout when it was pushed."""
    from pipeline.lineage.graph import Metadata
    from pipeline.lineage.queries import pushed_metrics
    meta = Metadata.of(served_workspace, served_workspace.load_config())
    return pushed_metrics(meta, "taxi", SERVING_VERSION)
