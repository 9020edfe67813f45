"""The cloud function, started with functions-framework on loopback and called over HTTP.

Remote mode submits to a loopback Kubeflow Pipelines API (tests/fake_kfp.py):
exactly one run per ready batch, oldest first, none for processed, too-small
or already-started batches, and the bearer token is checked.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core.config import Config
from core.contract import load_model_package
from core.data.batch import Batch, BatchRecords
from pipeline.kubeflow import compile as kubeflow
from tests.fake_kfp import FakeKfp
from tests.helpers import write_csv

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "s3cret-token"


def _batch(incoming, name, rows, age):
    path = write_csv(incoming / name / "data.csv", ["fare", "payment_type", "big_tipper"],
                     [[f"{i}.5", "Cash", str(i % 2)] for i in range(rows)])
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return Batch(str(incoming / name), label="big_tipper", records=BatchRecords.beside(str(incoming.parent / "data")))


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(url, token=None):
    request = urllib.request.Request(url, method="POST", data=b"{}",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def function(tmp_path):
    incoming = tmp_path / "incoming"
    _batch(incoming, "2015-Q2", rows=5, age=100)
    _batch(incoming, "2015-Q1", rows=5, age=200)        # older: must be started first
    _batch(incoming, "tiny", rows=2, age=300)
    _batch(incoming, "2014-Q4", rows=5, age=400).write_state({"status": "evaluated", "labeled": True})
    with FakeKfp() as server:
        config = tmp_path / "adapt.yaml"
        config.write_text(json.dumps({"data": {"min_batch_instances": 3},
                                      "kubeflow": {"host": server.url, "data_root": str(tmp_path / "data")},
                                      "model": {"module": "models.taxi", "name": "taxi"}}))
        loaded = Config.load(config)
        spec = kubeflow.compile_pipelines(loaded, load_model_package(loaded.model), "kubeflow",
                                          str(tmp_path / "compiled"))
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ADAPT_BATCH_PREFIX": str(incoming),
               "ADAPT_CONFIG": str(config), "ADAPT_TRIGGER_MODE": "kubeflow", "ADAPT_TRIGGER_TOKEN": TOKEN,
               "ADAPT_PIPELINE_SPEC": spec["adapt-batch-evaluation"]}
        process = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "functions-framework"),
                                    "--source", str(ROOT / "cloud_function" / "main.py"), "--target", "trigger",
                                    "--host", "127.0.0.1", "--port", str(port)],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.time() + 90
            while time.time() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert process.poll() is None, process.stdout.read()
                    time.sleep(0.3)
            yield f"http://127.0.0.1:{port}/", server, incoming
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_one_run_per_ready_batch_oldest_first_and_none_twice(function):
    url, server, incoming = function
    assert _call(url)[0] == 401
    assert _call(url, token="wrong")[0] == 401

    status, body = _call(url, token=TOKEN)
    assert status == 200, body
    assert [s["batch"] for s in body["started"]] == ["2015-Q1", "2015-Q2"]
    assert all(s["mode"] == "kubeflow" and s["ok"] for s in body["started"])
    assert {s["batch"]: s["why"] for s in body["skipped"]} == {
        "2014-Q4": "already processed", "tiny": "2 instances, fewer than 3"}
    assert [run["runtime_config"]["parameters"]["batch_uri"] for run in server.runs] == \
        [str(incoming / "2015-Q1"), str(incoming / "2015-Q2")]
    assert [run["run_id"] for run in server.runs] == [s["run"] for s in body["started"]]
    assert all(run["pipeline_spec"]["pipelineInfo"]["name"] == "adapt-batch-evaluation" for run in server.runs)

    status, again = _call(url, token=TOKEN)
    assert status == 200 and again["started"] == []
    assert len(server.runs) == 2
    in_progress = {s["batch"]: s["why"] for s in again["skipped"]}
    assert in_progress["2015-Q1"] == f"run {server.runs[0]['run_id']} started by cloud-function in progress"
