"""How fast the dashboard draws a workspace of a hundred evaluated batches and twenty versions (issue 26).

    python -m benchmarks.ui_speed [--workdir /tmp/adapt-ui-speed] [--batches 100] [--versions 20]

Builds the workspace as a user would (`adapt init`, then `adapt replay --policy periodic --limit V-1` for the
versions, then `adapt replay --policy static` for the remaining batches of a generated table), unless it is
there already; then times every page in process (FastAPI's TestClient: the app's whole work for a request,
without the network), each page ROUNDS times, and `adapt report --html` as a command. Bar: every page under a
second. Written to benchmarks/results/ui_speed.md.
"""
import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence

from benchmarks import adapt, command_line

RESULTS = Path(__file__).parent / "results" / "ui_speed.md"
ROUNDS = 7
BAR_SECONDS = 1.0


def build(workdir: Path, batches: int, versions: int, log: Path) -> None:
    from tests.streams import covariate_shift_batches
    folder = workdir.parent / f"{workdir.name}-batches"
    if not folder.exists():
        covariate_shift_batches(folder, batches=batches + 1, rows=200, shift_per_batch=2.0 / batches)
    adapt(["init", "--data", folder / "batch-01", "--label", "bought", "--workdir", workdir], log)
    adapt(["replay", folder, "--workdir", workdir, "--policy", "periodic", "--limit", versions - 1], log)
    adapt(["replay", folder, "--workdir", workdir, "--policy", "static"], log)


def time_pages(workdir: Path) -> List[dict]:
    from fastapi.testclient import TestClient

    from core.workspace import Workspace
    from pipeline.ui.app import create_app
    from pipeline.ui.views import Views
    workspace = Workspace.open(str(workdir), create=False)
    client = TestClient(create_app(workspace))
    evaluations = Views(workspace, workspace.load_config()).batch_evaluations()
    paths = ["/", "/batches", f"/batches/{evaluations[-1]['batch']}",
             f"/batches/{evaluations[-1]['batch']}?feature=x1", "/models", "/data", "/runs"]
    found = []
    for path in paths:
        seconds = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            answer = client.get(path)
            seconds.append(time.perf_counter() - started)
            assert answer.status_code == 200, (path, answer.status_code)
        found.append({"page": path, "min": min(seconds), "median": statistics.median(seconds), "max": max(seconds),
                      "bytes": len(answer.content)})
    return found


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="/tmp/adapt-ui-speed")
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--versions", type=int, default=20)
    args = parser.parse_args(argv)
    workdir, log = Path(args.workdir), Path(args.workdir + ".log")
    if not (workdir / "metadata.sqlite").exists():
        build(workdir, args.batches, args.versions, log)
    from core.workspace import Workspace
    from pipeline.ui.views import Views
    workspace = Workspace.open(str(workdir), create=False)
    views = Views(workspace, workspace.load_config())
    models = views.models()
    evaluations, trained, versions = len(views.batch_evaluations()), len(models), len([m for m in models
                                                                                        if m["version"]])
    pages = time_pages(workdir)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline.cli", "report", "--html", "--workdir", str(workdir)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report_seconds = time.perf_counter() - started
    slowest = max(page["median"] for page in pages)
    lines = ["# Dashboard speed (issue 26)", "", command_line("ui_speed", argv), "",
             f"A workspace of {evaluations} batch evaluations and {trained} trained models, {versions} of them pushed "
             f"(a generated table: "
             f"`adapt replay --policy periodic --limit {args.versions - 1}`, then `--policy static`). Each page "
             f"requested {ROUNDS} times in process (FastAPI's TestClient), seconds:", "",
             "| page | min | median | max | bytes |", "|---|---|---|---|---|"]
    lines += [f"| `{p['page']}` | {p['min']:.3f} | {p['median']:.3f} | {p['max']:.3f} | {p['bytes']:,} |"
              for p in pages]
    lines += ["", f"`adapt report --html` (the whole command, imports included): {report_seconds:.1f} s.", "",
              f"- {'met' if slowest < BAR_SECONDS else 'NOT met'}: every page under {BAR_SECONDS:.0f} s "
              f"(slowest median {slowest:.3f} s)"]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
