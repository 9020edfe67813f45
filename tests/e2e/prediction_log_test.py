"""The loop closed from serving: `adapt serve` logs what it answers, `adapt batch from-log` makes a batch of a
time slice, labels arrive later by request id, and `adapt evaluate-batch` measures the serving model on them.

Runs on a copy of the shared served workspace (tests/e2e/conftest.py), with serving.log_predictions on."""
import csv
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from core.workspace import Workspace
from tests.helpers import taxi_rows

pytestmark = pytest.mark.e2e
REQUESTS = 40


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _predict(port, instances, request_id):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models/taxi:predict",
                                     data=json.dumps({"instances": instances}).encode(),
                                     headers={"Content-Type": "application/json", "X-Request-Id": request_id})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["X-Request-Id"], json.loads(response.read())["predictions"]


def _typed(header, row):
    instance = {}
    for name, cell in zip(header, row):
        if name == "big_tipper" or cell == "":
            continue
        try:
            instance[name] = int(cell)
        except ValueError:
            try:
                instance[name] = float(cell)
            except ValueError:
                instance[name] = cell
    return instance


def adapt(workspace, *args, timeout=600):
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", *args, "--workdir", str(workspace.root)],
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_the_prediction_log_becomes_a_batch_that_labels_join_by_request_id(served_workspace, tmp_path):
    shutil.copytree(served_workspace.root, tmp_path / "ws", symlinks=True)
    workspace = Workspace.open(str(tmp_path / "ws"))
    with open(workspace.config_path, "a") as handle:
        handle.write("serving: {log_predictions: true}\n")
    header, rows = taxi_rows("2015-Q1", REQUESTS + 1)
    since = time.time()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--workdir", str(workspace.root),
                               "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    answered = {}
    try:
        deadline = time.time() + 120
        while True:
            assert server.poll() is None, server.stderr.read()[-2000:]
            try:
                _predict(port, [_typed(header, rows[0])], "warm-up")
                break
            except OSError:
                assert time.time() < deadline, "the server never answered"
                time.sleep(0.2)
        for index, row in enumerate(rows[1:]):
            request_id, predictions = _predict(port, [_typed(header, row)], f"trip-{index}")
            assert request_id == f"trip-{index}" and len(predictions) == 1
            answered[request_id] = row[header.index("big_tipper")]
    finally:
        server.terminate()
        server.wait(timeout=30)  # the log is flushed as the server stops

    out = adapt(workspace, "batch", "from-log", "--since", str(since), "--name", "served-2015q1", "--json")
    made = json.loads(out)
    assert made["rows"] == REQUESTS + 1 and made["answered_by"] == {"2 (stable)": REQUESTS + 1}
    batch = workspace.incoming / "served-2015q1"
    with open(batch / "labels.csv", "w", newline="") as handle:  # labels come later, named by request id
        writer = csv.writer(handle)
        writer.writerow(["instance_id", "big_tipper"])
        writer.writerows(sorted(answered.items()))  # a subset (not the warm-up), in another order
    outcome = json.loads(adapt(workspace, "evaluate-batch", "served-2015q1", "--no-trigger", "--json",
                               "--details"))
    performance = outcome["reports"]["PerformanceEvaluator"]
    assert outcome["serving_version"] == 2 and outcome["labeled"]
    assert performance["instances"] == REQUESTS + 1 and performance["labeled_instances"] == REQUESTS
    assert 0.5 <= outcome["metrics"]["accuracy"] <= 1.0
