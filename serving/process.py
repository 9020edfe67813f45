"""The model server in a child process, serving one model folder on a free loopback port: infra validation's.

`ServerProcess` starts `python -m serving.server` on an empty folder of its
own; `serve(model_path)` links the model in as version 1 and the server loads
it at its next look (every POLL_SECONDS). Starting the process costs its
TensorFlow import (~2.5 s here), so a training run asks for one at its start
(`start_standby`), and ServingInfraValidator, minutes later, `take`s it ready,
or starts its own when there is none (Kubeflow, Vertex, or a test calling the
executor alone). A standby is started with `--preload`: TensorFlow only, never a
model kind's custom ops, which the server must still register itself.
"""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import List, Optional

import requests

POLL_SECONDS = 0.1
_lock = threading.Lock()


class ServerError(RuntimeError):
    """The server exited, or did not answer in time, or could not load the model (the message says which)."""


class ServerProcess:
    """`python -m serving.server` on a folder of its own (`base`), its log in `base/server.log`."""

    def __init__(self, model_name: str):
        self.model_name = model_name
        self.base = tempfile.mkdtemp(prefix="adapt-infra-")
        self.port_file = os.path.join(self.base, "port")
        self.log_path = os.path.join(self.base, "server.log")
        self.port: Optional[int] = None
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "serving.server", "--model-base-path", self.base,
                 "--model-name", model_name, "--port", "0", "--port-file", self.port_file,
                 "--poll-seconds", str(POLL_SECONDS), "--preload", "--parent-pid", str(os.getpid())],
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})

    def alive(self) -> bool:
        return self.process.poll() is None

    def serve(self, model_path: str) -> None:
        os.symlink(os.path.abspath(model_path), os.path.join(self.base, "1"))

    def wait_until_available(self, deadline: float) -> float:
        """Seconds until the model answered /healthz; raises ServerError when it cannot."""
        started = time.perf_counter()
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"model server exited with code {self.process.returncode}: {self.log_tail()}")
            if self.port is None and os.path.exists(self.port_file):
                self.port = int(open(self.port_file).read())
            if self.port is not None:
                try:
                    health = requests.get(f"{self.url}/healthz", timeout=2)
                except requests.RequestException:
                    health = None
                if health is not None and health.status_code == 200:
                    return time.perf_counter() - started
                if health is not None and "failed to load" in health.json().get("error", ""):
                    raise ServerError(health.json()["error"][:500])
            time.sleep(0.05)
        raise ServerError(f"model server did not become available in time: {self.log_tail()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 5) -> str:
        with open(self.log_path, errors="replace") as handle:
            return " | ".join(line.strip() for line in handle.readlines()[-lines:])

    def close(self, keep_log: Optional[str] = None, wait: bool = True) -> None:
        """Stops the server and removes its folder, copying its log to `keep_log` first. `wait=False` leaves the
        waiting for its exit (a TensorFlow process takes a few tenths of a second to end) to a thread of this
        process, which the interpreter joins at exit."""
        if keep_log:
            shutil.copyfile(self.log_path, keep_log)
        if self.process.poll() is None:
            self.process.terminate()
        if wait:
            self._reap()
            return
        reaper = threading.Thread(target=self._reap, name="infra-server-reaper", daemon=True)
        reaper.start()
        with _lock:
            _reapers[:] = [other for other in _reapers if other.is_alive()] + [reaper]

    def _reap(self) -> None:
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)


_reapers: List[threading.Thread] = []


@atexit.register
def _join_reapers() -> None:
    with _lock:
        reapers, _reapers[:] = list(_reapers), []
    for reaper in reapers:
        reaper.join(timeout=20)


_standby: Optional[ServerProcess] = None


def start_standby(model_name: str) -> None:
    """Starts a server for the next `take(model_name)` of this process, unless one waits already."""
    global _standby
    with _lock:
        if _standby is not None and _standby.alive() and _standby.model_name == model_name:
            return
        old, _standby = _standby, ServerProcess(model_name)
    if old is not None:
        old.close()


def drop_standby() -> None:
    """Stops a standby nobody took (the run ended before infra validation, or was served from the cache)."""
    global _standby
    with _lock:
        old, _standby = _standby, None
    if old is not None:
        old.close()


def take(model_name: str) -> ServerProcess:
    """The standby server when one waits for this model name, else a new one."""
    global _standby
    with _lock:
        standby, _standby = _standby, None
    if standby is not None and standby.alive() and standby.model_name == model_name:
        return standby
    if standby is not None:
        standby.close()
    return ServerProcess(model_name)
