"""The loop closed from serving, with a canary: version 2 answers half the requests beside version 1 (sticky by
key), `adapt serve` logs what each answered, `adapt batch from-log` makes a batch of that time slice, labels
arrive later by request id, `adapt models canary-report` compares the two versions on the rows each answered,
`adapt evaluate-batch` measures the batch like any other, and `adapt models promote` gives version 2 every request.

Runs on a copy of the shared served workspace (tests/e2e/conftest.py; versions 1 and 2), with
serving.log_predictions on."""
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


def _predict(port, instances, request_id, key=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models/taxi:predict",
                                     data=json.dumps({"instances": instances}).encode(),
                                     headers={"Content-Type": "application/json", "X-Request-Id": request_id,
                                              **({"X-Canary-Key": key} if key else {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["X-Request-Id"], response.headers["X-Model-Version"], \
            json.loads(response.read())["predictions"]


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


def test_a_canary_is_logged_compared_on_labels_by_request_id_and_promoted(served_workspace, tmp_path):
    shutil.copytree(served_workspace.root, tmp_path / "ws", symlinks=True)
    workspace = Workspace.open(str(tmp_path / "ws"))
    with open(workspace.config_path, "a") as handle:
        handle.write("serving: {log_predictions: true}\n")
    assert "version 2 answers 50% of predict requests" in adapt(workspace, "models", "canary", "2", "--traffic",
                                                               "50%", "--reason", "try the spring model")
    stages = {row["version"]: row["stage"] for row in json.loads(adapt(workspace, "models", "list", "--json"))}
    assert (stages[1], stages[2]) == ("production", "canary")
    header, rows = taxi_rows("2015-Q1", REQUESTS + 1)
    since = time.time()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--workdir", str(workspace.root),
                               "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    answered, served_by = {}, {}
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
            key = f"rider-{index % 20}"  # twenty riders, two trips each: each rider's trips go to one version
            request_id, version, predictions = _predict(port, [_typed(header, row)], f"trip-{index}", key)
            assert request_id == f"trip-{index}" and len(predictions) == 1
            assert served_by.setdefault(key, version) == version
            answered[request_id] = row[header.index("big_tipper")]
        assert set(served_by.values()) == {"1", "2"}
        out = adapt(workspace, "batch", "from-log", "--since", str(since), "--name", "served-2015q1", "--json")
        made = json.loads(out)
        assert made["rows"] == REQUESTS + 1 and set(made["answered_by"]) <= {"1 (stable)", "2 (canary)"}
        batch = workspace.incoming / "served-2015q1"
        with open(batch / "labels.csv", "w", newline="") as handle:  # labels come later, named by request id
            writer = csv.writer(handle)
            writer.writerow(["instance_id", "big_tipper"])
            writer.writerows(sorted(answered.items()))  # a subset (not the warm-up), in another order
        report = json.loads(adapt(workspace, "models", "canary-report", "served-2015q1", "--json"))
        assert (report["stable"]["version"], report["canary"]["version"]) == (1, 2)
        assert report["stable"]["rows"] + report["canary"]["rows"] == REQUESTS
        assert 0.3 <= report["stable"]["accuracy"] <= 1.0 and 0.3 <= report["canary"]["accuracy"] <= 1.0
        assert report["low"] <= report["difference"] <= report["high"]

        assert "version 2 serves every request" in adapt(workspace, "models", "promote", "--reason", "as good")
        deadline = time.time() + 60
        while _predict(port, [_typed(header, rows[1])], "after", "rider-0")[1] != "2":
            assert time.time() < deadline, "version 2 never took every request"
            time.sleep(0.2)
        assert {_predict(port, [_typed(header, rows[1])], f"a{k}", f"rider-{k}")[1] for k in range(20)} == {"2"}
    finally:
        server.terminate()
        server.wait(timeout=30)

    outcome = json.loads(adapt(workspace, "evaluate-batch", "served-2015q1", "--no-trigger", "--json",
                               "--details"))
    performance = outcome["reports"]["PerformanceEvaluator"]
    assert outcome["labeled"] and performance["instances"] == REQUESTS + 1
    assert performance["labeled_instances"] == REQUESTS
    history = json.loads(adapt(workspace, "history", "--json"))
    assert [h["event"] for h in history][-2:] == ["canary", "promote"]
    assert history[-2]["reason"] == "try the spring model" and history[-1]["production_version"] == 2


def test_labels_request_chooses_the_budget_of_rows_with_their_chances_and_features(served_workspace, tmp_path):
    """`adapt labels request` on a copy of a served batch: the serving version answers it, `--budget` rows are
    chosen, each with a chance in (0, 1], the features and an empty label column; the request is kept beside."""
    batch = tmp_path / "2014-Q1"
    shutil.copytree(served_workspace.incoming / "2014-Q1", batch)
    found = json.loads(adapt(served_workspace, "labels", "request", str(batch), "--budget", "20", "--output",
                             str(tmp_path / "to-label.csv"), "--json"))
    assert found["chosen"] == found["budget"] == 20 and found["rows"] == 250 and found["model_version"] in (1, 2)
    with open(tmp_path / "to-label.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 20 and len({row["instance_id"] for row in rows}) == 20
    assert list(rows[0])[:2] == ["instance_id", "inclusion_probability"] and list(rows[0])[-1] == "big_tipper"
    assert all(0 < float(row["inclusion_probability"]) <= 1 and row["big_tipper"] == "" and row["fare"]
               for row in rows)
    assert len(json.loads((batch / ".label-request.json").read_text())["chosen"]) == 20
