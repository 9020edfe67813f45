"""Unit tests of the trigger logic: schedules, readiness and claims, and the idle watcher (no TensorFlow)."""
import os
import signal
import subprocess
import sys
import time

import pytest

from core.config import Config
from pathlib import Path

from core.data.batch import CLAIM_FILE, Batch, BatchRecords
from pipeline.triggers import new_data
from pipeline.triggers.schedule import Schedule, ScheduleError, parse_interval
from tests.helpers import write_csv

CONFIG = Config.from_dict({"data": {"min_batch_instances": 3}})


def make_batch(root, name, rows, age_seconds, labeled=True):
    header = ["fare", "payment_type", "big_tipper"] if labeled else ["fare", "payment_type"]
    data = [[f"{i}.5", "Cash", str(i % 2)][:len(header)] for i in range(rows)]
    path = write_csv(root / name / "data.csv", header, data)
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return Batch(str(root / name), label="big_tipper", records=records_of(root))


def records_of(root):
    """A workspace's records for batches in its incoming/, else a private folder beside the batches."""
    return BatchRecords.beside(str(root.parent / "data")) if root.name == "incoming" else \
        BatchRecords(str(root / ".records"))


def test_intervals_and_cron():
    assert parse_interval("15m") == 900 and parse_interval("2h") == 7200 and parse_interval("90") == 90
    for bad in ("", "0m", "fifteen", "5w"):
        with pytest.raises(ScheduleError):
            parse_interval(bad)
    every = Schedule.from_flags("10s", None)
    assert every.next_tick(1000.0) == 1010.0
    nightly = Schedule.from_flags(None, "0 3 * * *")
    tick = nightly.next_tick(time.mktime((2026, 11, 22, 12, 0, 0, 0, 0, -1)))
    assert time.localtime(tick)[:5] == (2026, 11, 23, 3, 0)
    with pytest.raises(ScheduleError, match="not a valid cron"):
        Schedule.from_flags(None, "every night")
    with pytest.raises(ScheduleError, match="either"):
        Schedule.from_flags("1m", "* * * * *")


def test_scan_is_oldest_first_and_names_why_batches_are_skipped(tmp_path):
    # names sort the opposite way to arrival: the scan must follow arrival time
    make_batch(tmp_path, "z-first", rows=5, age_seconds=300)
    make_batch(tmp_path, "a-second", rows=5, age_seconds=200)
    make_batch(tmp_path, "m-small", rows=2, age_seconds=400)
    done = make_batch(tmp_path, "b-done", rows=5, age_seconds=500)
    done.write_state({"status": "evaluated", "labeled": True})
    scan = new_data.scan(str(tmp_path), CONFIG, records_of(tmp_path))
    assert [b.batch_id for b, _ in scan.ready] == ["z-first", "a-second"]
    assert dict((b.batch_id, why) for b, why in scan.skipped) == {
        "b-done": "already processed", "m-small": "2 instances, fewer than 3"}


def test_claims_hold_a_batch_until_its_state_is_written(tmp_path):
    batch = make_batch(tmp_path, "q", rows=5, age_seconds=10)
    batch.claim("adapt watch", run="run-7")
    assert batch.readiness(3) == (False, "run run-7 started by adapt watch in progress")
    time.sleep(0.01)
    batch.write_state({"status": "evaluated", "labeled": True})
    assert batch.active_claim() is None and batch.readiness(3) == (False, "already processed")


def test_failed_claim_quarantines_without_touching_data(tmp_path):
    batch = make_batch(tmp_path, "bad", rows=5, age_seconds=10)
    before = (tmp_path / "bad" / "data.csv").read_bytes()
    batch.claim("adapt watch", status="failed", error="data.csv: column fare holds text")
    ready, why = batch.readiness(3)
    assert not ready and why.startswith("failed: data.csv: column fare holds text") and CLAIM_FILE in why
    assert (tmp_path / "bad" / "data.csv").read_bytes() == before
    (Path(batch.records.folder(batch)) / CLAIM_FILE).unlink()
    assert batch.readiness(3)[0]


def test_running_claim_expires(tmp_path):
    batch = make_batch(tmp_path, "slow", rows=5, age_seconds=10)
    batch.claim("cloud-function", run="r1")
    assert batch.active_claim(now=time.time() + 7 * 3600) is None


def test_labels_arriving_later_make_an_evaluated_batch_ready_again(tmp_path):
    batch = make_batch(tmp_path, "unlabeled", rows=5, age_seconds=10, labeled=False)
    batch.claim("adapt watch", run="r1")
    time.sleep(0.01)
    batch.write_state({"status": "awaiting-labels", "labeled": False})
    assert batch.readiness(3) == (False, "already processed")
    write_csv(tmp_path / "unlabeled" / "labels.csv", ["big_tipper"], [[i % 2] for i in range(5)])
    assert batch.readiness(3) == (True, "5 instances; labels arrived after evaluation")


def _run_python(code, **kwargs):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, **kwargs)


def test_idle_tick_imports_no_tensorflow(tmp_path):
    done = make_batch(tmp_path / "ws" / "incoming", "done", rows=5, age_seconds=10)
    done.write_state({"status": "evaluated", "labeled": True})
    code = f"""
import sys
from pipeline.triggers.watcher import Watcher
from core.workspace import Workspace
workspace = Workspace.open({str(tmp_path / 'ws')!r})
result = Watcher(workspace, workspace.load_config(), echo=lambda line: None).tick()
assert result.started == [] and result.skipped == ["done: already processed"], result
heavy = [m for m in ("tensorflow", "tfx", "apache_beam") if m in sys.modules]
assert not heavy, heavy
print("idle", result.seconds)
"""
    result = _run_python(code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("idle")


def test_watch_stops_cleanly_on_sigterm(tmp_path):
    from core.workspace import Workspace
    Workspace.open(str(tmp_path))
    process = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "watch", "--workdir", str(tmp_path),
                                "--every", "1h"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    while not process.stdout.readline().startswith("tick at"):   # the first tick is done: the watcher waits
        assert process.poll() is None, process.stderr.read()
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "SIGTERM: stopping" in out and out.rstrip().endswith("watch stopped")


def test_watch_rejects_a_bad_schedule_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "watch", "--workdir", str(tmp_path),
                             "--every", "soon", "--once"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("adapt: error: --every 'soon'")


def test_a_failed_local_run_marks_the_batch_failed_with_the_error(tmp_path):
    from core.workspace import Workspace
    from pipeline.triggers import launch
    Workspace.open(str(tmp_path / "ws"))
    batch = make_batch(tmp_path / "ws" / "incoming", "2014-Q1", rows=5, age_seconds=10)
    started = launch.evaluate_locally(str(tmp_path / "ws"), batch, started_by="adapt watch")
    assert not started.ok and started.message.startswith("no serving model under")
    claim = batch.active_claim()
    assert claim["status"] == "failed" and claim["error"] == started.message
    ready, why = batch.readiness(3)
    assert not ready and why.startswith("failed: no serving model under")
    assert (tmp_path / "ws" / "incoming" / "2014-Q1" / "data.csv").exists()
