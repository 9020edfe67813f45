"""End to end on the shared served workspace (tests/e2e/conftest.py): two pushes, registry and lineage,
rollback served over HTTP, history, and the MLflow mirror."""
import csv
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from core import versions

pytestmark = pytest.mark.e2e

TRIP = {"trip_miles": 9.5, "fare": 30.0, "trip_seconds": 1500, "payment_type": "Credit Card",
        "company": "Taxi Affiliation Services", "trip_start_hour": 18, "trip_start_day": 5,
        "trip_start_month": 6, "pickup_latitude": 41.88, "pickup_longitude": -87.63,
        "dropoff_latitude": 41.97, "dropoff_longitude": -87.66, "pickup_community_area": 8,
        "dropoff_community_area": 6, "trip_start_timestamp": 1372700000}


def adapt(workspace, *args, timeout=600):
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", *args, "--workdir", str(workspace.root)],
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def workspace(served_workspace):
    return served_workspace


def test_models_list_shows_both_pushes_with_spans_and_stages(workspace):
    rows = {r["version"]: r for r in json.loads(adapt(workspace, "models", "list", "--json"))}
    assert set(rows) == {1, 2}
    assert (rows[1]["spans"], rows[1]["stage"], rows[1]["baseline_version"]) == ("1-1", "archived", None)
    assert (rows[2]["spans"], rows[2]["stage"], rows[2]["baseline_version"]) == ("1-2", "production", 1)
    assert rows[2]["blessed"] and rows[2]["infra_blessed"] and 0.5 <= rows[2]["metrics"]["accuracy"] <= 1.0


def test_models_show_gives_the_lineage_with_uris(workspace):
    shown = json.loads(adapt(workspace, "models", "show", "2", "--json"))
    steps = [step["component"] for step in shown["lineage"]]
    assert steps[:2] == ["data spans", "StatisticsGen (per span)"]
    for component in ("ImportSchemaGen", "Transform", "Trainer", "Evaluator", "ServingInfraValidator",
                      "VersionedPusher"):
        assert component in steps, steps
    spans = [a["span"] for a in shown["lineage"][0]["outputs"]]
    assert sorted(spans) == [1, 2] and shown["spans_trained_on"] == [1, 2]
    assert all(os.path.exists(a["uri"]) for step in shown["lineage"] for a in step.get("outputs", []))
    text = adapt(workspace, "models", "show", "2")
    assert "-> Examples span 1:" in text and "-> PushedModel:" in text


def test_every_model_carries_its_holdout_calibration_to_the_serving_folder_and_mlmd(workspace):
    from core.contract import read_calibration, read_model_info
    shown = json.loads(adapt(workspace, "models", "show", "2", "--json"))
    calibration = shown["calibration"]     # the Model artifact's custom properties in ML Metadata
    assert calibration["calibration_rows"] >= 100 and 0.0 <= calibration["ece_after"] <= calibration["ece_before"]
    served = os.path.join(workspace.serving_model_dir(workspace.load_config()), "2")
    info, maps = read_model_info(served), read_calibration(served)
    assert info["calibration"]["ece_before"] == calibration["ece_before"]
    assert maps["calibrated"] == bool(calibration["calibrated"]) and len(maps["thresholds"]) == (
        2 if calibration["calibrated"] else 0)
    assert "calibration on the holdout (" in adapt(workspace, "models", "show", "2")


def test_unknown_version_is_one_line(workspace):
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "models", "show", "9", "--workdir",
                             str(workspace.root)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stderr.strip() == \
        "adapt: error: no pushed version 9 of taxi (versions: 1, 2)"


def test_a_half_copied_folder_is_listed_as_broken_and_never_served_or_rolled_back_to(workspace):
    import shutil
    base = workspace.serving_model_dir(workspace.load_config())
    half = os.path.join(base, "7")
    shutil.copytree(os.path.join(base, "2"), half)   # a copy by hand, cut short before the variables' data
    for name in os.listdir(os.path.join(half, "variables")):
        if name.startswith("variables.data"):
            os.remove(os.path.join(half, "variables", name))
    try:
        rows = {r["version"]: r for r in json.loads(adapt(workspace, "models", "list", "--json"))}
        assert rows[7]["stage"] == "broken" and rows[7]["reason"] == "cannot serve: variables data shards are missing"
        assert rows[2]["stage"] == "production"
        text = adapt(workspace, "models", "list")   # the reason's words wrap to the terminal: the row's start
        assert re.search(r"^7 +broken +spans - ", text, re.M), text
        for command in (["models", "rollback", "7", "--reason", "x"], ["models", "show", "7"]):
            result = subprocess.run([sys.executable, "-m", "pipeline.cli", *command, "--workdir", str(workspace.root)],
                                    capture_output=True, text=True, timeout=120)
            assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
            assert "variables data shards are missing" in result.stderr
    finally:
        shutil.rmtree(half)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _predict(port):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models/taxi:predict",
                                     data=json.dumps({"instances": [TRIP]}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["X-Model-Version"], json.loads(response.read())["predictions"][0][0]


def _wait_for(port, version, server, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert server.poll() is None, server.stderr.read()[-2000:]
        try:
            served, score = _predict(port)
            if served == str(version):
                return score
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"version {version} never served")


MODEL_EVENTS = ("retraining", "rollback")


def test_rollback_is_served_recorded_and_mirrored(workspace):
    config = workspace.load_config()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--workdir", str(workspace.root),
                               "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        newer = _wait_for(port, 2, server, timeout=120)
        out = adapt(workspace, "models", "rollback", "1", "--reason", "v2 over-predicts tips downtown")
        assert "serving version 1 (was 2)" in out
        older = _wait_for(port, 1, server)
        assert older != pytest.approx(newer, abs=1e-6)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert versions.production_version(workspace.serving_model_dir(config)) == 1
    rows = {r["version"]: r for r in json.loads(adapt(workspace, "models", "list", "--json"))}
    assert (rows[1]["stage"], rows[2]["stage"]) == ("production", "archived")

    # its retrainings and rollbacks: the files sharing this workspace add other events (a label request)
    history = [h for h in json.loads(adapt(workspace, "history", "--json")) if h["event"] in MODEL_EVENTS]
    assert [h["event"] for h in history] == ["retraining", "retraining", "rollback"]
    assert [h["production_version"] for h in history] == [1, 2, 1]
    assert history[1]["updated"] and history[1]["spans"] == "1-2" and history[1]["baseline_accuracy"] is not None
    assert history[2]["reason"] == "v2 over-predicts tips downtown"
    csv_path = workspace.root / "history.csv"
    adapt(workspace, "history", "--csv", str(csv_path))
    exported = list(csv.DictReader(open(csv_path)))
    assert [r["event"] for r in exported if r["event"] in MODEL_EVENTS] == ["retraining", "retraining", "rollback"]

    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    from mlflow import MlflowClient
    client = MlflowClient(tracking_uri=config.mlflow.tracking_uri, registry_uri=config.mlflow.tracking_uri)
    production = client.get_model_version_by_alias("taxi", "production")
    assert production.tags["adapt_version"] == "1"
    stages = {v.tags["adapt_version"]: v.tags.get("stage") for v in client.search_model_versions("name='taxi'")}
    assert stages == {"1": "production", "2": "archived"}
