"""A full disk under real `adapt` commands: the workspace lives on a small tmpfs this module mounts (and unmounts
in every case), and the disk is filled at a named point of the command (core/faults.py: ADAPT_FILL_DISK_AT), so
the writes after it meet ENOSPC. Each time: one line saying the disk is full and where, exit 1, no half span, no
half version, the served version whole and unchanged, the batch folders untouched; once the filler is removed,
the rerun completes with one span per batch. The model server's prediction log drops lines while the disk is full,
in one logged line, answers every request, and writes again once there is space.
"""
import csv
import json
import os
import subprocess
import sys
import time

import pytest

from core import versions
from core.data import spans
from core.data.examples import csv_row_to_instance
from core.workspace import Workspace
from tests.helpers import Served, adapt_cli
from tests.reliability.faults_test import consistent
from tests.reliability.serving_workspace import serving_workspace_with_waiting_batches

pytestmark = pytest.mark.e2e

DISK_MB = 400


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory):
    mount = tmp_path_factory.mktemp("small-disk")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(mount)],
                             capture_output=True, text=True)
    assert mounted.returncode == 0, f"cannot mount a tmpfs (the disk-full tests need root): {mounted.stderr}"
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture(scope="module")
def workspace(small_disk, tmp_path_factory) -> Workspace:
    return serving_workspace_with_waiting_batches(tmp_path_factory, "disk-full", root=small_disk / "home")


def filled_at(point: str, disk, *args, workdir) -> subprocess.CompletedProcess:
    """Runs `adapt ARGS` with the disk filled when the command (or its training child) reaches `point`."""
    env = {**os.environ, "ADAPT_FILL_DISK_AT": point, "ADAPT_FILL_DISK_FILE": str(disk / "filler")}
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args), "--workdir", str(workdir)],
                          capture_output=True, text=True, timeout=900, env=env)


def said_disk_full(result: subprocess.CompletedProcess) -> str:
    """The command's one error line, which says the disk is full; no traceback reached the user."""
    assert result.returncode == 1, (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("adapt: error: ")]
    assert len(errors) == 1 and "the disk is full: no space left on" in errors[0], result.stderr[-3000:]
    return errors[0]


def recorded(record_property, stage: str, line: str) -> None:
    """What the test injected and what the command said, for benchmarks/reliability.py's table."""
    record_property("fault", "disk full")
    record_property("stage", stage)
    record_property("said", line[len("adapt: error: "):])


def free_space(disk) -> None:
    os.remove(disk / "filler")


def leftovers(workspace: Workspace, base: str):
    return [p.name for p in workspace.data.glob(".span-staging.*")] + \
           [name for name in os.listdir(base) if name.startswith(".push-")]


def test_a_full_disk_while_a_batch_becomes_a_span(workspace, small_disk, record_property):
    base = workspace.serving_model_dir(workspace.load_config())
    spans_before, serving = spans.list_spans(workspace.data), versions.production_version(base)
    result = filled_at("span-writing", small_disk, "evaluate-batch", "batch-02", workdir=workspace.root)
    line = said_disk_full(result)
    assert f"no space left on {small_disk} (" in line, line  # where: the filesystem the workspace is on
    assert spans.list_spans(workspace.data) == spans_before and not leftovers(workspace, base)
    assert versions.production_version(base) == serving
    free_space(small_disk)
    consistent(workspace, base)
    rerun = json.loads(adapt_cli("evaluate-batch", "batch-02", "--workdir", workspace.root, "--json"))
    assert rerun["span"] == spans.span_for_batch(workspace.data, "batch-02") == max(spans_before) + 1
    consistent(workspace, base)
    recorded(record_property, "a batch becomes a span", line)


def test_a_full_disk_while_the_pusher_copies_the_model(workspace, small_disk, record_property):
    base = workspace.serving_model_dir(workspace.load_config())
    versions_before, serving = versions.list_versions(base), versions.production_version(base)
    result = filled_at("push-copying", small_disk, "evaluate-batch", "batch-03", workdir=workspace.root)
    line = said_disk_full(result)  # the training's, or the metadata store's where the batch's outcome goes
    assert versions.list_versions(base) == versions_before and versions.production_version(base) == serving
    assert not leftovers(workspace, base)  # the half copy is gone, not only hidden
    free_space(small_disk)
    consistent(workspace, base)
    adapt_cli("watch", "--once", "--max-batches", "1", "--workdir", workspace.root)
    assert spans.span_for_batch(workspace.data, "batch-03") and len(versions.list_versions(base)) == \
        len(versions_before) + 1
    consistent(workspace, base)
    recorded(record_property, "the Pusher copies a model", line)


def test_a_full_disk_while_ml_metadata_is_written(workspace, small_disk, record_property):
    base = workspace.serving_model_dir(workspace.load_config())
    spans_before, serving = spans.list_spans(workspace.data), versions.production_version(base)
    result = filled_at("metadata-writing", small_disk, "evaluate-batch", "batch-04", workdir=workspace.root)
    line = said_disk_full(result)
    assert spans.list_spans(workspace.data) == spans_before and versions.production_version(base) == serving
    free_space(small_disk)
    consistent(workspace, base)
    adapt_cli("evaluate-batch", "batch-04", "--workdir", workspace.root)
    assert spans.span_for_batch(workspace.data, "batch-04") == max(spans_before) + 1
    assert workspace.batch(str(workspace.incoming / "batch-04")).is_processed()
    consistent(workspace, base)
    recorded(record_property, "ML Metadata's SQLite store is written", line)


def test_a_full_disk_under_the_prediction_log_drops_lines_never_answers(workspace, small_disk, monkeypatch,
                                                                        record_property):
    config = workspace.load_config()
    workspace.write_config(config.with_overrides({"serving.log_predictions": True}))
    monkeypatch.setenv("ADAPT_FILL_DISK_AT", "prediction-log-writing")
    monkeypatch.setenv("ADAPT_FILL_DISK_FILE", str(small_disk / "filler"))
    with open(workspace.incoming / "batch-05" / "data.csv") as handle:
        rows = list(csv.reader(handle))
    header, rows = rows[0], rows[1:]
    try:
        with Served(workspace.root, config.model.name) as served:
            types = served.get(f"/v1/models/{config.model.name}/metadata")["metadata"]["raw_features"]
            instances = [csv_row_to_instance(header, row, types) for row in rows[:40]]
            answered = [served.predict([instance]) for instance in instances[:20]]  # the disk fills at the first
            assert len(answered) == 20 and (small_disk / "filler").exists()
            folder = workspace.root / "predictions" / config.model.name
            deadline = time.time() + 30
            while "adapt_prediction_log_dropped_lines 0.0" in _metrics(served):
                assert time.time() < deadline, "no line was dropped"
                time.sleep(0.1)
            free_space(small_disk)
            monkeypatch.delenv("ADAPT_FILL_DISK_AT")
            answered += [served.predict([instance]) for instance in instances[20:]]
            deadline = time.time() + 30
            while len(_logged(folder)) < 20:  # the ones answered after the space came back
                assert time.time() < deadline, f"the log was not written again: {len(_logged(folder))} lines"
                time.sleep(0.1)
            dropped = float(next(line.split()[1] for line in _metrics(served).splitlines()
                                 if line.startswith("adapt_prediction_log_dropped_lines ")))
        stderr = served.process.stderr.read()
    finally:
        workspace.write_config(config)
    assert len(answered) == 40 and all(len(p) == 1 for p in answered)
    assert dropped >= 1 and len(_logged(folder)) + dropped >= 40
    full = [line for line in stderr.splitlines() if "No space left on device" in line]
    assert len(full) == 1 and str(folder) in full[0], stderr[-3000:]  # one line for the whole streak
    assert "written again" in stderr
    record_property("fault", "disk full")
    record_property("stage", "the prediction log is written")
    record_property("said", full[0].split(" ", 3)[-1])


def _metrics(served) -> str:
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{served.port}/metrics", timeout=30) as response:
        return response.read().decode()


def _logged(folder):
    """Every whole line of the prediction log (a line the full disk cut is the last of its file)."""
    found = []
    for path in sorted(folder.glob("predictions-*.jsonl")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            try:
                found.append(json.loads(line))
            except ValueError:
                assert number == len(lines) - 1, f"{path} line {number + 1} is cut and not the last"
    return found
