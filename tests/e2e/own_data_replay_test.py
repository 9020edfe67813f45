"""End to end: a user's own history replayed through the command line, from one folder into several workspaces.

A generated binary stream (tests/streams.py: a rotating hyperplane, string label, ids, timestamps, a constant
column) replayed with the triggered policy, then with the static one from the same folder: triggered ahead, both
workspaces' first batch scored alike by alike first models, the folder never written; then a batch on a
read-only mount evaluates, becomes a span and trains in the triggered workspace. Half of the triggered replay, made
in a workspace of its own, is backed up while `adapt serve` serves it and restored into another folder: it serves
the same answers, lists the same models, and replaying the rest there gives the uninterrupted replay's rows (issue
46). The triggered replay alerts a local
webhook (alerts.webhook) of its drift, retrains and pushes. Last, `adapt ui` on that workspace, clicked through in Debian's headless Chromium (tests/browser.py): one timeline point per batch
evaluation, a drifted feature's chart, a rollback from the Models page, no console error; a screenshot per page
stays in the test's temporary folder.

The replays are module fixtures, so that no test that first builds one exceeds the suite's time per test
(conftest.py): the triggered replay, then the two static ones (which need the triggered one to have run first),
and the restored half (whose second half is compared with the triggered replay's rows instead of replaying again).
"""
import json
import subprocess
import sys
import time
import urllib.request

import pytest

from core.workspace import Workspace
from tests.e2e.own_data_test import small_settings
from tests.helpers import Served, adapt_cli, folder_listing
from tests.streams import rotating_hyperplane_batches

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    return rotating_hyperplane_batches(tmp_path_factory.mktemp("stream"), batches=5, rows=300, degrees_per_batch=30)


def _replay(batches, workdir, policy, webhook=""):
    adapt_cli("init", "--data", batches / "batch-01", "--label", "churned", "--workdir", workdir)
    workspace = small_settings(workdir)
    if webhook:
        workspace.write_config(workspace.load_config().with_overrides({"alerts.webhook": webhook}))
    summary = json.loads(adapt_cli("replay", batches, "--workdir", workdir, "--policy", policy, "--json",
                                   timeout=1800))
    report = json.loads((workdir / "reports" / f"replay-{policy}.json").read_text())
    assert [row["batch"] for row in report] == ["batch-02", "batch-03", "batch-04", "batch-05"]
    assert (workdir / "reports" / f"replay-{policy}.md").exists() and (workdir / "reports" / f"replay-{policy}.png")
    return summary["summary"], report


@pytest.fixture(scope="module")
def hook():
    """The webhook the triggered replay alerts (alerts.webhook)."""
    from tests.webhook import Hook
    found = Hook()
    yield found
    found.close()


@pytest.fixture(scope="module")
def triggered(stream, hook, tmp_path_factory):
    """(root, the folder's listing before, summary and rows of the triggered replay from the folder)."""
    root, batches = tmp_path_factory.mktemp("replays"), stream[0].parent
    before = folder_listing(batches)
    return root, before, _replay(batches, root / "triggered", "triggered", webhook=hook.url)


@pytest.fixture(scope="module")
def statics(triggered, stream):
    """The static replay from the same folder after the triggered one."""
    root, batches = triggered[0], stream[0].parent
    return {"static": _replay(batches, root / "static", "static")}, folder_listing(batches)


def test_the_triggered_replay_retrains_and_pushes(triggered):
    _, _, (summary, rows) = triggered
    assert summary["retrains"] >= 2 and summary["pushes"] >= 1
    assert all(set(row) >= {"batch", "serving_version", "accuracy", "retrained", "reason", "train_seconds"}
               for row in rows)


def test_the_replay_alerts_its_drift_retrains_and_pushes_and_records_them(triggered, hook):
    _, _, (summary, rows) = triggered
    received = [message["event"] for message in hook.received]
    # the first model's push, then each batch's retrain and push
    assert received.count("retrain") == summary["retrains"] and received.count("push") == summary["pushes"] + 1
    assert received.count("drift") <= sum(1 for row in rows if row["drifted_features"])   # a concept drift here
    assert all(message["model"] and message["text"] for message in hook.received)
    alerted = [row for row in json.loads(adapt_cli("history", "--workdir", triggered[0] / "triggered", "--json"))
               if row["event"] == "alert"]
    assert len(alerted) == len(hook.received) and all(row["outcome"] == "sent" for row in alerted)


def test_one_folder_replays_into_two_workspaces_alike_and_is_never_written(triggered, statics):
    _, before, _ = triggered
    found, after = statics
    def first_row(rows):
        return {key: rows[0][key] for key in ("batch", "serving_version", "accuracy", "drifted_features")}
    # each workspace trained its first model on batch-01 and scored batch-02 with it: the triggered replay before
    # the static one left nothing behind that the static one read
    assert first_row(found["static"][1]) == first_row(triggered[2][1])
    assert after == before  # names, sizes and contents of every file of every batch folder


def test_on_a_drifting_stream_triggered_beats_static(triggered, statics):
    static, static_rows = statics[0]["static"]
    triggered_summary = triggered[2][0]
    assert static["retrains"] == 0 and all(row["serving_version"] == 1 for row in static_rows)
    assert triggered_summary["mean_accuracy"] > static["mean_accuracy"] + 0.05, (triggered_summary, static)


def _same(key, found, expected) -> bool:
    if key.endswith("_seconds"):
        return True
    if key.startswith("estimated_") and found is not None and expected is not None:
        # the calibration sorts its rows before its random splits (models/export.py, gradient_boosted.py), so the
        # estimate no longer follows the order TFX read the rows in; Transform's scaling still moves the features
        # in their last bits between two runs, and the estimate by up to 0.004 (CI once saw 0.057 before the sort)
        return found == pytest.approx(expected, abs=0.01)
    return found == expected


def _differences(rows, expected):
    """Where a replay's rows differ from the expected ones: [(batch, {key: (found, expected)})]."""
    return [(row["batch"], {key: (row.get(key), other.get(key)) for key in set(row) | set(other)
                            if not _same(key, row.get(key), other.get(key))})
            for row, other in zip(rows, expected)]


@pytest.fixture(scope="module")
def restored_half(stream, tmp_path_factory):
    """Half of the triggered replay (batch-02 and batch-03) in a workspace of its own, backed up while `adapt serve`
    serves it, restored into another folder: (its rows, the half, the restored, restore's output, the half's files
    after the backup)."""
    batches, root = stream[0].parent, tmp_path_factory.mktemp("restore")
    half, restored = root / "half", root / "elsewhere" / "restored"
    adapt_cli("init", "--data", batches / "batch-01", "--label", "churned", "--workdir", half)
    small_settings(half)
    first = json.loads(adapt_cli("replay", batches, "--workdir", half, "--policy", "triggered", "--limit", "2",
                                 "--json", timeout=1800))["batches"]
    with Served(half, "model"):
        adapt_cli("backup", "--workdir", half, "--output", root / "half.tar.gz")
        listed = folder_listing(half)
    printed = adapt_cli("restore", root / "half.tar.gz", "--workdir", restored)
    return first, half, restored, printed, listed


def test_a_restored_workspace_serves_the_same_version_and_lists_the_same_models(restored_half, tmp_path):
    _, half, restored, printed, _ = restored_half
    assert f"into {restored}: 3 span(s), model versions 1, 2, 3, serving version 3" in printed
    with Served(half, "model") as original, Served(restored, "model") as copy:
        assert copy.get("/v1/models/model") == original.get("/v1/models/model")
        instances = [{"x1": 0.1 * i, "x2": 0.9, "x3": 0.5, "x4": 0.2, "channel": "web", "region": i}
                     for i in range(5)]
        assert copy.predict(instances) == original.predict(instances)

    def models(workdir):
        return json.loads(adapt_cli("models", "list", "--workdir", workdir, "--json").replace(str(workdir), "WS"))
    assert models(restored) == models(half)
    with pytest.raises(AssertionError, match="is not empty"):
        adapt_cli("restore", restored.parent.parent / "half.tar.gz", "--workdir", restored)


def test_half_a_replay_restored_elsewhere_continues_as_the_uninterrupted_replay_and_leaves_the_original_alone(
        restored_half, triggered, stream):
    first, half, restored, _, listed = restored_half
    rest = json.loads(adapt_cli("replay", stream[0].parent, "--workdir", restored, "--policy", "triggered", "--json",
                                timeout=1800))["batches"]
    assert [row["batch"] for row in first + rest] == ["batch-02", "batch-03", "batch-04", "batch-05"]
    # every figure and decision, drift against the same baselines included
    assert [found for found in _differences(first + rest, triggered[2][1]) if found[1]] == []
    assert any(row["retrained"] for row in rest)   # the restored workspace trains and pushes as the original did
    assert folder_listing(half) == listed


def test_a_batch_on_a_read_only_mount_evaluates_becomes_a_span_and_trains(triggered, tmp_path):
    root = triggered[0]
    workdir = root / "triggered"
    source, mount = tmp_path / "source", tmp_path / "mounted"
    fresh = rotating_hyperplane_batches(source, batches=6, rows=300, degrees_per_batch=30)[-1]
    mount.mkdir()
    subprocess.run(["mount", "--bind", str(source), str(mount)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mount)], check=True)
        batch = mount / fresh.name
        with pytest.raises(OSError):
            (batch / "probe").write_text("x")
        listed = folder_listing(batch)
        workspace = Workspace.open(str(workdir))
        workspace.write_config(workspace.load_config().with_overrides({"retraining.policy": "periodic"}))
        outcome = json.loads(adapt_cli("evaluate-batch", batch, "--workdir", workdir, "--json", timeout=1800))
        assert outcome["span"] and outcome["triggered"] and outcome["training_outcome"].startswith("pushed"), outcome
        assert folder_listing(batch) == listed
        assert workspace.batch(str(batch), label="churned").is_processed()  # recorded in the workspace
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_the_dashboard_shows_the_replay_and_rolls_back_in_a_real_browser(triggered, tmp_path):
    from prometheus_client.parser import text_string_to_metric_families

    from tests.browser import Browser
    workdir = triggered[0] / "triggered"
    summary, rows = triggered[2]
    evaluations = len(list((workdir / "reports" / "logs").glob("evaluate-*.log")))   # one log per evaluation
    port_file = tmp_path / "port"
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "ui", "--workdir", str(workdir), "--port", "0",
                               "--port-file", str(port_file), "--allow-rollback"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while not port_file.exists():
            assert server.poll() is None and time.time() < deadline, server.stderr.read()
            time.sleep(0.1)
        url = f"http://127.0.0.1:{port_file.read_text()}"
        with Browser(tmp_path) as browser:
            started = time.perf_counter()
            browser.open(url + "/")
            assert time.perf_counter() - started < 2.0   # the overview of a workspace with a few runs
            assert browser.evaluate("document.querySelectorAll('svg.timeline a.point').length") == evaluations
            # pushes as the replay report counts them (the first model is none; the batch on a read-only mount may
            # have pushed once more); each point's hover names its batch, size, estimate and decision
            pushes = browser.evaluate("document.querySelectorAll('svg.timeline rect.marker[fill=\"#16a34a\"]').length")
            assert pushes >= summary["pushes"]
            assert f"pushes after the first model\n{pushes}" in browser.evaluate("document.body.innerText")
            titles = browser.evaluate("[...document.querySelectorAll('svg.timeline a.point > title')]"
                                      ".map(t => t.textContent)")
            assert all(f"{row['batch']}, 300 rows" in title and "estimate" in title for row, title in
                       zip(rows, titles)), titles
            assert browser.evaluate("document.querySelectorAll('svg.timeline line.reference').length") >= len(rows)
            browser.screenshot(tmp_path / "overview.png")
            batches = browser.evaluate(
                "[...document.querySelectorAll('svg.timeline a.point')].map(a => a.dataset.batch)")
            browser.open(url + "/batches")
            assert "data quality" in browser.evaluate("document.querySelector('table thead').innerText")
            browser.screenshot(tmp_path / "batches.png")
            browser.open(url + "/")
            browser.click(f"svg.timeline a.point[data-batch='{batches[-1]}']")   # the latest batch's point
            assert browser.evaluate("location.pathname") == f"/batches/{batches[-1]}"
            assert "p adjusted (decides)" in browser.evaluate("document.body.innerText")   # the p-values that decided
            first = "table a[href*='feature=']"   # the drift table lists drifted features first
            feature = browser.evaluate(f"document.querySelector({json.dumps(first)}).textContent")
            browser.click(first)
            assert browser.evaluate("document.querySelectorAll('svg.distribution rect.batch').length") >= 2
            assert feature in browser.evaluate("document.body.innerText")
            browser.screenshot(tmp_path / "batch.png")
            browser.open(url + "/models")
            version = browser.evaluate("document.querySelector('form input[name=version]').value")
            browser.evaluate("document.querySelector('form input[name=reason]').value = 'checked in the browser'")
            browser.click("form button")
            assert f"to {version}: checked in the browser" in browser.evaluate("document.querySelector('.note').innerText")
            browser.screenshot(tmp_path / "models.png")
            for page in ("data", "runs", "policies"):
                browser.open(f"{url}/{page}")
                browser.screenshot(tmp_path / f"{page}.png")
                if page == "runs":   # every evaluation links its own log, the one that names its batch
                    linked = browser.evaluate("[...document.querySelectorAll('a[href^=\"/logs/evaluate-\"]')]"
                                              ".map(a => a.textContent + ' ' + a.closest('tr').cells[2].innerText)")
                    assert len({text.split()[0] for text in linked}) == len(linked) == evaluations, linked
                    assert all(text.split()[0].startswith(f"evaluate-{text.split()[1]}-") for text in linked), linked
            assert browser.errors == []
        with urllib.request.urlopen(url + "/metrics", timeout=30) as answer:
            found = {f.name: f for f in text_string_to_metric_families(answer.read().decode())}
        assert found["adapt_pushes"].samples[0].value == pushes and found["adapt_retrains"].samples[0].value >= \
            summary["retrains"]
        measured = [s.labels["batch"] for s in found["adapt_batch_metric"].samples]
        assert len(measured) == evaluations and {r["batch"] for r in rows} <= set(measured)
    finally:
        server.terminate()
        server.wait(timeout=30)
    listed = {row["version"]: row["stage"] for row in json.loads(adapt_cli("models", "list", "--workdir", workdir,
                                                                          "--json"))}
    assert listed[int(version)] == "production"
    rollback = [row for row in json.loads(adapt_cli("history", "--workdir", workdir, "--json"))
                if row["event"] == "rollback"][-1]
    assert rollback["reason"] == "checked in the browser" and rollback["production_version"] == int(version)
