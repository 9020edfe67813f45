"""Faults injected into real processes: each command is SIGKILLed at a named point where it writes (core/faults.py),
then run again. After every kill: the rerun completes, each batch is at most one span, no half span or model
folder is visible, the served version is the old or the new one, and the registry and the history still read.
"""
import json
import os
import signal
import subprocess
import sys

import pytest

from core import versions
from core.data import spans
from core.workspace import Workspace
from tests.helpers import adapt_cli
from tests.reliability.serving_workspace import assert_batch_folders_unchanged, serving_workspace_with_waiting_batches

pytestmark = pytest.mark.e2e

def killed_at(point: str, *args, workdir) -> subprocess.CompletedProcess:
    """Runs `adapt ARGS` with the fault point armed; the process (or its training child) dies there."""
    env = {**os.environ, "ADAPT_FAULT_AT": point}
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args), "--workdir", str(workdir)],
                          capture_output=True, text=True, timeout=900, env=env)


def consistent(workspace: Workspace, base: str) -> None:
    """What must hold after any crash."""
    batches = [spans.read_source(workspace.data, n).get("batch") for n in spans.list_spans(workspace.data)]
    assert len(batches) == len(set(batches)), f"a batch became two spans: {batches}"
    for number in spans.list_spans(workspace.data):
        folder = spans.span_dir(workspace.data, number)
        assert (folder / spans.SOURCE_FILE).exists() and (folder / "train" / "data.csv").exists(), folder
    for version in versions.list_versions(base):  # every visible version is whole (saved_model.pb is checked there)
        assert os.path.isdir(os.path.join(versions.version_path(base, version), "variables")), version
    assert versions.production_version(base) in versions.list_versions(base)
    adapt_cli("models", "list", "--workdir", workspace.root)
    adapt_cli("history", "--workdir", workspace.root)
    assert_batch_folders_unchanged(workspace)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return serving_workspace_with_waiting_batches(tmp_path_factory, "faults")


def recovered(record_property, workspace: Workspace, point: str, killed: subprocess.CompletedProcess) -> None:
    """Records the kill and the state after the rerun, for benchmarks/reliability.py's table."""
    base = _base(workspace)
    record_property("killed at", point)
    record_property("exit of the killed run", killed.returncode)
    record_property("spans after the rerun", len(spans.list_spans(workspace.data)))
    record_property("serving after the rerun", versions.production_version(base))


def _base(workspace):
    return workspace.serving_model_dir(workspace.load_config())


def test_killed_while_the_span_is_staged_leaves_no_span_and_the_rerun_makes_one(workspace, record_property):
    before = spans.list_spans(workspace.data)
    result = killed_at("span-staged", "evaluate-batch", "batch-02", workdir=workspace.root)
    assert result.returncode == -signal.SIGKILL
    assert spans.list_spans(workspace.data) == before and spans.span_for_batch(workspace.data, "batch-02") is None
    consistent(workspace, _base(workspace))
    rerun = json.loads(adapt_cli("evaluate-batch", "batch-02", "--workdir", workspace.root, "--json"))
    assert rerun["span"] == spans.span_for_batch(workspace.data, "batch-02") and rerun["triggered"]
    consistent(workspace, _base(workspace))
    recovered(record_property, workspace, "span-staged", result)


def test_killed_in_the_trainer_the_decision_survives_and_the_next_tick_trains(workspace, record_property):
    base = _base(workspace)
    serving = versions.production_version(base)
    result = killed_at("trainer", "evaluate-batch", "batch-03", workdir=workspace.root)
    assert result.returncode == 1 and "training failed" in result.stderr.strip().splitlines()[-1]
    span = spans.span_for_batch(workspace.data, "batch-03")
    assert span and versions.production_version(base) == serving
    state = workspace.batch(str(workspace.incoming / "batch-03")).state()
    assert state["retrain"] and state["trained"] is False
    consistent(workspace, base)
    tick = json.loads(adapt_cli("watch", "--once", "--json", "--max-batches", "1", "--workdir", workspace.root))
    assert [s["batch"] for s in tick["started"]] == ["batch-03"], tick
    assert spans.span_for_batch(workspace.data, "batch-03") == span  # the same span, not a second one
    assert workspace.batch(str(workspace.incoming / "batch-03")).state()["trained"] is True
    consistent(workspace, base)
    recovered(record_property, workspace, "trainer", result)


def test_killed_while_the_pusher_copies_the_model_the_served_version_stays_whole(workspace, record_property):
    base = _base(workspace)
    versions_before = versions.list_versions(base)
    result = killed_at("push-staged", "evaluate-batch", "batch-04", workdir=workspace.root)
    assert result.returncode == 1
    assert versions.list_versions(base) == versions_before  # a hidden staging folder is no version
    consistent(workspace, base)
    adapt_cli("watch", "--once", "--max-batches", "1", "--workdir", workspace.root)
    assert len(versions.list_versions(base)) == len(versions_before) + 1
    consistent(workspace, base)
    recovered(record_property, workspace, "push-staged", result)


def test_killed_while_the_batch_state_or_the_claim_is_written_the_batch_is_redone_once(workspace, record_property):
    for point, batch in (("adapt-state.json-staged", "batch-05"), ("adapt-claim.json-staged", "batch-06")):
        result = killed_at(point, "evaluate-batch", batch, workdir=workspace.root)
        assert result.returncode == -signal.SIGKILL, (point, result.stderr[-500:])
        consistent(workspace, _base(workspace))
        adapt_cli("evaluate-batch", batch, "--workdir", workspace.root)
        assert spans.span_for_batch(workspace.data, batch)
        assert workspace.batch(str(workspace.incoming / batch)).is_processed()
        consistent(workspace, _base(workspace))
    recovered(record_property, workspace, "adapt-state.json-staged, adapt-claim.json-staged", result)


def test_killed_while_the_rollback_pin_is_written_the_old_version_keeps_serving(workspace, record_property):
    base = _base(workspace)
    serving = versions.production_version(base)
    result = killed_at("pin-staged", "models", "rollback", "1", workdir=workspace.root)
    assert result.returncode == -signal.SIGKILL
    assert versions.production_version(base) == serving
    adapt_cli("models", "rollback", "1", "--workdir", workspace.root)
    assert versions.production_version(base) == 1
    consistent(workspace, base)
    recovered(record_property, workspace, "pin-staged", result)
