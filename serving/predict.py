"""Predict requests, answered by a bare ASGI handler in front of FastAPI (serving/server.py).

    POST /v1/models/<name>:predict                 {"instances": [...]} or {"inputs": {...}}
    POST /v1/models/<name>/versions/<v>:predict
    POST /v1/models/<name>/labels/<stable|canary>:predict

A response carries X-Model-Version, X-Model-Label and X-Request-Id (the client's when it sent one). Concurrent
requests for one version are answered by one model call (serving/batching.py); when more rows wait than the
queue holds, a request gets 503 with Retry-After at once. Which version answers is serving/routing.py's choice;
in shadow mode the canary answers a copy of each request after the client has the stable version's answer.
"""
import asyncio
import json
import logging
import math
import re
import threading
import time
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from starlette.concurrency import run_in_threadpool

from core import versions
from core.config import BatchingConfig
from core.contract import is_regression
from core.data.examples import RequestError, columns_to_instances
from serving.batching import Batcher, Overloaded
from serving.metrics import ServerMetrics
from serving.prediction_log import PredictionLog, new_request_id
from serving.repository import ModelRepository
from serving.routing import CANARY_KEY_HEADER, RouteError, route

logger = logging.getLogger("adapt.serving")

PREDICT_PREFIX = "/v1/models/"
DRAIN_FACTOR = 8  # bodies up to 8x the limit are drained before the 413; larger ones are cut off
RETRY_AFTER_SECONDS = 1  # what a 503 for a full queue tells the client
INLINE_INSTANCES = 8  # requests of at most this many instances are converted on the event loop
_PREDICT_PATH = re.compile(
    r"^(?P<name>[^/:]+)(?:/versions/(?P<version>\d+)|/labels/(?P<label>[^/:]+))?:(?P<verb>[a-z]+)$")
_CANARY_KEY = CANARY_KEY_HEADER.encode()

Answer = Tuple[int, dict, Sequence[Tuple[bytes, bytes]]]  # (status, JSON payload, extra headers)


def json_values(rows):
    """The model's outputs as JSON can carry them: a value it could not compute (NaN, infinity) is null, not a 500
    for the whole request (the infra validator refuses such a model)."""
    if isinstance(rows, list):
        return [json_values(row) for row in rows]
    return rows if not isinstance(rows, float) or math.isfinite(rows) else None


def _outputs(model, rows: List[List[float]]) -> list:
    if is_regression(model.info):  # a value per instance, in the label's unit
        rows = [row[0] for row in rows]
    return json_values(rows)


class PredictEndpoint:
    """An ASGI handler of predict requests (`handle`) for the model of one repository."""

    def __init__(self, repository: ModelRepository, metrics: ServerMetrics, max_body_bytes: int,
                 batching: BatchingConfig = BatchingConfig(), prediction_log: Optional[PredictionLog] = None):
        self.repository = repository
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.batching = batching
        self.prediction_log = prediction_log
        self._batchers_lock = threading.Lock()

    async def handle(self, scope, receive, send) -> None:
        status, payload, extra = await self.answer(scope["path"][len(PREDICT_PREFIX):], dict(scope["headers"]),
                                                   receive)
        body = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), *extra]})
        await send({"type": "http.response.body", "body": body})

    async def answer(self, spec: str, headers: Mapping[bytes, bytes], receive) -> Answer:
        """The answer to a predict request to /v1/models/<spec>."""
        repository = self.repository
        match = _PREDICT_PATH.match(spec)
        if not match:
            return self._failed(404, f"unknown endpoint /v1/models/{spec}")
        if match["verb"] != "predict":
            return self._failed(400, f"{match['verb']} is not supported; use :predict")
        if match["name"] != repository.name:
            return self._failed(404, f"model {match['name']!r} not found; this server serves {repository.name!r}")
        request_id = headers.get(b"x-request-id", b"").decode("latin-1").strip()[:128] or new_request_id()
        data, size = await self._read_body(receive)
        if size > self.max_body_bytes:
            return self._failed(413, f"request body of {size}{'+' if size > DRAIN_FACTOR * self.max_body_bytes else ''}"
                                     f" bytes exceeds {self.max_body_bytes}")
        try:
            body = json.loads(data or b"null")
        except (ValueError, UnicodeDecodeError) as err:
            return self._failed(400, f"malformed JSON: {err}")
        if not isinstance(body, dict) or ("instances" in body) == ("inputs" in body):
            return self._failed(400, 'body must be an object with exactly one of "instances" or "inputs"')

        canary = repository.canary
        key = headers.get(_CANARY_KEY, b"").decode("latin-1") if canary is not None else ""
        try:
            chosen = route(repository.name, match["version"], match["label"], canary.split if canary else None,
                           key)
            if chosen.version is not None:
                model = await run_in_threadpool(repository.version, chosen.version)
            else:
                model = canary.model if chosen.label == "canary" else repository.current
        except (RouteError, versions.VersionError) as err:
            return self._failed(404, str(err))
        if model is None:
            return self._failed(503, repository.last_error or "no model version loaded yet")

        try:
            columnar = "inputs" in body
            instances = columns_to_instances(body["inputs"]) if columnar else body["instances"]
            if not isinstance(instances, list) or not instances:
                raise RequestError('"instances" must be a non-empty list')
            started = time.perf_counter()
            # a few instances are turned into examples here: a worker thread's round trip costs more than they do
            serialized = model.to_examples(instances) if len(instances) <= INLINE_INSTANCES else \
                await run_in_threadpool(model.to_examples, instances)
            rows = await asyncio.wrap_future(self._batcher_of(model).submit(serialized))
            self.metrics.predict_latency.observe(time.perf_counter() - started)
        except RequestError as err:
            return self._failed(400, str(err))
        except Overloaded as err:
            return self._failed(503, f"overloaded: {err}; retry in {RETRY_AFTER_SECONDS} s",
                                [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())])
        rows = _outputs(model, rows)
        self.metrics.predicted_instances.inc(len(rows))
        self.metrics.predicted_ok.inc()
        logged = self.prediction_log is not None and self.prediction_log.sampled()
        if logged:
            self.prediction_log.record(request_id, model.version, instances, rows, label=chosen.label)
        if chosen.shadow:  # the shadow answers a copy after the client has its answer; its answer is logged
            asyncio.get_running_loop().create_task(
                self._shadow_answer(canary.model, serialized, request_id, instances, logged))
        return 200, {"outputs" if columnar else "predictions": rows}, [
            (b"x-model-version", str(model.version).encode()), (b"x-request-id", request_id.encode()),
            (b"x-model-label", chosen.label.encode())]

    def _failed(self, status: int, message: str, headers: Sequence[Tuple[bytes, bytes]] = ()) -> Answer:
        self.metrics.count("predict", status)
        return status, {"error": message}, headers

    async def _read_body(self, receive) -> Tuple[bytes, int]:
        """(the body, its size): an oversized body is read and dropped (up to a hard cap) before the 413, so that
        the client, still sending, gets the answer instead of a reset connection."""
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk, more = message.get("body", b""), message.get("more_body", False)
            size += len(chunk)
            if size <= self.max_body_bytes:
                chunks.append(chunk)
            elif size > DRAIN_FACTOR * self.max_body_bytes:
                break
        return b"".join(chunks), size

    def _batcher_of(self, model) -> Batcher:
        with self._batchers_lock:
            if model.batcher is None:
                def predict(rows):
                    self.metrics.batch_rows.observe(len(rows))
                    return model.predict_serialized(rows)
                model.batcher = Batcher(predict, self.batching)
            return model.batcher

    async def _shadow_answer(self, model, serialized: Sequence[bytes], request_id: str, instances: List[Any],
                             logged: bool) -> None:
        try:
            rows = await asyncio.wrap_future(self._batcher_of(model).submit(serialized))
        except Exception as err:  # a shadow's failure is its own: counted and logged, never the client's
            self.metrics.count("shadow", 500)
            logger.warning("shadow version %s failed request %s: %s", model.version, request_id, err)
            return
        self.metrics.count("shadow", 200)
        if logged:
            self.prediction_log.record(request_id, model.version, instances, _outputs(model, rows), label="shadow")
