"""HTTP model server in TF Serving's REST shape, with hot reload: `adapt serve` runs it, and the training
pipeline's local infra validation starts it in a subprocess (`python -m serving.server`); both through `serve`.

    POST /v1/models/<name>[/versions/<v> | /labels/<stable|canary>]:predict    serving/predict.py
    GET  /v1/models/<name>[/versions/<v> | /metadata], /healthz, /metrics      serving/status.py

The versions come from serving/repository.py (the production version, swapped in whole when a new one is
pushed or pinned, and a canary); serving/routing.py chooses the version of each predict request; with a
prediction log (serving/prediction_log.py), what the server answers is appended to JSONL files a later batch is
made of. Bad requests get a 4xx JSON error and never stop the server.
"""
import argparse
import logging
import os
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Optional

from core.config import BatchingConfig, ServingConfig
from core.errors import AdaptError
from serving.prediction_log import PredictionLog
from serving.repository import ModelRepository

logger = logging.getLogger("adapt.serving")

MB = 1024 * 1024

OnReady = Callable[[int, ModelRepository], None]   # (the port listened on, the repository), once listening


def create_app(repository: ModelRepository, max_body_bytes: int = 10 * MB,
               batching: BatchingConfig = BatchingConfig(), prediction_log: Optional[PredictionLog] = None):
    """The server as an ASGI app: predict requests straight to their handler, every other request to FastAPI."""
    # imported here, not above: `adapt`'s parser declares the server's flags from this module
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, PlainTextResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from serving import openapi
    from serving.metrics import ServerMetrics
    from serving.predict import PREDICT_PREFIX, PredictEndpoint
    from serving.status import StatusEndpoints

    metrics = ServerMetrics()
    status = StatusEndpoints(repository, metrics, prediction_log)
    predict = PredictEndpoint(repository, metrics, max_body_bytes, batching, prediction_log).handle
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

    app.get("/healthz", responses=openapi.error_responses(503))(status.health)
    app.get("/metrics", response_class=PlainTextResponse)(status.metrics)
    app.get("/v1/models/{name}", responses=openapi.error_responses(400, 404, 503))(status.model_status)
    app.get("/v1/models/{name}/versions/{version}",
            responses=openapi.error_responses(400, 404, 503))(status.version_status)
    app.get("/v1/models/{name}/metadata", responses=openapi.error_responses(400, 404, 503))(status.metadata)

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


def serve(base_path: str, name: str, settings: ServingConfig = ServingConfig(), log_dir: Optional[str] = None,
          port_file: Optional[str] = None, on_ready: Optional[OnReady] = None) -> None:
    """Serves model `name` from `base_path` until interrupted, as `settings` say: what `adapt serve` and
    `python -m serving.server` both run. What the server does (versions loaded, canaries, its prediction log) is
    said on stderr; with settings.log_predictions, what it answers is appended to JSONL files in `log_dir`.
    Port 0 picks a free port, written to `port_file`."""
    import uvicorn

    log_to_console()
    prediction_log = None
    if settings.log_predictions and log_dir:
        prediction_log = PredictionLog(log_dir, settings.log_sample_rate, int(settings.log_file_mb * MB))
        print(f"logging predictions to {log_dir} ({settings.log_sample_rate:.0%} of requests)", file=sys.stderr)
    repository = ModelRepository(base_path, name, settings.poll_seconds)
    repository.start()
    app = create_app(repository, int(settings.max_body_mb * MB), settings.batching, prediction_log)
    sock = bind_socket(settings.host, settings.port)
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


def log_to_console() -> None:
    """The server's own log lines (adapt.serving: versions loaded, canaries, the prediction log) go to stderr,
    whatever the process's other logging says (adapt's command line keeps the console to errors)."""
    if not logger.handlers:
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        console.setLevel(logging.INFO)
        logger.addHandler(console)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def add_address_flags(parser: argparse.ArgumentParser) -> None:
    """--host and --port of a model server (`adapt serve`'s and `python -m serving.server`'s): None when not given,
    so that the configuration's serving.host and serving.port apply."""
    parser.add_argument("--port", type=int, help=f"default: serving.port ({ServingConfig.port}); 0 picks a free port")
    parser.add_argument("--host", help=f"default: serving.host ({ServingConfig.host})")


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
    defaults = ServingConfig()
    add_address_flags(parser)
    parser.set_defaults(host=defaults.host, port=defaults.port)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--poll-seconds", type=float, default=defaults.poll_seconds)
    parser.add_argument("--max-body-mb", type=float, default=defaults.max_body_mb)
    parser.add_argument("--max-batch-size", type=int, default=defaults.batching.max_batch_size,
                        help="rows per model call (1: no batching)")
    parser.add_argument("--batch-timeout-ms", type=float, default=defaults.batching.timeout_ms,
                        help="how long a batch waits for more requests after its first")
    parser.add_argument("--max-queued-rows", type=int, default=defaults.batching.max_queued_rows,
                        help="rows waiting for the model before requests get 503")
    parser.add_argument("--log-predictions-dir", help="append what is answered to JSONL files here")
    parser.add_argument("--log-sample-rate", type=float, default=defaults.log_sample_rate,
                        help="share of requests logged")
    parser.add_argument("--log-file-mb", type=float, default=defaults.log_file_mb,
                        help="size past which a log file rotates")
    parser.add_argument("--preload", action="store_true",
                        help="import TensorFlow before any version exists (a standby server, serving/process.py)")
    parser.add_argument("--parent-pid", type=int,
                        help="exit when this process (the one that started the server) is gone")
    args = parser.parse_args(argv)
    if args.parent_pid:
        exit_with_parent(args.parent_pid)
    if args.preload:
        import serving.model  # noqa: F401
    settings = ServingConfig(
        host=args.host, port=args.port, poll_seconds=args.poll_seconds, max_body_mb=args.max_body_mb,
        batching=BatchingConfig(args.max_batch_size, args.batch_timeout_ms, args.max_queued_rows),
        log_predictions=bool(args.log_predictions_dir), log_sample_rate=args.log_sample_rate,
        log_file_mb=args.log_file_mb)
    serve(args.model_base_path, args.model_name, settings, args.log_predictions_dir, args.port_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
