"""Benchmark: the model server under load: batching off and on side by side, then steady against a hot reload.

    python -m benchmarks.serving_load [--workdir W] [--clients 20] [--requests 200]

Serves a model with adapt's server (a separate process, as `adapt serve` runs
it): the model a workspace serves (`--workdir`, e.g. the taxi demo's
gradient-boosted trees, one row of its newest span as the request), or the
tests' tiny SavedModel. First the batching table: for each server setting
(`--max-batch-size 1`, no batching, against server-side batching with and
without a wait), 1, 20 and 50 clients each send `--requests` one-row predict
requests on kept-alive connections; printed are requests per second, p50 and
p99 latency and the mean rows per model call (from /metrics). Then the
default setting steady, while a new version is pushed, and while a canary at
10 % starts: failures, versions answered, and how long the new version took to
load. First of all, the model alone: calls per second in this process, one
serialized example per call, the rate the issue's bars compare the server with. The load generator runs on the same two
cores, so read the figures as ratios. Writes benchmarks/results/serving_load.md.
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from benchmarks import command_line
from core import versions
from serving.load import run_load
from tests.helpers import save_tiny_model  # the same tiny model the serving tests use

RESULTS = Path(__file__).resolve().parent / "results" / "serving_load.md"
TINY_INSTANCE = {"trip_miles": 1.5, "payment_type": "Cash", "trip_start_hour": 9}
# (name, server flags): no batching, and batching as configured by default and with a 2 ms wait
SETTINGS = [("no batching (--max-batch-size 1)", ["--max-batch-size", "1"]),
            ("batching, max 64 rows, no wait (default)", ["--max-batch-size", "64", "--batch-timeout-ms", "0"]),
            ("batching, max 64 rows, 2 ms wait", ["--max-batch-size", "64", "--batch-timeout-ms", "2"])]
CLIENTS = (1, 20, 50)
CANARY_TRAFFIC = 0.1


def workspace_model(workdir: Path) -> Tuple[Path, str, Dict]:
    """(the served model's version folder, its name, one row of the newest span as a request instance)."""
    from core import versions
    from core.config import Config
    from core.contract import read_model_info
    from core.data.examples import csv_row_to_instance
    from core.workspace import Workspace
    config = Config.load(workdir / "adapt.yaml")
    base = Workspace(workdir).serving_model_dir(config)
    version = Path(versions.version_path(base, versions.production_version(base)))
    info = read_model_info(str(version))
    newest = max((workdir / "data").glob("span-*"), key=lambda p: int(p.name.split("-")[1]))
    with open(next((newest / "test").glob("*.csv"))) as handle:
        reader = csv.reader(handle)
        header, row = next(reader), next(reader)
    instance = {k: v for k, v in csv_row_to_instance(header, row, info["raw_features"]).items() if v is not None}
    return version, config.model.name, instance


class Server:
    """`python -m serving.server` on a free port, with the given flags."""

    def __init__(self, base: Path, name: str, root: Path, flags: Sequence[str] = ()):
        port_file = root / f"port-{time.monotonic_ns()}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "serving.server", "--model-base-path", str(base), "--model-name", name,
             "--port", "0", "--port-file", str(port_file), "--poll-seconds", "0.2", *flags],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while not port_file.exists():
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode()[-2000:])
            time.sleep(0.1)
        self.port = int(port_file.read_text())

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics") as response:
            return response.read().decode()

    def stop(self) -> str:
        self.process.terminate()
        return self.process.communicate(timeout=30)[1].decode()


def bare_call_rate(model_dir: Path, instance: Dict, calls: int = 2000) -> float:
    """Calls per second of the model in this process, one serialized example per call: what a server adds to."""
    from serving.model import LoadedModel
    model = LoadedModel.load(str(model_dir), 1)
    serialized = model.to_examples([instance])
    for _ in range(50):
        model.predict_serialized(serialized)
    started = time.perf_counter()
    for _ in range(calls):
        model.predict_serialized(serialized)
    return calls / (time.perf_counter() - started)


def bars(bare: float, rows: List[Dict], transitions: List[Dict]) -> List[str]:
    def verdict(met: bool) -> str:
        return "met" if met else "NOT met"
    default = [r for r in rows if r["setting"] == SETTINGS[1][0]]
    one = next(r for r in default if r["clients"] == 1)
    twenty = next(r for r in default if r["clients"] == 20)
    failed = sum(t["failed"] for t in transitions)
    return [f"- {verdict(one['p50_ms'] <= 5)}: one keep-alive client's p50 <= 5 ms: {one['p50_ms']} ms",
            f"- {verdict(twenty['rps'] >= 0.8 * bare and twenty['p99_ms'] <= 50)}: 20 clients >= 0.8 x the model "
            f"alone with p99 <= 50 ms: {twenty['rps']} req/s = {twenty['rps'] / bare:.2f} x {bare:.0f}, "
            f"p99 {twenty['p99_ms']} ms",
            f"- {verdict(failed == 0)}: 0 failed requests during the hot reload and the canary: {failed}"]


def batching_table(base: Path, name: str, root: Path, body: Dict, requests: int,
                   found: List[Dict]) -> List[str]:
    lines = ["| server | clients | req/s | p50 ms | p99 ms | rows per model call | failed |",
             "|---|---|---|---|---|---|---|"]
    for label, flags in SETTINGS:
        server = Server(base, name, root, flags)
        try:
            run_load(server.port, name, body, clients=2, requests_per_client=20)  # warm-up
            for clients in CLIENTS:
                before = server.metrics()
                result = run_load(server.port, name, body, clients=clients, requests_per_client=requests)
                s = result.summary()
                lines.append(f"| {label} | {clients} | {s['requests_per_second']} | {s['p50_ms']} | {s['p99_ms']} | "
                             f"{rows_per_call(before, server.metrics()):.1f} | {s['failed']} |")
                found.append({"setting": label, "clients": clients, "rps": s["requests_per_second"],
                              "p50_ms": s["p50_ms"], "p99_ms": s["p99_ms"]})
                print(lines[-1], flush=True)
        finally:
            server.stop()
    return lines


def rows_per_call(before: str, after: str) -> float:
    """Mean rows per model call between two /metrics texts."""
    def totals(text):
        values = {line.split()[0]: float(line.split()[1]) for line in text.splitlines()
                  if line.startswith(("adapt_batch_rows_sum", "adapt_batch_rows_count"))}
        return values.get("adapt_batch_rows_sum", 0.0), values.get("adapt_batch_rows_count", 0.0)
    (rows0, calls0), (rows1, calls1) = totals(before), totals(after)
    return (rows1 - rows0) / (calls1 - calls0) if calls1 > calls0 else 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", help="serve this workspace's model (default: the tests' tiny SavedModel)")
    parser.add_argument("--clients", type=int, default=20, help="clients of the hot-reload run")
    parser.add_argument("--requests", type=int, default=200, help="requests per client")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="adapt-load-"))
    if args.workdir:
        served, name, instance = workspace_model(Path(args.workdir).resolve())
        models = {1: str(served), 2: str(served)}
        what = f"the model {args.workdir} serves ({name} version {served.name})"
    else:
        models = {v: save_tiny_model(str(root / "models" / str(v)), weight=0.5 * v) for v in (1, 2)}
        name, instance, what = "taxi", TINY_INSTANCE, "tiny SavedModel"
    base = root / "serving" / name
    base.mkdir(parents=True)
    shutil.copytree(models[1], base / "1")
    body = {"instances": [instance]}
    bare = bare_call_rate(base / "1", instance)
    print(f"the model alone: {bare:.0f} calls/s", flush=True)
    batching_rows: List[Dict] = []
    batching = batching_table(base, name, root, body, args.requests, batching_rows)

    server = Server(base, name, root)
    try:
        run_load(server.port, name, body, clients=2, requests_per_client=20)  # warm-up
        steady = run_load(server.port, name, body, clients=args.clients, requests_per_client=args.requests)

        def push():
            time.sleep(0.5)
            shutil.copytree(models[2], base / ".staging-2")
            os.replace(base / ".staging-2", base / "2")

        reload = run_load(server.port, name, body, clients=args.clients, requests_per_client=args.requests,
                          during=push)

        def start_canary():  # version 2 serves: 1 becomes the stable version, 2 its canary at 10 %
            time.sleep(0.5)
            versions.start_canary(str(base), 2, CANARY_TRAFFIC)

        canary = run_load(server.port, name, body, clients=args.clients, requests_per_client=args.requests,
                          during=start_canary)
        metrics = server.metrics()
    finally:
        stderr = server.stop()
    load_lines = [line for line in stderr.splitlines() if "loaded in" in line]
    load_seconds = load_lines[-1].rsplit("loaded in ", 1)[-1].rstrip(")") if load_lines else "?"

    lines = ["| run | requests | failed | req/s | p50 ms | p99 ms | versions answered |", "|---|---|---|---|---|---|---|"]
    for run, s in [("steady", steady.summary()), ("during hot reload", reload.summary()),
                   (f"a canary at {CANARY_TRAFFIC:.0%} starting", canary.summary())]:
        lines.append(f"| {run} | {s['requests']} | {s['failed']} | {s['requests_per_second']} | {s['p50_ms']} "
                     f"| {s['p99_ms']} | {json.dumps(s['versions'], sort_keys=True)} |")
    ratio = reload.requests_per_second / steady.requests_per_second if steady.requests_per_second else 0
    lines += ["", f"throughput during reload / steady: {ratio:.2f}x; new version loaded in {load_seconds}; "
                  f"reloads reported by /metrics: "
                  f"{[m for m in metrics.splitlines() if m.startswith('adapt_model_reloads ')][0].split()[-1]}"]
    text = "\n".join([f"# Model server load: {what}, loopback", "", command_line("serving_load", argv), "",
                      f"## The model alone: {bare:.0f} calls/s, one serialized example per call, in this process",
                      "", f"## Server-side batching: one-row requests, {args.requests} per client", "", *batching, "",
                      f"## Hot reload and canary: default server, {args.clients} clients x {args.requests} requests",
                      "", *lines, "", "## Bars (issue 27)", "",
                      *bars(bare, batching_rows, [reload.summary(), canary.summary()])])
    print(text)
    RESULTS.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
