"""Benchmark: the cost of an idle `adapt watch` tick, next to what importing TensorFlow alone costs.

    python -m benchmarks.idle_tick [--batches 16] [--repeat 5]

Builds a workspace whose incoming/ holds N already-processed taxi-sized batches,
then measures side by side, in one run:
  - an idle tick in-process (scan + readiness of every batch),
  - a whole `adapt watch --once` process (interpreter start, CLI, one idle tick),
  - a process that only imports TensorFlow (what a tick must avoid),
and writes the table to benchmarks/results/idle_tick.md.
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "idle_tick.md"


def make_workspace(root: Path, batches: int) -> None:
    from core.workspace import Workspace
    workspace = Workspace(root)
    for index in range(batches):
        folder = root / "incoming" / f"batch-{index:02d}"
        folder.mkdir(parents=True)
        rows = "\n".join(f"{i}.5,Cash,{i % 2}" for i in range(1200))
        (folder / "data.csv").write_text("fare,payment_type,big_tipper\n" + rows + "\n")
        workspace.batch(str(folder), label="big_tipper").write_state({"status": "evaluated", "labeled": True})


def timed_process(command) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="adapt-idle-"))
    make_workspace(root, args.batches)

    from core.workspace import Workspace
    from pipeline.triggers.watcher import Watcher
    workspace = Workspace.open(str(root))
    watcher = Watcher(workspace, workspace.load_config(), echo=lambda line: None)
    in_process = [watcher.tick().seconds for _ in range(args.repeat)]
    assert "tensorflow" not in sys.modules, "an idle tick imported TensorFlow"

    watch = [timed_process([sys.executable, "-m", "pipeline.cli", "watch", "--once", "--workdir", str(root)])
             for _ in range(args.repeat)]
    tensorflow = [timed_process([sys.executable, "-c", "import tensorflow"]) for _ in range(args.repeat)]

    tick, process, tf_import = (statistics.median(v) for v in (in_process, watch, tensorflow))
    lines = ["| measurement (median of %d) | seconds |" % args.repeat, "|---|---|",
             f"| idle tick in-process, {args.batches} processed batches | {tick:.3f} |",
             f"| `adapt watch --once` process, idle | {process:.3f} |",
             f"| `python -c 'import tensorflow'` process | {tf_import:.3f} |",
             "", f"idle watch process / TensorFlow import: {process / tf_import:.2f}x; "
                 f"goal < 1 s per tick: {'met' if process < 1.0 else 'NOT met'} "
                 f"(in-process tick {tick * 1000:.0f} ms)"]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(f"# Idle tick of `adapt watch`\n\nCommand: `python -m benchmarks.idle_tick "
                       f"{' '.join(sys.argv[1:])}`".rstrip() + f" ({time.strftime('%Y-%m-%d')}, 2-core machine)"
                       f"\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
