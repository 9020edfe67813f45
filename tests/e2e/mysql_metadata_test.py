"""ML Metadata on a real MariaDB server: both pipelines, the registry, history and a rollback, with two processes
writing at the same time; the password never lands in a file; then the server going away mid-run, on the same
workspace (one first training for the module)."""
import json
import os
import shutil
import subprocess
import sys
import time

import pytest
import yaml

from core.workspace import Workspace
from tests.helpers import adapt_cli
from tests.mariadb import MariaDB
from tests.streams import rotating_hyperplane_batches

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server():
    with MariaDB() as database:
        os.environ["ADAPT_MLMD_PASSWORD"] = database.password
        yield database
        os.environ.pop("ADAPT_MLMD_PASSWORD", None)


@pytest.fixture(scope="module")
def on_the_server(server, tmp_path_factory):
    """(workdir, seven batches, the first training's outcome): a workspace whose ML Metadata is on the server, its
    first model trained on batch 1. The first test takes batches 2-4, the outage tests 5-7."""
    root = tmp_path_factory.mktemp("on-the-server")
    stream = rotating_hyperplane_batches(root / "stream", batches=7, rows=240, degrees_per_batch=40)
    workdir = root / "ws"
    workdir.mkdir()
    (workdir / "adapt.yaml").write_text(yaml.safe_dump({
        "metadata": server.settings(), "training": {"eval_steps": 5, "window": 2},
        "validation": {"infra_requests": 5, "min_accuracy": 0.5, "min_holdout_rows": 50, "max_accuracy_drop": 1.0},
        "performance": {"threshold": 0.99}, "data": {"min_batch_instances": 50}}))
    adapt_cli("init", "--data", stream[0], "--label", "churned", "--name", "churn", "--workdir", workdir)
    return workdir, stream, json.loads(adapt_cli("train", "--workdir", workdir, "--json"))


def test_pipelines_registry_history_and_rollback_on_mariadb(server, on_the_server):
    workdir, stream, first = on_the_server
    assert not (workdir / "metadata.sqlite").exists()  # every record went to the server
    assert first["pushed"] and first["version"] == 1

    # Two processes write at the same time: the watcher evaluates one batch, a person another.
    workspace = Workspace.open(str(workdir))
    for folder in stream[1:3]:
        target = workspace.incoming / folder.name
        target.mkdir(parents=True)
        (target / "data.csv").write_bytes((folder / "data.csv").read_bytes())
    watch = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "watch", "--once", "--json", "--workdir",
                              str(workdir), "--max-batches", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    time.sleep(1)
    person = json.loads(adapt_cli("evaluate-batch", stream[3], "--workdir", workdir, "--json"))
    out, err = watch.communicate(timeout=1200)
    assert watch.returncode == 0, err[-2000:]
    tick = json.loads(out)
    assert len(tick["started"]) == 1 and tick["started"][0]["ok"], tick
    assert person["triggered"] and person["span"] >= 2

    rows = json.loads(adapt_cli("models", "list", "--workdir", workdir, "--json"))
    pushed = sorted(r["version"] for r in rows if r["version"])
    assert pushed[0] == 1 and len(pushed) >= 2, rows
    adapt_cli("models", "rollback", "1", "--reason", "checking the store", "--workdir", workdir)
    history = json.loads(adapt_cli("history", "--workdir", workdir, "--json"))
    assert history[-1]["event"] == "rollback" and history[-1]["production_version"] == 1
    assert sum(1 for h in history if h["event"] == "retraining") >= 3, (tick, person, history)
    show = json.loads(adapt_cli("models", "show", str(pushed[-1]), "--workdir", workdir, "--json"))
    assert {step["component"] for step in show["lineage"]} >= {"Transform", "Trainer", "Evaluator"}

    leaked = [str(path) for path in workdir.rglob("*") if path.is_file() and path.stat().st_size < 50_000_000
              and server.password.encode() in path.read_bytes()]
    assert leaked == [], leaked


@pytest.mark.parametrize("change, password, says", [
    ({}, "not-the-password-123", "the server refused user 'adapt': check the password in $ADAPT_MLMD_PASSWORD"),
    ({"mysql_database": "nope_db"}, None, "user 'adapt' may not use database 'nope_db': it does not exist"),
    ({"mysql_port": 1}, None, "no MySQL/MariaDB server answers there"),
])
def test_a_store_that_cannot_be_opened_is_one_line_naming_what_to_fix_and_never_the_password(server, tmp_path, change,
                                                                                               password, says):
    settings = {**server.settings(), **change}
    (tmp_path / "adapt.yaml").write_text(yaml.safe_dump({"metadata": settings}))
    sent = password or server.password
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "models", "list", "--workdir", str(tmp_path)],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "ADAPT_MLMD_PASSWORD": sent})
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    where = f"mysql://adapt@127.0.0.1:{settings['mysql_port']}/{settings['mysql_database']}"
    assert lines[0].startswith(f"adapt: error: cannot open ML Metadata at {where}: ") and says in lines[0]
    assert sent not in result.stderr + result.stdout


@pytest.fixture(scope="module")
def mysql_workspace(on_the_server) -> Workspace:
    """The workspace on the server, three batches waiting (batch-05 .. batch-07); a batch the first test left
    unevaluated is taken back out of incoming/."""
    workdir, stream, first = on_the_server
    assert first["pushed"]
    workspace = Workspace.open(str(workdir))
    for folder in workspace.incoming.iterdir():
        if not workspace.batch(str(folder)).is_processed():
            shutil.rmtree(folder)
    for folder in stream[4:]:
        (workspace.incoming / folder.name).mkdir(parents=True)
        (workspace.incoming / folder.name / "data.csv").write_bytes((folder / "data.csv").read_bytes())
    return workspace


def _losing_the_server_at(point: str, server, workspace, *args) -> subprocess.Popen:
    """`adapt ARGS`, started; the first of its processes to reach `point` stops the server and waits until it is
    gone (core/faults.py: ADAPT_RUN_AT)."""
    marker = workspace.root.parent / f"stopped-at-{point}-{time.monotonic_ns()}"
    env = {**os.environ, "ADAPT_RUN_AT": point, "ADAPT_RUN_COMMAND": server.stop_command(marker)}
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", *args, "--workdir", str(workspace.root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _still_reads(workspace) -> dict:
    """What must hold once the server is back: the registry and the history read."""
    rows = json.loads(adapt_cli("models", "list", "--workdir", workspace.root, "--json"))
    history = json.loads(adapt_cli("history", "--workdir", workspace.root, "--json"))
    assert any(row["stage"] == "production" for row in rows), rows
    return {"versions": len([row for row in rows if row["version"]]), "events": len(history)}


@pytest.mark.parametrize("point, batch", [("metadata-writing", "batch-05"), ("trainer", "batch-06")])
def test_a_server_that_goes_away_mid_run_is_one_line_naming_the_database_and_the_next_run_completes(
        server, mysql_workspace, point, batch, record_property):
    workspace = mysql_workspace
    before = _still_reads(workspace)
    command = _losing_the_server_at(point, server, workspace, "evaluate-batch", batch)
    out, err = command.communicate(timeout=900)
    assert server.stopped()
    lines = [line for line in err.splitlines() if line.strip()]
    where = f"mysql://adapt@127.0.0.1:{server.port}/adapt_metadata"
    assert command.returncode == 1 and "Traceback" not in err, err[-3000:]
    assert lines[-1].startswith("adapt: error: ") and f"ML Metadata at {where}: " in lines[-1], err[-3000:]
    assert "no MySQL/MariaDB server answers there" in lines[-1] or "the server stopped answering" in lines[-1]
    assert server.password not in out + err
    server.start()
    assert _still_reads(workspace)["versions"] == before["versions"]
    adapt_cli("watch", "--once", "--max-batches", "1", "--workdir", workspace.root)  # the batch, done now
    assert workspace.batch(str(workspace.incoming / batch)).is_processed()
    _still_reads(workspace)
    record_property("fault", "the metadata server stops")
    record_property("stage", "batch evaluation" if point == "metadata-writing" else "training (Trainer)")
    record_property("said", lines[-1][len("adapt: error: "):])


def test_with_retry_seconds_a_training_waits_for_the_server_to_come_back(server, mysql_workspace, record_property):
    workspace = mysql_workspace
    config = workspace.load_config()
    workspace.write_config(config.with_overrides({"metadata.retry_seconds": 120}))
    try:
        before = _still_reads(workspace)
        command = _losing_the_server_at("trainer", server, workspace, "evaluate-batch", "batch-07", "--json")
        deadline = time.time() + 600
        while not server.stopped():
            assert command.poll() is None and time.time() < deadline, command.stderr.read()[-3000:]
            time.sleep(0.2)
        time.sleep(3)  # the training waits, retrying, while the server is down
        assert command.poll() is None
        server.start()
        out, err = command.communicate(timeout=900)
        assert command.returncode == 0 and "Traceback" not in err, err[-3000:]
        outcome = json.loads(out)
        assert outcome["triggered"] and outcome["span"] == workspace.batch(
            str(workspace.incoming / "batch-07")).state()["span"]
        after = _still_reads(workspace)
        assert after["events"] == before["events"] + 1  # the training is one event of the history
    finally:
        workspace.write_config(config)
    record_property("fault", "the metadata server stops, metadata.retry_seconds 120")
    record_property("stage", "training (Trainer)")
    record_property("said", "nothing: the training waited and completed")


def test_a_store_call_after_the_server_went_away_names_the_database_or_waits_for_it(server):
    import threading

    from ml_metadata.proto import metadata_store_pb2

    from pipeline.lineage.store import MetadataUnavailableError, RetryingMetadataStore
    connection = metadata_store_pb2.ConnectionConfig(mysql=metadata_store_pb2.MySQLDatabaseConfig(
        host="127.0.0.1", port=server.port, database=server.database, user=server.user, password=server.password))
    store = RetryingMetadataStore(connection)
    store.put_artifact_type(metadata_store_pb2.ArtifactType(name="adapt.OutageProbe"))
    server.process.terminate()
    server.process.wait(timeout=60)
    RetryingMetadataStore.retry_seconds = 0.0
    with pytest.raises(MetadataUnavailableError, match=f"^lost ML Metadata at mysql://adapt@127.0.0.1:{server.port}/"
                                                       "adapt_metadata: the server stopped answering"):
        store.get_artifact_types()
    with pytest.raises(MetadataUnavailableError, match="it went away earlier"):  # not the C++ client again
        store.put_artifact_type(metadata_store_pb2.ArtifactType(name="adapt.Other"))
    RetryingMetadataStore.retry_seconds = 60.0
    restart = threading.Timer(2.0, server.start)
    restart.start()
    try:
        started = time.monotonic()
        assert "adapt.OutageProbe" in [kind.name for kind in store.get_artifact_types()]  # the same store, reconnected
        assert time.monotonic() - started >= 1.5
    finally:
        restart.join()
        RetryingMetadataStore.retry_seconds = 0.0
