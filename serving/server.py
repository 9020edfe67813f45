"""HTTP model server in TF Serving's REST shape, with hot reload.

    GET  /v1/models/<name>                         version status
    GET  /v1/models/<name>/versions/<v>            one version's status
    GET  /v1/models/<name>/metadata                features and signature
    POST /v1/models/<name>:predict                 {"instances": [...]} or {"inputs": {...}}
    POST /v1/models/<name>/versions/<v>:predict
    POST /v1/models/<name>/labels/<stable|canary>:predict
    (a predict response carries X-Model-Version and X-Request-Id, the client's when it sent one)
    GET  /healthz                                  200 once a version is loaded
    GET  /metrics                                  Prometheus text format

A background thread watches the model folder (serving/<model>/, TF Serving
layout plus the rollback pin and the canary of core/versions.py) and loads a new production
version completely before swapping it in; requests in flight keep the version
they started with, so none is dropped. Concurrent predict requests for one
version are answered by one model call (serving/batching.py); when more rows
wait than the queue holds, a request gets 503 with Retry-After at once. With
a prediction log (serving/prediction_log.py), what it answers is appended to
JSONL files a later batch is made of. While a canary runs, a share of the
predict requests (sticky by their X-Canary-Key header) is answered by the
canary version, or, in shadow mode, the canary answers a copy of each request
after the client has the stable version's answer. Bad
requests get a 4xx JSON error and never stop the server. `adapt serve` runs
it; the training pipeline's local infra validation starts it in a subprocess
(`python -m serving.server`).
"""

import argparse
import collections
import hashlib
import json
import logging
import math
import os
import random
import re
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Dict, Mapping, Optional, Sequence

from core import versions
from core.config import BatchingConfig
from core.contract import SIGNATURE_NAME, is_regression, model_classes
from core.errors import AdaptError
from serving import openapi
from serving.batching import Batcher, Overloaded
from serving.prediction_log import PredictionLog, new_request_id

logger = logging.getLogger("adapt.serving")

DRAIN_FACTOR = 8  # bodies up to 8x the limit are drained before the 413; larger ones are cut off
RETRY_AFTER_SECONDS = 1  # what a 503 for a full queue tells the client
_PREDICT_PATH = re.compile(
    r"^(?P<name>[^/:]+)(?:/versions/(?P<version>\d+)|/labels/(?P<label>[^/:]+))?:(?P<verb>[a-z]+)$")
PREDICT_PREFIX = "/v1/models/"
INLINE_INSTANCES = 8  # requests of at most this many instances are converted on the event loop
CANARY_KEY_HEADER = "x-canary-key"  # requests naming the same key go to the same version while a canary runs


def routed_to_canary(record: dict, key: str) -> bool:
    """Whether a request goes to the canary: by its key's hash when it names one (sticky), else by chance."""
    if not key:
        return random.random() < record["traffic"]
    digest = hashlib.sha256(key.encode("utf-8", "backslashreplace")).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64 < record["traffic"]


def settle_garbage() -> None:
    """Collects what is garbage now, then leaves every object alive out of later collections (gc.freeze).

    With TensorFlow and a model loaded a process holds some 355,000 objects (the taxi trees); every full
    collection walked them all, a pause of about 160 ms that was a loaded server's p99 (180 ms against 29 ms
    with them frozen, 20 clients). Called after each model load, so what an unloaded version leaves is
    collected at the next load.
    """
    import gc
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class ModelRepository:
    """Holds the production version of one model and reloads it when it changes."""

    def __init__(self, base_path: str, name: str, poll_seconds: float = 2.0, cache_size: int = 3):
        self.base_path = str(base_path)
        self.name = name
        self.poll_seconds = poll_seconds
        self._current = None
        self._by_version: "collections.OrderedDict[int, object]" = collections.OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.last_error = ""
        self.reloads = 0
        self._failed: Dict[int, float] = {}   # version -> its folder's mtime when it failed to load
        self._canary = None   # (model, its canary record) while a canary runs (core/versions.py)

    @property
    def current(self):
        return self._current

    @property
    def canary(self):
        return self._canary

    def _load(self, version: int):
        from serving.model import load_model  # TensorFlow only where a model is loaded
        with self._lock:
            cached = self._by_version.get(version)
        if cached is not None:
            return cached
        model = load_model(versions.version_path(self.base_path, version), version)
        settle_garbage()
        with self._lock:
            self._by_version[version] = model
            while len(self._by_version) > self._cache_size:
                oldest = next(iter(self._by_version))
                if self._current is not None and oldest == self._current.version:
                    self._by_version.move_to_end(oldest)
                    oldest = next(iter(self._by_version))
                self._by_version.pop(oldest)
        return model

    def refresh(self) -> bool:
        self._refresh_canary()
        return self._refresh_production()

    def _refresh_canary(self) -> None:
        record = versions.read_canary(self.base_path)
        if record is None or (self._canary is not None and self._canary[1] == record):
            self._canary = None if record is None else self._canary
            return
        try:
            self._canary = (self._load(record["version"]), record)
            logger.info("canary: version %s for %s of requests%s beside version %s", record["version"],
                        f"{record['traffic']:.0%}", " (shadow)" if record.get("shadow") else "",
                        record["stable_version"])
        except Exception as err:  # the stable version keeps every request
            self._canary = None
            self.last_error = f"canary version {record['version']} failed to load: {err}"
            logger.error(self.last_error)

    def _refresh_production(self) -> bool:
        """Loads the production version if it changed; True when a new version was swapped in.

        A version that fails to load (a folder copied by hand that only looks whole) is logged once, in one line
        naming its folder, and not tried again until its folder changes; the version loaded before keeps serving,
        and with none loaded yet the newest version that loads serves."""
        wanted = versions.production_version(self.base_path)
        if wanted is None or (self._current is not None and self._current.version == wanted):
            return False
        candidates = [wanted] if self._current is not None else \
            [v for v in reversed(versions.list_versions(self.base_path)) if v <= wanted]
        for version in candidates:
            if self._failed.get(version) == self._stamp(version):
                continue
            try:
                model = self._load(version)
            except Exception as err:  # keep serving the old version; say why, once
                self._failed[version] = self._stamp(version)
                serving = f"still serving version {self._current.version}" if self._current else "trying older versions"
                first_line = (str(err).strip().splitlines() or [type(err).__name__])[0]
                self.last_error = (f"version {version} ({versions.version_path(self.base_path, version)}) failed to "
                                   f"load: {first_line}; {serving}")
                logger.error(self.last_error)
                continue
            return self._swap(model)
        return False

    def _stamp(self, version: int) -> float:
        """When a version's folder last changed: a failed version is tried again once it does."""
        try:
            return os.stat(versions.version_path(self.base_path, version)).st_mtime
        except OSError:
            return 0.0

    def _swap(self, model) -> bool:
        wanted = model.version
        self._current = model  # one reference swap: requests in flight keep their model
        self.last_error = ""
        self.reloads += 1
        logger.info("serving %s version %s (loaded in %.2fs)", self.name, wanted, model.load_seconds)
        return True

    def version(self, version: int):
        if version not in versions.list_versions(self.base_path):
            raise versions.VersionError(f"model {self.name} has no version {version}")
        return self._load(version)

    def start(self) -> None:
        self.refresh()
        self._thread = threading.Thread(target=self._watch, name="model-watcher", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.refresh()
            except Exception as err:  # a broken folder must not kill the watcher
                self.last_error = str(err)
                logger.exception("model watcher")

    def stop(self) -> None:
        self._stop.set()


def create_app(repository: ModelRepository, max_body_bytes: int = 10 * 1024 * 1024,
               batching: BatchingConfig = BatchingConfig(), prediction_log: Optional[PredictionLog] = None):
    import asyncio

    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from fastapi.responses import JSONResponse, PlainTextResponse
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
    from starlette.concurrency import run_in_threadpool

    from core.data.examples import RequestError, columns_to_instances

    app = FastAPI(title="adapt model server", docs_url=None, redoc_url=None)

    def openapi_document():  # made for each request: the features are the production version's
        model = repository.current
        return openapi.document(app, repository.name, model.raw_types if model else None,
                                model.required if model else ())

    app.openapi = openapi_document

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, err):  # an unknown path or method: the same JSON error as every other
        return JSONResponse({"error": str(err.detail)}, status_code=err.status_code, headers=err.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request, err):
        return JSONResponse({"error": request_problem(err)}, status_code=400)
    registry = CollectorRegistry()
    requests_total = Counter("adapt_requests_total", "HTTP requests", ["endpoint", "code"], registry=registry)
    latency = Histogram("adapt_predict_latency_seconds", "Predict latency", registry=registry)
    instances_total = Counter("adapt_predicted_instances_total", "Instances predicted", registry=registry)
    serving_version = Gauge("adapt_serving_version", "Production version being served", registry=registry)
    reloads = Gauge("adapt_model_reloads", "Versions loaded since start", registry=registry)
    log_dropped = Gauge("adapt_prediction_log_dropped_lines", "Prediction log lines lost (a full queue or disk)",
                        registry=registry)
    batch_rows = Histogram("adapt_batch_rows", "Rows per model call", registry=registry,
                           buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024))
    predicted_ok = requests_total.labels("predict", "200")
    batchers_lock = threading.Lock()

    def batcher_of(model) -> Batcher:
        with batchers_lock:
            if model.batcher is None:
                def predict(rows):
                    batch_rows.observe(len(rows))
                    return model.predict_serialized(rows)
                model.batcher = Batcher(predict, batching)
            return model.batcher

    async def shadow_answer(model, serialized, request_id: str, instances, logged: bool) -> None:
        try:
            rows = await asyncio.wrap_future(batcher_of(model).submit(serialized))
        except Exception as err:  # a shadow's failure is its own: counted and logged, never the client's
            requests_total.labels("shadow", "500").inc()
            logger.warning("shadow version %s failed request %s: %s", model.version, request_id, err)
            return
        requests_total.labels("shadow", "200").inc()
        if logged:
            rows = [row[0] for row in rows] if is_regression(model.info) else rows
            prediction_log.record(request_id, model.version, instances, json_values(rows), label="shadow")

    def error(status: int, message: str, endpoint: str):
        requests_total.labels(endpoint, str(status)).inc()
        return JSONResponse({"error": message}, status_code=status)

    def status_of(model) -> Dict:
        return {"version": str(model.version), "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""}}

    @app.get("/healthz", responses=openapi.error_responses(503))
    def health():
        model = repository.current
        if model is None:
            return JSONResponse({"status": "unavailable", "model": repository.name,
                                 "error": repository.last_error or "no version loaded"}, status_code=503)
        return {"status": "ok", "model": repository.name, "version": model.version}

    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics():
        model = repository.current
        serving_version.set(model.version if model else 0)
        reloads.set(repository.reloads)
        log_dropped.set(prediction_log.dropped if prediction_log is not None else 0)
        return PlainTextResponse(generate_latest(registry).decode(), media_type="text/plain; version=0.0.4")

    @app.get("/v1/models/{name}", responses=openapi.error_responses(400, 404, 503))
    def model_status(name: str):
        if name != repository.name:
            return error(404, f"model {name!r} not found; this server serves {repository.name!r}", "status")
        model = repository.current
        if model is None:
            return error(503, repository.last_error or "no version loaded yet", "status")
        requests_total.labels("status", "200").inc()
        canary = repository.canary
        return {"model_version_status": [status_of(model)] + ([status_of(canary[0])] if canary else [])}

    @app.get("/v1/models/{name}/versions/{version}", responses=openapi.error_responses(400, 404, 503))
    def version_status(name: str, version: int):
        if name != repository.name:
            return error(404, f"model {name!r} not found", "status")
        if version not in versions.list_versions(repository.base_path):
            return error(404, f"model {name} has no version {version}", "status")
        model = repository.current
        state = "AVAILABLE" if model is not None and model.version == version else "END"
        return {"model_version_status": [{"version": str(version), "state": state,
                                          "status": {"error_code": "OK", "error_message": ""}}]}

    @app.get("/v1/models/{name}/metadata", responses=openapi.error_responses(400, 404, 503))
    def metadata(name: str):
        model = repository.current
        if name != repository.name or model is None:
            return error(404, f"model {name!r} not available", "metadata")
        return {"model_spec": {"name": name, "version": str(model.version)},
                "metadata": {"raw_features": model.raw_types, "label": model.info.get("label"),
                             "required_features": model.required,
                             "optional_features": sorted(set(model.raw_types) - set(model.required)),
                             "classes": model_classes(model.info), "spans": model.info.get("spans"),
                             "schema_version": model.info.get("schema_version"),
                             "task": model.info.get("task", "classification"),
                             "signature_name": SIGNATURE_NAME}}

    async def read_body(receive) -> tuple:
        """(the body, its size): an oversized body is read and dropped (up to a hard cap) before the 413, so that
        the client, still sending, gets the answer instead of a reset connection."""
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk, more = message.get("body", b""), message.get("more_body", False)
            size += len(chunk)
            if size <= max_body_bytes:
                chunks.append(chunk)
            elif size > DRAIN_FACTOR * max_body_bytes:
                break
        return b"".join(chunks), size

    def failed(status: int, message: str, headers: Sequence = ()) -> tuple:
        requests_total.labels("predict", str(status)).inc()
        return status, {"error": message}, headers

    async def answer(spec: str, headers: Mapping[bytes, bytes], receive) -> tuple:
        """(status, JSON payload, extra headers) of a predict request to /v1/models/<spec>."""
        match = _PREDICT_PATH.match(spec)
        if not match:
            return failed(404, f"unknown endpoint /v1/models/{spec}")
        if match["verb"] != "predict":
            return failed(400, f"{match['verb']} is not supported; use :predict")
        if match["name"] != repository.name:
            return failed(404, f"model {match['name']!r} not found; this server serves {repository.name!r}")
        request_id = headers.get(b"x-request-id", b"").decode("latin-1").strip()[:128] or new_request_id()
        data, size = await read_body(receive)
        if size > max_body_bytes:
            return failed(413, f"request body of {size}{'+' if size > DRAIN_FACTOR * max_body_bytes else ''} "
                               f"bytes exceeds {max_body_bytes}")
        try:
            body = json.loads(data or b"null")
        except (ValueError, UnicodeDecodeError) as err:
            return failed(400, f"malformed JSON: {err}")
        if not isinstance(body, dict) or ("instances" in body) == ("inputs" in body):
            return failed(400, 'body must be an object with exactly one of "instances" or "inputs"')

        canary, label, shadow = repository.canary, "stable", None
        try:
            if match["version"]:
                model, label = await run_in_threadpool(repository.version, int(match["version"])), "version"
            elif match["label"] == "canary":
                if canary is None:
                    return failed(404, f"model {repository.name} has no canary now")
                model, label = canary[0], "canary"
            elif match["label"] not in (None, "stable"):
                return failed(404, f"unknown label {match['label']!r}: stable or canary")
            elif match["label"] is None and canary is not None and canary[1].get("shadow"):
                model, shadow = repository.current, canary[0]
            elif match["label"] is None and canary is not None and \
                    routed_to_canary(canary[1], headers.get(CANARY_KEY_HEADER.encode(), b"").decode("latin-1")):
                model, label = canary[0], "canary"
            else:
                model = repository.current
        except versions.VersionError as err:
            return failed(404, str(err))
        if model is None:
            return failed(503, repository.last_error or "no model version loaded yet")

        try:
            columnar = "inputs" in body
            instances = columns_to_instances(body["inputs"]) if columnar else body["instances"]
            if not isinstance(instances, list) or not instances:
                raise RequestError('"instances" must be a non-empty list')
            started = time.perf_counter()
            # a few instances are turned into examples here: a worker thread's round trip costs more than they do
            serialized = model.to_examples(instances) if len(instances) <= INLINE_INSTANCES else \
                await run_in_threadpool(model.to_examples, instances)
            rows = await asyncio.wrap_future(batcher_of(model).submit(serialized))
            latency.observe(time.perf_counter() - started)
        except RequestError as err:
            return failed(400, str(err))
        except Overloaded as err:
            return failed(503, f"overloaded: {err}; retry in {RETRY_AFTER_SECONDS} s",
                          [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())])
        if is_regression(model.info):  # a value per instance, in the label's unit
            rows = [row[0] for row in rows]
        rows = json_values(rows)
        instances_total.inc(len(rows))
        predicted_ok.inc()
        logged = prediction_log is not None and prediction_log.sampled()
        if logged:
            prediction_log.record(request_id, model.version, instances, rows, label=label)
        if shadow is not None:  # the shadow answers a copy after the client has its answer; its answer is logged
            asyncio.get_running_loop().create_task(shadow_answer(shadow, serialized, request_id, instances, logged))
        return 200, {"outputs" if columnar else "predictions": rows}, [
            (b"x-model-version", str(model.version).encode()), (b"x-request-id", request_id.encode()),
            (b"x-model-label", label.encode())]

    async def predict(scope, receive, send) -> None:
        headers = dict(scope["headers"])
        status, payload, extra = await answer(scope["path"][len(PREDICT_PREFIX):], headers, receive)
        body = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), *extra]})
        await send({"type": "http.response.body", "body": body})

    async def server(scope, receive, send) -> None:
        # predict requests skip FastAPI's routing and middleware: at a thousand requests a second on one core
        # they were a third of the server's time
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith(PREDICT_PREFIX):
            await predict(scope, receive, send)
        else:
            await app(scope, receive, send)

    return server


def request_problem(err) -> str:
    """FastAPI's RequestValidationError in one line: `<parameter>: <what is wrong>`."""
    problem = err.errors()[0] if err.errors() else {}
    where = ".".join(str(part) for part in problem.get("loc", ()) if part not in ("path", "query", "body"))
    return f"{where}: {problem.get('msg', 'invalid request')}"


def bind_socket(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP named explicitly: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets whose proto
    # says TCP, and an accepted socket inherits the listener's 0. With Nagle on, a response written as headers and
    # body waits for the client's delayed ACK: 40 ms per request on a kept-alive connection.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except (OSError, OverflowError) as err:
        sock.close()
        raise AdaptError(f"cannot listen on {host}:{port}: {getattr(err, 'strerror', None) or err}; "
                         f"choose another --port (0 picks a free one)") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(base_path: str, name: str, host: str = "127.0.0.1", port: int = 8501, poll_seconds: float = 2.0,
          max_body_mb: float = 10.0, port_file: Optional[str] = None, on_ready=None,
          batching: BatchingConfig = BatchingConfig(), prediction_log: Optional[PredictionLog] = None) -> None:
    """Runs the server until interrupted. port 0 picks a free port (written to port_file)."""
    import uvicorn

    repository = ModelRepository(base_path, name, poll_seconds)
    repository.start()
    app = create_app(repository, int(max_body_mb * 1024 * 1024), batching, prediction_log)
    sock = bind_socket(host, port)
    actual_port = sock.getsockname()[1]
    if port_file:
        temporary = Path(port_file).with_suffix(".tmp")
        temporary.write_text(str(actual_port))
        temporary.replace(port_file)
    if on_ready:
        on_ready(actual_port, repository)
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        repository.stop()
        if prediction_log is not None:
            prediction_log.close()


def json_values(rows):
    """The model's outputs as JSON can carry them: a value it could not compute (NaN, infinity) is null, not a 500
    for the whole request (the infra validator refuses such a model)."""
    if isinstance(rows, list):
        return [json_values(row) for row in rows]
    return rows if not isinstance(rows, float) or math.isfinite(rows) else None


def exit_with_parent(parent_pid: int, every_seconds: float = 0.5) -> threading.Thread:
    """Ends this process once its parent is gone (a killed training run must not leave its server behind)."""
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every_seconds)
        logger.warning("process %s that started this server is gone: exiting", parent_pid)
        os._exit(0)

    thread = threading.Thread(target=watch, name="parent-watcher", daemon=True)
    thread.start()
    return thread


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serving.server", description=__doc__.split("\n")[0])
    parser.add_argument("--model-base-path", required=True, help="folder holding numeric version folders")
    parser.add_argument("--model-name", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8501, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--poll-seconds", type=float, default=2.0)
    parser.add_argument("--max-body-mb", type=float, default=10.0)
    defaults = BatchingConfig()
    parser.add_argument("--max-batch-size", type=int, default=defaults.max_batch_size,
                        help="rows per model call (1: no batching)")
    parser.add_argument("--batch-timeout-ms", type=float, default=defaults.timeout_ms,
                        help="how long a batch waits for more requests after its first")
    parser.add_argument("--max-queued-rows", type=int, default=defaults.max_queued_rows,
                        help="rows waiting for the model before requests get 503")
    parser.add_argument("--log-predictions-dir", help="append what is answered to JSONL files here")
    parser.add_argument("--log-sample-rate", type=float, default=1.0, help="share of requests logged")
    parser.add_argument("--log-file-mb", type=float, default=64.0, help="size past which a log file rotates")
    parser.add_argument("--preload", action="store_true",
                        help="import TensorFlow before any version exists (a standby server, serving/process.py)")
    parser.add_argument("--parent-pid", type=int,
                        help="exit when this process (the one that started the server) is gone")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.parent_pid:
        exit_with_parent(args.parent_pid)
    if args.preload:
        import serving.model  # noqa: F401
    serve(args.model_base_path, args.model_name, args.host, args.port, args.poll_seconds,
          args.max_body_mb, args.port_file,
          batching=BatchingConfig(args.max_batch_size, args.batch_timeout_ms, args.max_queued_rows),
          prediction_log=PredictionLog(args.log_predictions_dir, args.log_sample_rate,
                                       int(args.log_file_mb * 1024 * 1024)) if args.log_predictions_dir else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
