import threading
import time

import pytest

from core.config import BatchingConfig
from core.errors import RequestError
from serving import batching
from serving.batching import Batcher, Overloaded


class Model:
    """Answers each row with [its own number]; records every call's size; rejects rows named b"bad"."""

    def __init__(self, gate: threading.Event = None):
        self.calls, self.gate = [], gate

    def __call__(self, rows):
        if self.gate is not None:
            self.gate.wait(10)
        self.calls.append(len(rows))
        if b"bad" in rows:
            raise RequestError("the model rejected the input: bad row")
        return [[float(row)] for row in rows]


def test_interleaved_requests_of_different_sizes_each_get_exactly_their_rows():
    model = Model()
    batcher = Batcher(model, BatchingConfig(max_batch_size=16, timeout_ms=5))
    answers, errors = {}, []

    def client(index):
        rows = [str(index * 100 + k).encode() for k in range(1 + index % 5)]   # 1 to 5 rows
        try:
            answers[index] = (rows, batcher.submit(rows).result(10))
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(answers) == 40
    for rows, outputs in answers.values():
        assert outputs == [[float(row)] for row in rows]
    assert max(model.calls) <= 16 and sum(model.calls) == sum(1 + i % 5 for i in range(40))
    assert len(model.calls) < 40 and batcher.batched_requests == 40   # requests were gathered


def test_a_request_larger_than_a_batch_is_answered_alone():
    model = Model()
    batcher = Batcher(model, BatchingConfig(max_batch_size=4))
    rows = [str(k).encode() for k in range(10)]
    assert batcher.submit(rows).result(10) == [[float(k)] for k in range(10)]
    assert model.calls == [10]


def test_one_rejected_request_fails_alone_and_the_others_of_its_batch_are_answered():
    gate = threading.Event()
    model = Model(gate)
    batcher = Batcher(model, BatchingConfig(max_batch_size=64))
    first = batcher.submit([b"1"])              # the worker waits on the gate with this one ...
    time.sleep(0.05)
    good, bad, other = batcher.submit([b"2", b"3"]), batcher.submit([b"bad"]), batcher.submit([b"4"])
    gate.set()                                   # ... and then takes the three queued as one batch
    assert first.result(10) == [[1.0]]
    assert good.result(10) == [[2.0], [3.0]] and other.result(10) == [[4.0]]
    with pytest.raises(RequestError, match="bad row"):
        bad.result(10)
    assert model.calls[:2] == [1, 4]            # the batch of three failed, then each was answered alone


def test_a_full_queue_refuses_at_once_and_every_accepted_request_is_answered():
    gate = threading.Event()
    batcher = Batcher(Model(gate), BatchingConfig(max_batch_size=8, max_queued_rows=10))
    busy = batcher.submit([b"0"])               # taken by the worker, which waits on the gate
    time.sleep(0.05)
    accepted = [batcher.submit([str(k).encode()] * 5) for k in (1, 2)]   # 10 rows wait
    with pytest.raises(Overloaded, match="10 rows are waiting"):
        batcher.submit([b"3"])
    gate.set()
    assert busy.result(10) == [[0.0]]
    assert [f.result(10) for f in accepted] == [[[1.0]] * 5, [[2.0]] * 5]
    assert batcher.queued_rows == 0
    assert batcher.submit([b"5"]).result(10) == [[5.0]]   # room again


def test_an_idle_worker_exits_and_the_next_request_starts_one(monkeypatch):
    monkeypatch.setattr(batching, "IDLE_SECONDS", 0.1)
    batcher = Batcher(Model(), BatchingConfig())
    assert batcher.submit([b"1"]).result(10) == [[1.0]]
    worker = batcher._worker
    worker.join(5)
    assert not worker.is_alive()
    assert batcher.submit([b"2"]).result(10) == [[2.0]]
