"""`adapt ui` fuzzed (Schemathesis, bounded) on the shared served workspace (two versions, two evaluated batches),
and its pages and /metrics read there in process (FastAPI's TestClient): each run links its own log, the drift
table shows the adjusted p-value that decided, /metrics parses as Prometheus' text format with the batches' figures.

The dashboard is started as a user starts it, with a token ($ADAPT_UI_TOKEN) and `--allow-rollback`, and every
operation of its OpenAPI document gets generated requests, valid and invalid; valid ones name the workspace's real
batches, features and logs half of the time, so the pages with data are reached too. No request gets a 5xx, every
refusal is one line of text, every page is the dashboard's HTML, and the server's log holds no traceback. The
document is the app's own (FastAPI builds it from the routes; the dashboard does not serve it).
"""
import os
import re
import subprocess
import sys
import time

import pytest
import schemathesis
from google.protobuf import text_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from tensorflow_metadata.proto.v0 import schema_pb2

from pipeline.ui.app import create_app

pytestmark = pytest.mark.e2e

EXAMPLES = 30  # per operation and mode: 9 operations x 2 modes, about 40 s in all
TOKEN = "fuzzed-dashboard"


def start_dashboard(workspace, folder):
    """`adapt ui --allow-rollback` with a token, as a user starts it: (process, url) once it listens."""
    port_file = folder / "port"
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "ui", "--workdir", str(workspace.root),
                               "--port", "0", "--port-file", str(port_file), "--allow-rollback"],
                              env={**os.environ, "ADAPT_UI_TOKEN": TOKEN},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not port_file.exists():
        assert server.poll() is None and time.time() < deadline, server.stderr.read()
        time.sleep(0.1)
    return server, f"http://127.0.0.1:{port_file.read_text()}"


def real_values(workspace):
    """{path or query parameter: values the workspace really has}."""
    schema = text_format.Parse(workspace.schema_file.read_text(), schema_pb2.Schema())
    return {"batches": sorted(path.name for path in workspace.incoming.iterdir() if path.is_dir()),
            "logs": sorted(path.name for path in (workspace.reports / "logs").iterdir()),
            "features": [feature.name for feature in schema.feature]}


def with_real_values(operation, strategy, values):
    """Half of the generated valid requests name what the workspace has (a batch and one of its features, a log,
    a version, pushed or not), so the pages are drawn from data and not only from 'no such batch'."""
    def substitute(drawn):
        case, real = drawn
        if real is not None:
            if operation.path == "/batches/{name}":
                case.path_parameters = {"name": real["batch"]}
                case.query = {**(case.query or {}), "feature": real["feature"]}
            elif operation.path == "/logs/{name}":
                case.path_parameters = {"name": real["log"]}
            elif operation.path == "/models":
                case.query = {**(case.query or {}), "a": real["a"], "b": real["b"]}
        return case

    real = st.fixed_dictionaries({"batch": st.sampled_from(values["batches"]),
                                  "feature": st.sampled_from(values["features"]),
                                  "log": st.sampled_from(values["logs"]),
                                  "a": st.integers(-1, 4), "b": st.integers(-1, 4)})
    return st.tuples(strategy, st.none() | real).map(substitute)


def check_answer(case, response):
    where = (case.as_curl_command(), response.status_code, response.text[:300])
    assert response.status_code < 500, where
    kind = (response.headers.get("content-type") or [""])[0]   # Schemathesis keeps every value of a header
    if response.status_code >= 400:
        assert kind.startswith("text/plain"), where
        assert response.text.strip() and "\n" not in response.text.strip() and "Traceback" not in response.text, where
    elif kind.startswith("text/html"):
        assert "<header><b>adapt</b>" in response.text and response.text.endswith("</html>"), where


def test_generated_requests_get_no_5xx_every_refusal_is_one_line_and_the_server_logs_no_traceback(
        served_workspace, tmp_path, record_property):
    api = schemathesis.openapi.from_dict(create_app(served_workspace, allow_rollback=True).openapi())
    operations = [result.ok() for result in api.get_all_operations()]
    assert {operation.label for operation in operations} >= {
        "GET /", "GET /batches", "GET /batches/{name}", "GET /models", "POST /models/rollback", "GET /data",
        "GET /runs", "GET /logs/{name}", "GET /healthz"}
    values = real_values(served_workspace)
    assert values["batches"] and values["logs"] and values["features"], values
    statuses, pages_with_data = {}, set()
    server, url = start_dashboard(served_workspace, tmp_path)
    try:
        fuzz(operations, values, url, statuses, pages_with_data)
    finally:
        server.terminate()
        server_log = server.communicate(timeout=30)[1]
    sent = sum(statuses.values())
    record_property("requests", sent)
    record_property("statuses", " ".join(f"{code}: {count}" for code, count in sorted(statuses.items())))
    assert "Traceback" not in server_log and "Exception in ASGI application" not in server_log, server_log[-3000:]
    assert sent >= len(operations) * 10 and {200, 400, 403, 404} <= set(statuses), statuses
    assert {"/", "/batches/{name}"} <= pages_with_data, pages_with_data


def fuzz(operations, values, url, statuses, pages_with_data):
    """Every operation, valid then invalid requests; counts the answers' statuses and the pages drawn with data."""
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            if mode == GenerationMode.POSITIVE:
                strategy = with_real_values(operation, strategy, values)

            @given(case=strategy)
            @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def probe(case):
                response = case.call(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60,
                                     allow_redirects=False)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                check_answer(case, response)
                if response.status_code == 200 and "svg" in response.text:
                    pages_with_data.add(operation.path)

            try:
                probe()
            except Unsatisfiable:  # an operation with no parameter and no body has no invalid request to make
                assert mode == GenerationMode.NEGATIVE, operation.label


def test_each_run_links_its_own_log_and_names_its_batch(served_workspace, served_batches):
    from fastapi.testclient import TestClient

    from pipeline.definitions import names
    from pipeline.ui.views import Views
    runs = Views(served_workspace, served_workspace.load_config()).runs()
    evaluations = [run for run in runs if run["pipeline"] == names.BATCH_EVALUATION_PIPELINE]
    assert sorted(run["batch"] for run in evaluations) == sorted(served_batches)
    assert all(run["log"].startswith(f"evaluate-{run['batch']}-") for run in evaluations), evaluations
    trainings = [run for run in runs if run["pipeline"] == names.TRAINING_PIPELINE]
    assert {run["spans"] for run in trainings} == {"1-1", "1-2"} and all(run["log"] for run in trainings)
    client = TestClient(create_app(served_workspace))
    page = client.get("/runs").text
    for run in evaluations + trainings:
        assert run["run_id"] in client.get(f"/logs/{run['log']}").text   # the log TFX wrote for this very run
        assert page.count(f'href="/logs/{run["log"]}"') == sum(1 for other in runs if other["log"] == run["log"])


def test_the_batch_page_shows_the_adjusted_p_values_that_decided(served_workspace, served_batches):
    from fastapi.testclient import TestClient

    from pipeline.definitions import names
    from pipeline.ui.batch_pages import p_text
    client = TestClient(create_app(served_workspace))
    for batch, outcome in served_batches.items():
        page = client.get(f"/batches/{batch}").text
        deciding, _, moved = page.partition("Moved but not used by the model")
        features = [f for f in outcome.reports[names.DRIFT_DETECTOR]["features"] if f.get("p_value") is not None]
        for feature in features:
            shown = deciding if feature["decides"] else moved
            assert f">{feature['feature']}</a>" in shown, feature["feature"]
            assert f"<b>{p_text(feature['adjusted_p_value'])}</b>" in shown, feature
        assert "Data quality" in page and f"<td>{outcome.reports[names.FILE_LIST_GEN]['num_instances']}</td>" in page
        # the numeric columns' ranges come from the serving model's spans' statistics
        assert re.search(r'<th scope="row">out of range</th><td>(none of [1-9]|[a-z_]+ [0-9.]+%)', page), page


def test_metrics_parse_as_prometheus_text_with_each_evaluations_figures(served_workspace, served_batches):
    from fastapi.testclient import TestClient
    from prometheus_client.parser import text_string_to_metric_families
    answer = TestClient(create_app(served_workspace)).get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = {family.name: family for family in text_string_to_metric_families(answer.text)}
    assert {"adapt_batch_metric", "adapt_batch_estimated_metric", "adapt_batch_estimate_band_low",
            "adapt_batch_estimate_band_high", "adapt_batch_drifted", "adapt_batch_deciding_features_drifted",
            "adapt_batch_rows", "adapt_retrains", "adapt_pushes", "adapt_declines"} <= set(found)
    assert found["adapt_pushes"].type == "counter" and found["adapt_pushes"].samples[0].value == 1   # v2 after v1
    for batch, outcome in served_batches.items():
        def value(name):
            [sample] = [s for s in found[name].samples if s.labels["batch"] == batch]
            assert sample.labels["model"] == "taxi" and sample.labels["serving_version"] == "2"
            return sample.value
        assert value("adapt_batch_metric") == outcome.metrics["accuracy"]
        assert value("adapt_batch_estimated_metric") == outcome.estimated["accuracy"]
        assert value("adapt_batch_drifted") == int(outcome.drifted)
        assert value("adapt_batch_deciding_features_drifted") == len(outcome.drifted_features)


def test_without_economics_a_label_budget_or_a_search_no_price_partial_figure_or_hyperparameters_show(
        served_workspace):
    """The served workspace prices nothing, labels its batches whole and never searched: the pages read its real
    reports and Model artifacts (pipeline/ui/views.py) and show none of those columns (under 1 s)."""
    from fastapi.testclient import TestClient
    client = TestClient(create_app(served_workspace))
    batches, models, overview = (client.get(path).text for path in ("/batches", "/models", "/"))
    assert all("expected gain" not in page and "<th>verdict</th>" not in page for page in (batches, overview))
    # (the page style names .partial on every page: the marks and words are what must be absent)
    assert 'class="partial"' not in batches + overview and "from some labeled rows" not in overview + batches
    assert ">hyperparameters</th>" not in models
    assert "adapt_batch_labeled_rows{" not in client.get("/metrics").text


def test_two_models_scored_on_the_newer_ones_holdout_as_the_evaluator_scored_them_or_not_ranked(
        served_workspace, monkeypatch):
    """The dashboard's re-scoring (a child process, as `adapt ui` runs it) of v2 and v1 on v2's holdout gives the
    figures v2's Evaluator recorded for the pair on those rows; it is cached; a holdout whose files are gone is said."""
    import shutil

    from pipeline.lineage import registry
    from pipeline.ui import comparisons
    rows = {row["version"]: row for row in registry.list_models(served_workspace, served_workspace.load_config())}
    newer, older = rows[2], rows[1]
    try:
        found = comparisons.on_newer_holdout(served_workspace, newer, older)
        assert found.ranked and (found.newer, found.older) == ("v2", "v1"), found
        assert found.holdout == newer["holdout"] and found.rows == newer["holdout"]["rows"]
        # the registry holds the Evaluator's figures to 4 places
        assert found.metrics["v2"]["accuracy"] == pytest.approx(newer["metrics"]["accuracy"], abs=5e-5)
        assert found.metrics["v1"]["accuracy"] == pytest.approx(newer["baseline_metrics"]["accuracy"], abs=5e-5)
        assert comparisons.on_newer_holdout(served_workspace, newer, older, rescore=False) == found   # cached
        monkeypatch.setattr(comparisons, "holdout_files", lambda meta, model_id: [])
        gone = comparisons.score(served_workspace, newer["model_id"], older["model_id"])
        assert not gone.ranked and gone.problem == "the holdout files of v2 are gone"
    finally:
        shutil.rmtree(served_workspace.reports / comparisons.COMPARISONS_FOLDER, ignore_errors=True)
