"""Benchmark: the model server under load, steady and during a hot reload, side by side.

    python -m benchmarks.serving_load [--clients 20] [--requests 200]

Serves a small SavedModel with adapt's server (a separate process, as `adapt
serve` runs it), fires N clients x M predict requests twice — once steady,
once while a new version is pushed — and reports requests per second, p50/p99
latency, failures, and how long the new version took to load. Writes
benchmarks/results/serving_load.md.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from serving.load import run_load
from tests.helpers import save_tiny_model  # the same tiny model the serving tests use

RESULTS = Path(__file__).resolve().parent / "results" / "serving_load.md"
INSTANCE = {"trip_miles": 1.5, "payment_type": "Cash", "trip_start_hour": 9}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="adapt-load-"))
    models = {v: save_tiny_model(str(root / "models" / str(v)), weight=0.5 * v) for v in (1, 2)}
    base = root / "serving" / "taxi"
    base.mkdir(parents=True)
    shutil.copytree(models[1], base / "1")
    port_file = root / "port"
    server = subprocess.Popen([sys.executable, "-m", "serving.server", "--model-base-path", str(base),
                               "--model-name", "taxi", "--port", "0", "--port-file", str(port_file),
                               "--poll-seconds", "0.2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not port_file.exists():
            time.sleep(0.1)
        port = int(port_file.read_text())
        body = {"instances": [INSTANCE]}
        run_load(port, "taxi", body, clients=2, requests_per_client=20)  # warm-up
        steady = run_load(port, "taxi", body, clients=args.clients, requests_per_client=args.requests)
        pushed_at = {}

        def push():
            time.sleep(0.5)
            shutil.copytree(models[2], base / ".staging-2")
            os.replace(base / ".staging-2", base / "2")
            pushed_at["t"] = time.perf_counter()

        reload = run_load(port, "taxi", body, clients=args.clients, requests_per_client=args.requests, during=push)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as response:
            metrics = response.read().decode()
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    load_lines = [line for line in stderr.decode().splitlines() if "loaded in" in line]
    load_seconds = load_lines[-1].rsplit("loaded in ", 1)[-1].rstrip(")") if load_lines else "?"

    rows = [("steady", steady.summary()), ("during hot reload", reload.summary())]
    lines = ["| run | requests | failed | req/s | p50 ms | p99 ms | versions answered |", "|---|---|---|---|---|---|---|"]
    for name, s in rows:
        lines.append(f"| {name} | {s['requests']} | {s['failed']} | {s['requests_per_second']} | {s['p50_ms']} "
                     f"| {s['p99_ms']} | {json.dumps(s['versions'], sort_keys=True)} |")
    ratio = reload.requests_per_second / steady.requests_per_second if steady.requests_per_second else 0
    lines += ["", f"throughput during reload / steady: {ratio:.2f}x; new version loaded in {load_seconds}; "
                  f"reloads reported by /metrics: "
                  f"{[l for l in metrics.splitlines() if l.startswith('adapt_model_reloads ')][0].split()[-1]}"]
    text = "\n".join(lines)
    print(text)
    RESULTS.write_text(f"# Model server load ({args.clients} clients x {args.requests} requests, loopback)\n\n"
                       f"Command: `python -m benchmarks.serving_load {' '.join(sys.argv[1:])}`".rstrip()
                       + f" ({time.strftime('%Y-%m-%d')}, 2-core machine, tiny SavedModel)\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
