"""ML Metadata on a real MariaDB server: both pipelines, the registry, history and a rollback, with two processes
writing at the same time; the password never lands in a file."""
import json
import os
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


def test_pipelines_registry_history_and_rollback_on_mariadb(server, tmp_path):
    stream = rotating_hyperplane_batches(tmp_path / "stream", batches=4, rows=240, degrees_per_batch=40)
    workdir = tmp_path / "ws"
    workdir.mkdir()
    (workdir / "adapt.yaml").write_text(yaml.safe_dump({
        "metadata": server.settings(), "training": {"eval_steps": 5, "window": 2},
        "validation": {"infra_requests": 5, "min_accuracy": 0.5, "min_holdout_rows": 50, "max_accuracy_drop": 1.0},
        "performance": {"threshold": 0.99}, "data": {"min_batch_instances": 50}}))
    adapt_cli("init", "--data", stream[0], "--label", "churned", "--name", "churn", "--workdir", workdir)
    assert not (workdir / "metadata.sqlite").exists()  # every record went to the server
    first = json.loads(adapt_cli("train", "--workdir", workdir, "--json"))
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
