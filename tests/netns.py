"""Beam SDK worker pools on other "hosts", for tests: each in a Linux network namespace of its own.

`worker_pools(2)` makes two namespaces joined to this host by a veth pair each (10.231.N.1 here, 10.231.N.2
there), starts `python -m apache_beam.runners.worker.worker_pool_main` inside each, and yields their
addresses for `--environment_type=EXTERNAL --environment_config=ADDRESS`. A worker there shares nothing with
the runner but the filesystem (the stand-in for a bucket): no loopback, no shared memory, its own processes.

Beam's embedded job service tells an EXTERNAL worker to call its control, data, state and logging services back
at `socket.getfqdn()` (apache_beam/runners/portability/fn_api_runner/worker_handlers.py), which on this
machine is `localhost`. As with Docker's host.docker.internal, each namespace's /etc/hosts (ip netns exec
bind-mounts /etc/netns/NAME/hosts) names this host's end of the veth pair so. Needs root (`ip netns`).
"""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from typing import Iterator, List

POOL_PORT = 50000
WORKER_STARTED = "Starting worker with command"   # worker_pool_main's line for each SDK worker it starts


def workers_started(log_path: str) -> int:
    with open(log_path, errors="replace") as log:
        return log.read().count(WORKER_STARTED)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def available() -> str:
    """'' when namespaces can be made here, else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is missing"
    return ""


def _wait_for_port(host: str, port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker pool at {host}:{port} exited {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
            return
        time.sleep(0.3)
    raise TimeoutError(f"worker pool at {host}:{port} did not listen within {seconds:g} s")


def remove_stale() -> None:
    """Removes the namespaces (and their veth ends) of test runs that were killed before their teardown."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    for name in listed:
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == "adapt" and parts[1].startswith("w") and parts[2].isdigit() \
                and not os.path.exists(f"/proc/{parts[2]}"):
            subprocess.run(["ip", "link", "del", f"a{parts[1]}h{parts[2]}"], capture_output=True)
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
            shutil.rmtree(f"/etc/netns/{name}", ignore_errors=True)


@contextlib.contextmanager
def worker_pools(count: int, log_dir: str) -> Iterator[List[str]]:
    """Addresses (ip:port) of `count` SDK worker pools, each in its own namespace, logging to
    LOG_DIR/worker-pool-N.log; all torn down on exit."""
    remove_stale()
    tag = str(os.getpid())
    made, processes, logs = [], [], []
    # a pool starts each SDK worker as `python -c ...`: this virtualenv's, as an image's PATH would name it
    worker_env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    try:
        for n in range(1, count + 1):
            name, here, there = f"adapt-w{n}-{tag}", f"aw{n}h{tag}", f"aw{n}n{tag}"
            host_ip, pool_ip = f"10.231.{n}.1", f"10.231.{n}.2"
            _ip("netns", "add", name)
            made.append((name, here))
            _ip("link", "add", here, "type", "veth", "peer", "name", there)
            _ip("link", "set", there, "netns", name)
            _ip("addr", "add", f"{host_ip}/24", "dev", here)
            _ip("link", "set", here, "up")
            _ip("netns", "exec", name, "ip", "addr", "add", f"{pool_ip}/24", "dev", there)
            _ip("netns", "exec", name, "ip", "link", "set", there, "up")
            _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
            os.makedirs(f"/etc/netns/{name}", exist_ok=True)
            with open(f"/etc/netns/{name}/hosts", "w") as hosts:
                hosts.write(f"{host_ip} localhost {socket.getfqdn()}\n")
            log = open(os.path.join(log_dir, f"worker-pool-{n}.log"), "wb")
            logs.append(log)
            process = subprocess.Popen(
                ["ip", "netns", "exec", name, sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main",
                 f"--service_port={POOL_PORT}"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env=worker_env)
            processes.append(process)
            _wait_for_port(pool_ip, POOL_PORT, process)
        yield [f"10.231.{n}.2:{POOL_PORT}" for n in range(1, count + 1)]
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 9)
            process.wait()
        for log in logs:
            log.close()
        for name, here in made:
            subprocess.run(["ip", "link", "del", here], capture_output=True)
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
            shutil.rmtree(f"/etc/netns/{name}", ignore_errors=True)
