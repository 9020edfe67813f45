import gzip
import os
import struct
import time

import pytest

from core.data.batch import Batch, BatchRecords, list_batches, ready_batches
from core.errors import BatchError
from tests.helpers import write_csv

HEADER = ["fare", "payment_type", "big_tipper"]


def _records(root):
    return BatchRecords(str(root / ".records"))  # a dot folder: list_batches passes over it


def _batch(root, name, rows=3, labeled=True, age=0):
    header = HEADER if labeled else HEADER[:-1]
    data = [[f"{i}.5", "Cash", str(i % 2)][:len(header)] for i in range(rows)]
    path = write_csv(root / name / "data.csv", header, data)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return Batch(str(root / name), label="big_tipper", records=_records(root))


def _tfrecord(path, count):
    with gzip.open(path, "wb") as handle:
        for _ in range(count):
            payload = b"x" * 7
            handle.write(struct.pack("<Q", len(payload)) + b"\0" * 4 + payload + b"\0" * 4)


def test_counts_csv_tfrecord_and_image_batches(tmp_path):
    assert _batch(tmp_path, "csv", rows=5).count_instances() == 5
    (tmp_path / "tfr").mkdir()
    _tfrecord(tmp_path / "tfr" / "part.tfrecord.gz", 4)
    assert Batch(str(tmp_path / "tfr"), label="y").count_instances() == 4
    (tmp_path / "img").mkdir()
    for name in ("a.jpg", "b.jpeg", "c.png", "notes.txt"):
        (tmp_path / "img" / name).write_bytes(b"\xff")
    images = Batch(str(tmp_path / "img"), label="y")
    assert images.format == "files" and images.count_instances() == 3


def test_problems_name_the_batch_and_file(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchError, match="batch empty: no data files"):
        Batch(str(tmp_path / "empty"), label="y").format
    (tmp_path / "ragged").mkdir()
    (tmp_path / "ragged" / "data.csv").write_text("a,b\n1,2\n3\n")
    with pytest.raises(BatchError, match="batch ragged: data.csv line 3 has 1 fields, the header has 2"):
        Batch(str(tmp_path / "ragged"), label="y").count_instances()
    with pytest.raises(BatchError, match="does not exist"):
        Batch(str(tmp_path / "nowhere"), label="y").format


def test_labels_inline_or_from_a_labels_file(tmp_path):
    assert _batch(tmp_path, "inline").has_inline_labels()
    unlabeled = _batch(tmp_path, "later", labeled=False)
    assert not unlabeled.has_inline_labels() and not unlabeled.has_labels_file()
    (tmp_path / "later" / "labels.csv").write_text("big_tipper\n1\n0\n1\n")
    assert unlabeled.labels_from_file() == {"data.csv:0": "1", "data.csv:1": "0", "data.csv:2": "1"}
    header, rows = unlabeled.labeled_rows()
    assert header[-1] == "big_tipper" and [r[-1] for r in rows] == ["1", "0", "1"]  # rows stream: a generator
    (tmp_path / "later" / "labels.csv").write_text("instance_id,big_tipper\ndata.csv:2,0\n")
    assert unlabeled.labels_from_file() == {"data.csv:2": "0"}
    assert len(list(unlabeled.labeled_rows()[1])) == 1
    (tmp_path / "later" / "labels.csv").write_text("big_tipper\n1\n")
    with pytest.raises(BatchError, match="1 labels for 3 instances"):
        unlabeled.labels_from_file()


def test_state_marks_processing_without_touching_the_data(tmp_path):
    batch = _batch(tmp_path, "b")
    before = (tmp_path / "b" / "data.csv").read_bytes()
    assert not batch.is_processed()
    batch.write_state({"status": "evaluated", "labeled": True})
    assert batch.is_processed() and batch.state()["batch"] == "b"
    assert (tmp_path / "b" / "data.csv").read_bytes() == before


def _listing(folder):
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir())


def test_state_and_claim_live_in_the_workspace_and_the_batch_folder_stays_as_it_was(tmp_path):
    batch = _batch(tmp_path, "b")
    before = _listing(tmp_path / "b")
    assert batch.take("adapt watch", "r1") is None
    batch.write_state({"status": "evaluated", "labeled": True})
    batch.release("r1")
    assert _listing(tmp_path / "b") == before
    records = list((tmp_path / ".records").iterdir())
    assert len(records) == 1 and records[0].name.startswith("b-")
    assert {p.name for p in records[0].iterdir()} >= {"adapt-state.json"}


def test_two_workspaces_keep_their_own_state_of_one_batch(tmp_path):
    first = _batch(tmp_path, "b")
    second = Batch(str(tmp_path / "b"), label="big_tipper", records=BatchRecords(str(tmp_path / "other")))
    first.write_state({"status": "span", "span": 3, "labeled": True})
    assert first.is_processed() and not second.is_processed() and second.readiness(3)[0]
    assert second.take("adapt watch", "r2") is None and first.take("adapt watch", "r1") is None


def test_one_batch_by_two_paths_has_one_record(tmp_path):
    batch = _batch(tmp_path, "b")
    batch.write_state({"status": "evaluated", "labeled": True})
    (tmp_path / "link").symlink_to(tmp_path)
    again = Batch(str(tmp_path / "link" / "sub" / ".." / "b"), label="big_tipper", records=_records(tmp_path))
    assert again.resolved_uri() == batch.resolved_uri() and again.is_processed()
    mounted = Batch("/gcs/bucket/incoming/q1", records=_records(tmp_path))
    assert mounted.resolved_uri() == "gs://bucket/incoming/q1"


def test_a_batch_whose_data_changed_after_processing_is_reported_changed_not_skipped_nor_redone(tmp_path):
    batch = _batch(tmp_path, "b", rows=5)
    batch.write_state({"status": "evaluated", "labeled": True})
    (tmp_path / "b" / "labels.csv").write_text("big_tipper\n1\n")  # labels are not data: no change
    assert batch.changed_since_processed() is None
    write_csv(tmp_path / "b" / "more.csv", HEADER, [["9.5", "Cash", "1"]])
    ready, why = batch.readiness(3)
    assert not ready and why.startswith("batch b changed after it was processed") and "adapt-state.json" in why


def test_an_old_in_folder_state_is_adopted_once_by_the_workspace_that_made_its_span(tmp_path):
    import json

    from core.data import spans
    batch = _batch(tmp_path, "b", rows=5)
    legacy = tmp_path / "b" / ".adapt-state.json"
    legacy.write_text(json.dumps({"status": "span", "span": 1, "labeled": True, "batch": "b"}))
    data = tmp_path / "ws" / "data"
    spans.write_span(data, HEADER, [[f"{i}.5", "Cash", "0"] for i in range(20)], span=1, test_fraction=0.25,
                     source={"batch": "b", "reason": "test"})
    mine = Batch(str(tmp_path / "b"), label="big_tipper", records=BatchRecords.beside(str(data)))
    assert mine.is_processed() and mine.state()["adopted_from"].endswith(".adapt-state.json")
    legacy.unlink()  # adopted: the workspace's own record answers from now on
    assert mine.is_processed()
    stranger = Batch(str(tmp_path / "b"), label="big_tipper", records=BatchRecords.beside(str(tmp_path / "x" / "data")))
    legacy.write_text(json.dumps({"status": "span", "span": 1, "labeled": True, "batch": "b"}))
    assert not stranger.is_processed()  # another workspace's span 1 says nothing about this one


def test_readiness_oldest_first_skipping_processed_and_small(tmp_path):
    _batch(tmp_path, "b-newer", rows=5, age=10)
    _batch(tmp_path, "a-older", rows=5, age=100)
    _batch(tmp_path, "c-oldest-but-small", rows=2, age=1000)
    _batch(tmp_path, "d-done", rows=5, age=50).write_state({"status": "span", "labeled": True})
    assert [b.batch_id for b in list_batches(str(tmp_path), "big_tipper")][0] == "c-oldest-but-small"
    ready = ready_batches(str(tmp_path), "big_tipper", min_instances=3, records=_records(tmp_path))
    assert [b.batch_id for b, _ in ready] == ["a-older", "b-newer"]


def test_unlabeled_batch_becomes_ready_again_when_labels_arrive(tmp_path):
    batch = _batch(tmp_path, "u", rows=4, labeled=False)
    batch.write_state({"status": "evaluated", "labeled": False})
    assert batch.readiness(1) == (False, "already processed")
    (tmp_path / "u" / "labels.csv").write_text("big_tipper\n1\n0\n1\n1\n")
    ready, why = batch.readiness(1)
    assert ready and "labels arrived" in why


def test_label_column_without_values_does_not_bring_a_batch_back_every_tick(tmp_path):
    write_csv(tmp_path / "blank" / "data.csv", HEADER, [["1.5", "Cash", ""], ["2.5", "Card", ""]])
    batch = Batch(str(tmp_path / "blank"), label="big_tipper", records=_records(tmp_path))
    batch.write_state({"status": "evaluated", "labeled": False})
    assert batch.readiness(1) == (False, "already processed")


def test_only_one_of_many_processes_takes_a_batch(tmp_path):
    import multiprocessing
    write_csv(tmp_path / "b" / "data.csv", ["fare", "big_tipper"], [["1.0", "0"]])
    with multiprocessing.get_context("fork").Pool(4) as pool:
        held = pool.map(_take, [(str(tmp_path / "b"), f"run-{i}") for i in range(8)])
    winners = [run for run, claim in held if claim is None]
    assert len(winners) == 1
    assert all(claim["run"] == winners[0] for _, claim in held if claim is not None)


def _take(args):
    path, run = args
    batch = Batch(path, records=BatchRecords(os.path.join(os.path.dirname(path), ".records")))
    claim = batch.take("test", run)
    if claim is None:
        time.sleep(1.0)  # holds the batch while the others try (a claim ends with its process)
    return run, claim


def test_a_failed_claim_holds_the_batch_for_triggers_but_not_for_a_person(tmp_path):
    write_csv(tmp_path / "b" / "data.csv", ["fare", "big_tipper"], [["1.0", "0"]])
    batch = Batch(str(tmp_path / "b"), records=_records(tmp_path))
    batch.claim("adapt watch", run="r1", status="failed", error="bad fare")
    assert batch.take("adapt watch", "r2")["status"] == "failed"
    assert batch.take("adapt evaluate-batch", "r3", over_failed=True) is None
    batch.release("r3")
    assert batch.active_claim() is None and batch.take("adapt watch", "r4") is None


def test_a_failed_claim_no_longer_holds_once_the_batch_is_fixed(tmp_path):
    write_csv(tmp_path / "b" / "data.csv", ["fare", "big_tipper"], [["text", "0"]])
    batch = Batch(str(tmp_path / "b"), label="big_tipper", records=_records(tmp_path))
    batch.claim("adapt watch", run="r1", status="failed", error="column 'fare' expects float")
    ready, why = batch.readiness(1)
    assert not ready and why.startswith("failed: column 'fare' expects float (fix the batch: a changed batch")
    write_csv(tmp_path / "b" / "data.csv", ["fare", "big_tipper"], [["1.50", "0"]])   # fixed: another size
    assert batch.active_claim() is None and batch.readiness(1) == (True, "1 instances")


def test_a_retrain_that_never_finished_makes_the_batch_ready_again(tmp_path):
    write_csv(tmp_path / "b" / "data.csv", ["fare", "big_tipper"], [[f"{i}.0", "0"] for i in range(5)])
    batch = Batch(str(tmp_path / "b"), label="big_tipper", records=_records(tmp_path))
    batch.write_state({"status": "span", "span": 4, "labeled": True, "retrain": True, "trained": False})
    assert not batch.is_processed()
    assert batch.readiness(3) == (True, "5 instances; the retraining decided for span 4 never finished")
    batch.write_state({**batch.state(), "trained": True})
    assert batch.is_processed()


def test_a_running_claim_of_a_process_that_died_no_longer_holds_the_batch(tmp_path):
    import subprocess
    import sys
    write_csv(tmp_path / "b" / "data.csv", ["fare", "big_tipper"], [["1.0", "0"]])
    batch = Batch(str(tmp_path / "b"), records=_records(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    batch.claim("adapt watch", run="r1", pid=int(gone.stdout))
    assert batch.active_claim() is None and batch.take("adapt watch", "r2") is None
    assert batch.active_claim()["run"] == "r2"  # this process lives: its claim holds


def test_a_live_run_still_training_its_span_keeps_the_batch_and_a_finished_one_lets_go(tmp_path):
    write_csv(tmp_path / "b" / "data.csv", ["fare", "big_tipper"], [["1.0", "0"]])
    batch = Batch(str(tmp_path / "b"), label="big_tipper", records=_records(tmp_path))
    assert batch.take("adapt watch", "r1") is None  # this process: alive
    time.sleep(0.01)
    batch.write_state({"status": "span", "span": 4, "labeled": True, "retrain": True, "trained": False})
    assert batch.take("adapt evaluate-batch", "r2", over_failed=True)["run"] == "r1"  # midway: not a second training
    batch.write_state({**batch.state(), "trained": True})
    assert batch.active_claim() is None and batch.is_processed()
