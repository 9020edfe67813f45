"""The model server over real HTTP: TF Serving's REST shape, errors, hot reload, rollback and load."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from core import versions
from core.errors import RequestError
from serving.load import run_load
from tests.helpers import save_tiny_model

INSTANCE = {"trip_miles": 1.5, "payment_type": "Cash", "trip_start_hour": 9}


def _request(port, path, body=None, raw=None, method=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def _json(result):
    return result[0], json.loads(result[1])


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Two versions that answer differently, kept outside the served folder until a test pushes them."""
    root = tmp_path_factory.mktemp("models")
    return {1: save_tiny_model(str(root / "1"), weight=0.1), 2: save_tiny_model(str(root / "2"), weight=2.0)}


def push(models, base, version):
    """What Pusher does: copy under a temporary name, then rename into place."""
    staging = os.path.join(base, f".staging-{version}")
    shutil.copytree(models[version], staging)
    os.replace(staging, os.path.join(base, str(version)))


def start_server(models, folder, *flags):
    """(process, port, base): `python -m serving.server` on version 1 in `folder`, once healthy."""
    base = str(folder / "taxi")
    os.makedirs(base)
    push(models, base, 1)
    port_file = folder / "port"
    process = subprocess.Popen([sys.executable, "-m", "serving.server", "--model-base-path", base, "--model-name",
                                "taxi", "--port", "0", "--port-file", str(port_file), "--poll-seconds", "0.2",
                                "--max-body-mb", "10", *flags], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    deadline = time.time() + 120
    while not port_file.exists():
        assert process.poll() is None, process.stdout.read()
        assert time.time() < deadline, "server did not start"
        time.sleep(0.1)
    port = int(port_file.read_text())
    while _request(port, "/healthz")[0] != 200:
        time.sleep(0.1)
    return process, port, base


@pytest.fixture()
def server(models, tmp_path):
    process, port, base = start_server(models, tmp_path)
    yield port, base
    process.terminate()
    process.wait(timeout=30)


def wait_for_version(port, version, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body = _json(_request(port, "/v1/models/taxi"))
        if status == 200 and body["model_version_status"][0]["version"] == str(version):
            return
        time.sleep(0.05)
    raise AssertionError(f"server never served version {version}")


def test_rest_shape_instances_inputs_and_versions(server, models):
    port, base = server
    status, body = _json(_request(port, "/v1/models/taxi"))
    assert status == 200 and body["model_version_status"][0] == {
        "version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
    status, body = _json(_request(port, "/v1/models/taxi:predict", {"instances": [INSTANCE, INSTANCE]}))
    assert status == 200 and len(body["predictions"]) == 2 and 0 < body["predictions"][0][0] < 1
    columnar = {"inputs": {k: [v] for k, v in INSTANCE.items()}}
    status, body_inputs = _json(_request(port, "/v1/models/taxi:predict", columnar))
    assert status == 200 and body_inputs["outputs"][0][0] == pytest.approx(body["predictions"][0][0])
    status, meta = _json(_request(port, "/v1/models/taxi/metadata"))
    assert meta["metadata"]["raw_features"]["payment_type"] == "string"
    push(models, base, 2)
    wait_for_version(port, 2)
    _, v1 = _json(_request(port, "/v1/models/taxi/versions/1:predict", {"instances": [INSTANCE]}))
    _, v2 = _json(_request(port, "/v1/models/taxi/versions/2:predict", {"instances": [INSTANCE]}))
    assert v1["predictions"][0][0] != pytest.approx(v2["predictions"][0][0])
    assert _request(port, "/v1/models/taxi/versions/7:predict", {"instances": [INSTANCE]})[0] == 404
    assert _request(port, "/v1/models/other:predict", {"instances": [INSTANCE]})[0] == 404


def test_bad_requests_get_4xx_json_and_the_server_keeps_serving(server, record_property):
    port, _ = server
    cases = [
        (b"{not json", 400, "malformed JSON"),
        (json.dumps({"instances": [{**INSTANCE, "trip_miles": "far"}]}).encode(), 400, "trip_miles"),
        (json.dumps({"instances": [{**INSTANCE, "trip_start_hour": [1, 2]}]}).encode(), 400, "trip_start_hour"),
        (json.dumps({"rows": []}).encode(), 400, "exactly one of"),
        (json.dumps({"instances": []}).encode(), 400, "non-empty"),
        (json.dumps({"instances": [{}]}).encode(), 400, "instance 0: missing required feature 'trip_miles'"),
        (json.dumps({"instances": [INSTANCE, {"payment_type": "Cash"}]}).encode(), 400,
         "instance 1: missing required feature 'trip_miles'"),
        (json.dumps({"instances": [{**INSTANCE, "trip_miles": None}]}).encode(), 400, "missing required feature"),
        (b'{"instances": [' + b"1" * (20 * 1024 * 1024) + b"]}", 413, "exceeds"),
    ]
    for raw, expected, words in cases:
        status, body = _json(_request(port, "/v1/models/taxi:predict", raw=raw, method="POST"))
        assert status == expected and words in body["error"], (raw[:40], status, body)
        assert _request(port, "/v1/models/taxi:predict", {"instances": [INSTANCE]})[0] == 200
    for path in ("/v1/models/..%2F..%2Fetc%2Fpasswd:predict", "/v1/models/taxi/versions/..%2F1:predict",
                 "/v1/models/../taxi:predict"):
        status = _request(port, path, {"instances": [INSTANCE]})[0]
        assert status in (400, 404), (path, status)
        assert _request(port, "/v1/models/taxi:predict", {"instances": [INSTANCE]})[0] == 200
    record_property("bad requests", len(cases) + 3)
    status, text, _ = _request(port, "/metrics")
    assert status == 200 and b'adapt_requests_total{code="400",endpoint="predict"}' in text


def test_the_contract_is_two_sided_optional_features_may_be_left_out(server):
    port, _ = server
    status, body = _json(_request(port, "/v1/models/taxi/metadata"))
    assert status == 200
    assert body["metadata"]["required_features"] == ["trip_miles"]
    assert body["metadata"]["optional_features"] == ["payment_type", "trip_start_hour"]
    status, body = _json(_request(port, "/v1/models/taxi:predict", {"instances": [{"trip_miles": 2.0}]}))
    assert status == 200 and len(body["predictions"]) == 1
    status, body = _json(_request(port, "/v1/models/taxi:predict", {"instances": [{**INSTANCE, "tip": 1}]}))
    assert status == 400 and "unknown feature 'tip'" in body["error"]


def test_a_batch_row_may_lack_a_required_value_a_request_may_not(models):
    """A label request scores a batch's rows as batch prediction does: the contract lets a column filled in the
    first span have gaps later, so only a request to the server must be whole."""
    from serving.model import LoadedModel
    model = LoadedModel.load(models[1], 1)
    with pytest.raises(RequestError, match="instance 0: missing required feature 'trip_miles'"):
        model.to_examples([{"payment_type": "Cash"}])
    assert len(model.to_examples([{"payment_type": "Cash"}, INSTANCE], require=False)) == 2


def test_an_output_the_model_cannot_compute_is_null_and_the_others_are_answered():
    from serving.predict import json_values
    # A request with NaN is refused (400); a model may still compute one (an overflow): null, not a 500 for all.
    assert json_values([[0.5], [float("nan")], [float("inf")], [1]]) == [[0.5], [None], [None], [1]]
    assert json_values([12.5, float("-inf")]) == [12.5, None]


def test_rollback_pin_switches_answers_and_a_newer_push_wins_again(server, models):
    port, base = server
    push(models, base, 2)
    wait_for_version(port, 2)
    _, newer = _json(_request(port, "/v1/models/taxi:predict", {"instances": [INSTANCE]}))
    versions.pin_version(base, 1)
    wait_for_version(port, 1)
    _, older = _json(_request(port, "/v1/models/taxi:predict", {"instances": [INSTANCE]}))
    assert older["predictions"][0][0] != pytest.approx(newer["predictions"][0][0])
    shutil.copytree(models[2], os.path.join(base, "3"))
    wait_for_version(port, 3)


def test_requests_on_one_kept_alive_connection_wait_for_no_delayed_ack(server):
    """Nagle's algorithm on the server's socket held every response after a connection's first for the client's
    delayed ACK (40 ms on Linux); the median of the later requests must stay within a few ms of the first's."""
    import http.client
    port, _ = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"instances": [INSTANCE]})
    took = []
    for _ in range(12):
        started = time.perf_counter()
        connection.request("POST", "/v1/models/taxi:predict", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("Connection", "keep-alive") != "close"
        response.read()
        took.append(time.perf_counter() - started)
    connection.close()
    later = sorted(took[2:])
    assert later[len(later) // 2] < min(took[:2]) + 0.015, [round(t * 1000, 1) for t in took]


def test_a_slow_client_holds_up_no_one_else(server):
    port, _ = server
    with socket.create_connection(("127.0.0.1", port), timeout=30) as slow:
        slow.sendall(b"POST /v1/models/taxi:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
        started = time.perf_counter()
        assert _request(port, "/v1/models/taxi:predict", {"instances": [INSTANCE]})[0] == 200
        assert time.perf_counter() - started < 10


def test_load_during_hot_reload_drops_nothing(server, models, record_property):
    port, base = server
    result = run_load(port, "taxi", {"instances": [INSTANCE]}, clients=20, requests_per_client=200,
                      during=lambda: (time.sleep(0.5), push(models, base, 2)))
    summary = result.summary()
    assert result.requests == 4000
    assert result.failures == [], result.failures[:5]
    assert set(result.versions) == {"1", "2"}, result.versions  # the reload happened under load
    record_property("requests", result.requests)
    record_property("failures", len(result.failures))
    print("load during hot reload:", summary)


def _concurrently(port, bodies):
    """[(status, body, headers)] of POSTing every body at once, one thread and connection each."""
    import threading
    answers = [None] * len(bodies)
    start = threading.Barrier(len(bodies))

    def client(index):
        start.wait()
        answers[index] = _request(port, "/v1/models/taxi:predict", bodies[index])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _batch_calls(port) -> float:
    _, text, _ = _request(port, "/metrics")
    return next(float(line.split()[1]) for line in text.decode().splitlines()
                if line.startswith("adapt_batch_rows_count"))


def test_concurrent_requests_of_different_sizes_share_model_calls_and_each_gets_its_own_rows(models, tmp_path):
    process, port, _ = start_server(models, tmp_path, "--batch-timeout-ms", "20", "--max-batch-size", "64")
    try:
        bodies = [{"instances": [{**INSTANCE, "trip_miles": 0.5 * i + k} for k in range(1 + i % 4)]}
                  for i in range(24)]
        alone = [_json(_request(port, "/v1/models/taxi:predict", body))[1]["predictions"] for body in bodies]
        calls = _batch_calls(port)
        answers = _concurrently(port, bodies)
        assert [status for status, _, _ in answers] == [200] * 24
        together = [json.loads(body)["predictions"] for _, body, _ in answers]
        for mine, expected in zip(together, alone):
            assert [row[0] for row in mine] == pytest.approx([row[0] for row in expected], abs=1e-6)
        assert _batch_calls(port) - calls < 24   # gathered: fewer model calls than requests
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_full_queue_answers_503_with_retry_after_and_every_other_request_is_served(models, tmp_path):
    process, port, _ = start_server(models, tmp_path, "--max-batch-size", "1", "--max-queued-rows", "1")
    try:
        body = {"instances": [INSTANCE] * 200}
        answers = _concurrently(port, [body] * 16)
        statuses = sorted(status for status, _, _ in answers)
        assert set(statuses) == {200, 503}, statuses
        for status, text, headers in answers:
            if status == 503:
                assert {k.lower(): v for k, v in headers.items()}["retry-after"] == "1" and "overloaded" in json.loads(text)["error"]
            else:
                assert len(json.loads(text)["predictions"]) == 200
        assert _request(port, "/v1/models/taxi:predict", {"instances": [INSTANCE]})[0] == 200   # room again
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_reason_of_a_graph_error_is_its_meaningful_line():
    from serving.model import tf_error_reason
    message = ("Graph execution error:\n\nDetected at node map/while/decode_image/DecodeImage defined at (most recent "
               "call last):\n<stack traces unavailable>\nUnknown image file format. One of JPEG, PNG, GIF, BMP "
               "required.\n\t [[{{node map/while/decode_image/DecodeImage}}]] [Op:__inference_serve_867]")
    assert tf_error_reason(message) == "Unknown image file format. One of JPEG, PNG, GIF, BMP required."
    assert tf_error_reason("Expected int64, got 'x'") == "Expected int64, got 'x'"


def test_folders_copied_in_by_hand_that_cannot_serve_leave_the_served_version_alone(models, tmp_path):
    process, port, base = start_server(models, tmp_path)
    try:
        half = os.path.join(base, "2")   # a copy cut short: its variables' data is not there
        shutil.copytree(models[2], half)
        for shard in os.listdir(os.path.join(half, "variables")):
            if shard.startswith("variables.data"):
                os.remove(os.path.join(half, "variables", shard))
        fake = os.path.join(base, "3")   # whole to the eye, but no model inside
        shutil.copytree(models[2], fake)
        with open(os.path.join(fake, "saved_model.pb"), "wb") as handle:
            handle.write(b"\x08\x01\x12\x05junk!")
        assert versions.broken_versions(base) == {2: "variables data shards are missing"}
        time.sleep(2.0)   # ten polls
        status, body = _json(_request(port, "/v1/models/taxi:predict", {"instances": [INSTANCE]}))
        assert status == 200
        assert _json(_request(port, "/v1/models/taxi"))[1]["model_version_status"][0]["version"] == "1"
        shutil.copytree(models[2], os.path.join(base, ".staging-4"))
        os.replace(os.path.join(base, ".staging-4"), os.path.join(base, "4"))
        wait_for_version(port, 4)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    failed = [line for line in output.splitlines() if "failed to load" in line]
    assert len(failed) == 1 and f"version 3 ({fake})" in failed[0] and "still serving version 1" in failed[0], output


def _predict_as(port, path, key=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps({"instances": [INSTANCE]}).encode(),
                                     headers={"Content-Type": "application/json",
                                              **({"X-Canary-Key": key} if key else {})})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.headers["X-Model-Version"], response.headers["X-Model-Label"]


def _wait_for_canary(port, version, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body = _json(_request(port, "/v1/models/taxi"))
        if status == 200 and str(version) in [s["version"] for s in body["model_version_status"]][1:]:
            return
        time.sleep(0.1)
    raise AssertionError(f"canary {version} never loaded")


def test_a_canary_takes_its_share_sticky_by_key_and_label_urls_reach_each_version(models, tmp_path):
    log = tmp_path / "log"
    process, port, base = start_server(models, tmp_path, "--log-predictions-dir", str(log))
    try:
        push(models, base, 2)
        wait_for_version(port, 2)
        versions.start_canary(base, 2, 0.5)  # 2 was just pushed: 1 stays stable, pinned
        wait_for_version(port, 1)
        _wait_for_canary(port, 2)
        routed = {key: _predict_as(port, "/v1/models/taxi:predict", key) for key in map(str, range(40))}
        assert {version for version, _ in routed.values()} == {"1", "2"}
        assert {label for version, label in routed.values() if version == "2"} == {"canary"}
        assert all(_predict_as(port, "/v1/models/taxi:predict", key) == routed[key] for key in map(str, range(10)))
        assert _predict_as(port, "/v1/models/taxi/labels/canary:predict") == ("2", "canary")
        assert _predict_as(port, "/v1/models/taxi/labels/stable:predict") == ("1", "stable")
        assert _request(port, "/v1/models/taxi/labels/blue:predict", {"instances": [INSTANCE]})[0] == 404

        versions.end_canary(base, promote=False)
        deadline = time.time() + 60
        while _json(_request(port, "/v1/models/taxi"))[1]["model_version_status"][1:] and time.time() < deadline:
            time.sleep(0.1)
        assert _predict_as(port, "/v1/models/taxi:predict", "0") == ("1", "stable")  # aborted: 1 answers all
        versions.start_canary(base, 2, 1.0, shadow=True)  # every request copied to 2, answered by 1
        _wait_for_canary(port, 2)
        assert {_predict_as(port, "/v1/models/taxi:predict", str(k)) for k in range(10)} == {("1", "stable")}
        time.sleep(1.0)
        versions.end_canary(base, promote=True)
        wait_for_version(port, 2)
        assert _request(port, "/v1/models/taxi/labels/canary:predict", {"instances": [INSTANCE]})[0] == 404
    finally:
        process.terminate()
        process.wait(timeout=30)
    from serving.prediction_log import read_log
    lines = read_log(str(log), 0, 4e9)
    shadows = [line for line in lines if line["label"] == "shadow"]
    assert len(shadows) == 10 and {line["version"] for line in shadows} == {2}
    stable = {line["request_id"]: line["prediction"] for line in lines if line["label"] == "stable"}
    assert all(line["request_id"] in stable and line["prediction"] != stable[line["request_id"]] for line in shadows)
