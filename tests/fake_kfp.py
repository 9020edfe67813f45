"""A small Kubeflow Pipelines API server on loopback: the endpoints kfp.Client calls to start a run.

It implements the v2beta1 REST calls behind `create_run_from_pipeline_package`
(find or create the experiment, create the run) and keeps every request, so a
test can assert on what a real HTTP round trip carried.
"""
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List
from urllib.parse import parse_qs, urlparse


class FakeKfp:

    def __init__(self):
        self.experiments: List[Dict[str, Any]] = []
        self.runs: List[Dict[str, Any]] = []
        self.requests: List[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: Dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _body(self) -> Dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"{}")

            def do_GET(self):
                url = urlparse(self.path)
                fake.requests.append(f"GET {url.path}")
                if url.path == "/apis/v2beta1/experiments":
                    wanted = json.dumps(parse_qs(url.query).get("filter", [""])[0])
                    found = [e for e in fake.experiments if json.dumps(e["display_name"])[1:-1] in wanted]
                    return self._reply(200, {"experiments": found, "total_size": len(found)})
                if url.path == "/apis/v2beta1/healthz":
                    return self._reply(200, {"multi_user": False})
                return self._reply(404, {"error": f"not implemented: GET {url.path}"})

            def do_POST(self):
                url = urlparse(self.path)
                fake.requests.append(f"POST {url.path}")
                body = self._body()
                if url.path == "/apis/v2beta1/experiments":
                    experiment = {**body, "experiment_id": str(uuid.uuid4())}
                    fake.experiments.append(experiment)
                    return self._reply(200, experiment)
                if url.path == "/apis/v2beta1/runs":
                    run = {**body, "run_id": str(uuid.uuid4()), "state": "PENDING"}
                    fake.runs.append(run)
                    return self._reply(200, run)
                return self._reply(404, {"error": f"not implemented: POST {url.path}"})

        return Handler
