"""End to end: a user's own history replayed through the command line, from one folder into several workspaces.

A generated binary stream (tests/streams.py: a rotating hyperplane, string label, ids, timestamps, a constant
column) replayed with the triggered policy, then with the static one from the same folder and from a copy of
it: triggered ahead, the static rows those of the copy's replay, the folder never written; then a batch on a
read-only mount evaluates, becomes a span and trains in the triggered workspace.

The replays are two module fixtures, so that neither test that first builds one exceeds the suite's time per test
(conftest.py): the triggered replay, then the two static ones (which need the triggered one to have run first).
"""
import json
import shutil
import subprocess

import pytest

from core.workspace import Workspace
from tests.e2e.own_data_test import small_settings
from tests.helpers import adapt_cli, folder_listing
from tests.streams import rotating_hyperplane_batches

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    return rotating_hyperplane_batches(tmp_path_factory.mktemp("stream"), batches=5, rows=300, degrees_per_batch=30)


def _replay(batches, workdir, policy):
    adapt_cli("init", "--data", batches / "batch-01", "--label", "churned", "--workdir", workdir)
    small_settings(workdir)
    summary = json.loads(adapt_cli("replay", batches, "--workdir", workdir, "--policy", policy, "--json",
                                   timeout=1800))
    report = json.loads((workdir / "reports" / f"replay-{policy}.json").read_text())
    assert [row["batch"] for row in report] == ["batch-02", "batch-03", "batch-04", "batch-05"]
    assert (workdir / "reports" / f"replay-{policy}.md").exists() and (workdir / "reports" / f"replay-{policy}.png")
    return summary["summary"], report


@pytest.fixture(scope="module")
def triggered(stream, tmp_path_factory):
    """(root, the folder's listing before, summary and rows of the triggered replay from the folder)."""
    root, batches = tmp_path_factory.mktemp("replays"), stream[0].parent
    before = folder_listing(batches)
    shutil.copytree(batches, root / "copy")
    return root, before, _replay(batches, root / "triggered", "triggered")


@pytest.fixture(scope="module")
def statics(triggered, stream):
    """The static replays after the triggered one: from the same folder, and from the copy made before it."""
    root, batches = triggered[0], stream[0].parent
    return {"static": _replay(batches, root / "static", "static"),
            "static from a copy": _replay(root / "copy", root / "static-copy", "static")}, folder_listing(batches)


def test_the_triggered_replay_retrains_and_pushes(triggered):
    _, _, (summary, rows) = triggered
    assert summary["retrains"] >= 2 and summary["pushes"] >= 1
    assert all(set(row) >= {"batch", "serving_version", "accuracy", "retrained", "reason", "train_seconds"}
               for row in rows)


def test_one_folder_replays_into_two_workspaces_as_two_copies_would_and_is_never_written(triggered, statics):
    _, before, _ = triggered
    found, after = statics
    def rows(name):
        return [(r["batch"], r["serving_version"], r["accuracy"], r["retrained"]) for r in found[name][1]]
    assert rows("static") == rows("static from a copy")  # the triggered replay before it left nothing behind
    assert after == before  # names, sizes and contents of every file of every batch folder


def test_on_a_drifting_stream_triggered_beats_static(triggered, statics):
    static, static_rows = statics[0]["static"]
    triggered_summary = triggered[2][0]
    assert static["retrains"] == 0 and all(row["serving_version"] == 1 for row in static_rows)
    assert triggered_summary["mean_accuracy"] > static["mean_accuracy"] + 0.05, (triggered_summary, static)


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
