"""Concurrent triggers on real processes: one batch started by several at the same moment is evaluated and
trained once; different batches at once each get their own span number."""
import json
import subprocess
import sys

import pytest

from core.data import spans
from pipeline.definitions import names
from pipeline.lineage.graph import Metadata
from pipeline.lineage.history import history
from tests.reliability.serving_workspace import assert_batch_folders_unchanged, serving_workspace_with_waiting_batches

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return serving_workspace_with_waiting_batches(tmp_path_factory, "concurrency")


@pytest.fixture(autouse=True)
def batch_folders_stay_as_they_arrived(workspace):
    yield
    assert_batch_folders_unchanged(workspace)


def _start(workspace, *args):
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", *args, "--workdir", str(workspace.root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _trainings(workspace) -> int:
    meta = Metadata.of(workspace, workspace.load_config())
    return len(meta.node_executions(names.TRAINING_PIPELINE, names.TRAINER))


@pytest.mark.parametrize("batch, processes", [("batch-02", 2), ("batch-03", 4)])
def test_one_batch_started_by_many_at_once_is_one_span_and_one_training(workspace, batch, processes,
                                                                        record_property):
    trainings = _trainings(workspace)
    running = [_start(workspace, "evaluate-batch", batch, "--json") for _ in range(processes)]
    finished = [(process.wait(timeout=1200), process.stdout.read(), process.stderr.read()) for process in running]
    winners = [json.loads(out) for code, out, _ in finished if code == 0]
    losers = [err.strip().splitlines() for code, _, err in finished if code != 0]
    assert len(winners) == 1 and winners[0]["triggered"], finished
    assert all(lines[-1].startswith(f"adapt: error: batch {batch} is taken: run ") for lines in losers), losers
    made = [spans.read_source(workspace.data, n)["batch"] for n in spans.list_spans(workspace.data)].count(batch)
    assert made == 1
    assert _trainings(workspace) == trainings + 1
    record_property("processes", processes)
    record_property("spans", made)
    record_property("trainings", _trainings(workspace) - trainings)
    record_property("told it is taken", len(losers))


def test_watch_beside_a_person_on_the_same_batch_starts_it_once(workspace, record_property):
    watch = _start(workspace, "watch", "--once", "--json", "--max-batches", "1")
    person = _start(workspace, "evaluate-batch", "batch-04", "--json")
    watch_out, _ = watch.communicate(timeout=1200)
    person_code = person.wait(timeout=1200)
    tick = json.loads(watch_out)
    started = [s for s in tick["started"] if s["batch"] == "batch-04"]
    took_it = (person_code == 0) + sum(1 for s in started if not s["message"].startswith("taken"))
    assert took_it == 1, (tick, person_code, person.stderr.read())
    made = [spans.read_source(workspace.data, n)["batch"] for n in spans.list_spans(workspace.data)].count("batch-04")
    assert made == 1
    record_property("processes", 2)
    record_property("spans", made)
    record_property("told it is taken", 1)


def test_two_batches_at_once_get_two_span_numbers(workspace, record_property):
    before = spans.list_spans(workspace.data)
    events_before = len(history(workspace, workspace.load_config()))
    running = [_start(workspace, "evaluate-batch", batch, "--json") for batch in ("batch-05", "batch-06")]
    outcomes = []
    for process in running:
        out, err = process.communicate(timeout=1200)
        assert process.returncode == 0, err[-1500:]
        outcomes.append(json.loads(out))
    numbers = spans.list_spans(workspace.data)
    assert len(numbers) == len(before) + 2
    sources = [spans.read_source(workspace.data, n)["batch"] for n in numbers]
    assert len(sources) == len(set(sources))
    # Each process reports its own run, not the one beside it: its span, and a training of its own recorded.
    for outcome in outcomes:
        assert spans.read_source(workspace.data, outcome["span"])["batch"] == outcome["batch"], outcomes
        assert outcome["triggered"], outcome
    events = history(workspace, workspace.load_config())[events_before:]
    assert sorted(int(e["spans"].split("-")[1].split()[0]) for e in events) == sorted(o["span"] for o in outcomes), events
    record_property("processes", 2)
    record_property("spans", len(numbers) - len(before))
    record_property("trainings", len(events))
