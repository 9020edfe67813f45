"""Server-side batching: concurrent predict requests for one model version answered by one signature call.

As TF Serving's `--enable_batching`: each request's rows (serialized
tf.Examples) join a queue; one worker thread per model version takes what is
queued, up to `max_batch_size` rows, waiting at most `timeout_ms` after the
first for more to arrive, calls the model once on all of them, and hands each
request exactly its own output rows. A request larger than `max_batch_size` is
answered alone. When a batch fails because one request's rows are rejected by
the model, every request of it is answered on its own, so only the bad one
gets the error.

The queue is bounded: a request that would take the rows waiting beyond
`max_queued_rows` is refused at once with `Overloaded` (the server's 503 with
Retry-After) instead of waiting behind an ever longer queue.

A version's worker exits after IDLE_SECONDS without requests and starts again
with the next one, so versions that stopped serving hold no thread.
"""
import collections
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable, Deque, List, Optional, Sequence

from core.config import BatchingConfig

IDLE_SECONDS = 30.0

Predict = Callable[[Sequence[bytes]], List[List[float]]]


class Overloaded(Exception):
    """The queue holds `max_queued_rows` already: come back later."""


@dataclass
class _Request:
    rows: Sequence[bytes]
    answer: Future


class Batcher:
    """Gathers concurrent `submit`s into calls of `predict` (rows in, one output row per input row out)."""

    def __init__(self, predict: Predict, settings: BatchingConfig = BatchingConfig()):
        self._predict = predict
        self.settings = settings
        self._queue: Deque[_Request] = collections.deque()
        self._queued_rows = 0
        self._ready = threading.Condition()
        self._worker: Optional[threading.Thread] = None
        self.batches = 0           # model calls made
        self.batched_requests = 0  # requests answered through them

    @property
    def queued_rows(self) -> int:
        return self._queued_rows

    def submit(self, rows: Sequence[bytes]) -> Future:
        """A future of exactly these rows' outputs; raises Overloaded when the queue is full."""
        request = _Request(list(rows), Future())
        with self._ready:
            if self._queued_rows and self._queued_rows + len(request.rows) > self.settings.max_queued_rows:
                raise Overloaded(f"{self._queued_rows} rows are waiting for the model "
                                 f"(serving.batching.max_queued_rows {self.settings.max_queued_rows})")
            self._queue.append(request)
            self._queued_rows += len(request.rows)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="predict-batcher", daemon=True)
                self._worker.start()
            self._ready.notify()
        return request.answer

    def _next_batch(self) -> List[_Request]:
        """The requests of the next model call; empty when the worker has been idle for IDLE_SECONDS."""
        limit, timeout = self.settings.max_batch_size, self.settings.timeout_ms / 1000.0
        with self._ready:
            if not self._queue and not self._ready.wait_for(lambda: self._queue, IDLE_SECONDS):
                self._worker = None
                return []
            batch = [self._queue.popleft()]
            rows = len(batch[0].rows)
            deadline = time.monotonic() + timeout
            while rows < limit:
                if not self._queue:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not self._ready.wait_for(lambda: self._queue, remaining):
                        break
                if rows + len(self._queue[0].rows) > limit:
                    break
                request = self._queue.popleft()
                batch.append(request)
                rows += len(request.rows)
            self._queued_rows -= rows
        return batch

    def _work(self) -> None:
        while True:
            batch = self._next_batch()
            if not batch:
                return
            self._answer(batch)

    def _answer(self, batch: List[_Request]) -> None:
        try:
            outputs = self._predict([row for request in batch for row in request.rows])
        except Exception as err:
            if len(batch) == 1:
                batch[0].answer.set_exception(err)
                return
            for request in batch:  # find whose rows the model rejects; the others get their answers
                self._answer([request])
            return
        self.batches += 1
        self.batched_requests += len(batch)
        start = 0
        for request in batch:
            request.answer.set_result(outputs[start:start + len(request.rows)])
            start += len(request.rows)
