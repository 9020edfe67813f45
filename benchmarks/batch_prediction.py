"""Benchmark: BatchPredictionGen against a bare batched SavedModel call, on the same batch, at three sizes.

    python -m benchmarks.batch_prediction [--sizes 1,5,50] [--workdir /tmp/adapt-batch-bench]

Builds a workspace with the taxi model trained on 2013-Q1 (the default model
kind), then for batches of the 2013-2015 taxi trips repeated 1x, 5x and 50x
(14k, 70k, 700k rows) measures, side by side in one run:

- `adapt evaluate-batch BATCH --no-trigger`: the BatchPredictionGen step's own
  time (its progress line), the whole command's wall time and its peak RSS;
- a bare script (`python -m benchmarks.bare_predict`): read the CSV, build
  tf.Examples, load the SavedModel and call `serving_default` in batches of
  1000 — its end-to-end wall time and peak RSS.

Rows per second are rows / seconds. Beam runs in-memory (the default
`beam.args`). Writes benchmarks/results/batch_prediction.md.
"""
import argparse
import csv
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

RESULTS = Path(__file__).resolve().parent / "results" / "batch_prediction.md"
QUARTERS = [f"{year}-Q{q}" for year in (2013, 2014, 2015) for q in (1, 2, 3, 4)]


def adapt(workdir: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args), "--workdir", str(workdir)],
                          capture_output=True, text=True, check=True)


def timed(command: List[str]) -> Tuple[float, int, str]:
    """(wall seconds, peak RSS in MB of the largest process, stderr) of one command, measured by /usr/bin/time."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "peak-kb %M", *command], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr[-2000:]}")
    peak = int(re.findall(r"peak-kb (\d+)", result.stderr)[-1]) // 1024
    return wall, peak, result.stderr + result.stdout


def write_batches(root: Path, sizes: List[int]) -> Dict[int, Path]:
    from models.taxi import dataset
    header, quarters = dataset.labeled_quarters()
    rows = [row for quarter in QUARTERS for row in quarters[quarter]]
    batches = {}
    for times in sizes:
        folder = root / f"taxi-x{times}"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "data.csv", "w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            for _ in range(times):
                writer.writerows(rows)
        batches[len(rows) * times] = folder
    return batches


def bars(measured: Dict[int, Tuple[float, int]]) -> List[str]:
    """Issue 32's bars on the two largest sizes: memory flat in the batch's size, the step close to the model."""
    if len(measured) < 2:
        return []
    small, large = sorted(measured)[-2:]
    growth = measured[large][1] / measured[small][1]
    lines = [f"- whole `evaluate-batch` peak RSS at {large:,} rows ÷ at {small:,} rows: **{growth:.2f}** "
             f"(bar ≤ 1.20: {'met' if growth <= 1.2 else 'not met'})"]
    lines += [f"- BatchPredictionGen ÷ the bare script at {rows:,} rows: **{measured[rows][0]:.2f}** "
              f"(bar ≥ 0.80: {'met' if measured[rows][0] >= 0.8 else 'not met'})" for rows in (small, large)]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,5,50", help="how many times the 14k rows are repeated")
    parser.add_argument("--workdir", default="/tmp/adapt-batch-bench")
    args = parser.parse_args()
    root = Path(args.workdir)
    shutil.rmtree(root, ignore_errors=True)
    workdir = root / "ws"
    adapt(workdir, "data", "taxi")
    adapt(workdir, "train", "--window", "1")
    model = max((workdir / "serving" / "taxi").glob("[0-9]*"), key=lambda p: int(p.name))
    batches = write_batches(root / "batches", [int(s) for s in args.sizes.split(",")])

    lines = ["| rows | BatchPredictionGen step | rows/s | whole evaluate-batch | peak RSS | bare script | rows/s "
             "| peak RSS | step ÷ bare (rows/s) |", "|---|---|---|---|---|---|---|---|---|"]
    measured = {}
    for rows, folder in sorted(batches.items()):
        wall, peak, output = timed([sys.executable, "-m", "pipeline.cli", "evaluate-batch", str(folder), "--workdir",
                                    str(workdir), "--no-trigger", "--json"])
        step = float(re.findall(r"BatchPredictionGen\s+([\d.]+)s", output)[-1])
        bare_wall, bare_peak, bare_output = timed([sys.executable, "-m", "benchmarks.bare_predict", str(model),
                                                   str(folder / "data.csv")])
        bare_rows = int(re.findall(r"predicted (\d+) rows", bare_output)[-1])
        assert bare_rows == rows, (bare_rows, rows)
        lines.append(f"| {rows:,} | {step:.1f} s | {rows / step:,.0f} | {wall:.1f} s | {peak:,} MB | "
                     f"{bare_wall:.1f} s | {rows / bare_wall:,.0f} | {bare_peak:,} MB | "
                     f"{(rows / step) / (rows / bare_wall):.2f} |")
        measured[rows] = ((rows / step) / (rows / bare_wall), peak)
        print(lines[-1], flush=True)
    text = "\n".join(lines + [""] + bars(measured))
    command = "python -m benchmarks.batch_prediction " + " ".join(sys.argv[1:])
    RESULTS.write_text(
        f"# Batch prediction: BatchPredictionGen beside a bare batched SavedModel call\n\n"
        f"Command: `{command.strip()}` ({time.strftime('%Y-%m-%d')}, 2-core machine, Beam in-memory direct runner)"
        f"\n\nModel: the taxi model (default kind) trained on 2013-Q1. Batches: the 2013-2015 trips repeated. The "
        f"step's time is its own progress line; the bare script's is end to end (read, build tf.Examples, load, "
        f"predict in batches of 1000). Peak RSS is the largest process's.\n\n{text}\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
