"""Benchmarks with side-by-side ratios; run each as `python -m benchmarks.<name>` from the repository root."""
import csv
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

LABEL = "label"  # the label column of generated streams written as batch folders


def command_line(module: str, argv: Optional[Sequence[str]]) -> str:
    """'Command: `python -m benchmarks.X ARGS` (date, 2-core machine)': the line a results file starts with."""
    command = " ".join(argv if argv is not None else sys.argv[1:])
    return (f"Command: `python -m benchmarks.{module}{' ' + command if command else ''}` "
            f"({time.strftime('%Y-%m-%d')}, 2-core machine)")


def write_batch_folders(batches, folder: Path) -> Path:
    """[(frame, labels)] as CSV batch folders batch-01, batch-02, ... with the labels in column LABEL."""
    for index, (frame, labels) in enumerate(batches, start=1):
        target = folder / f"batch-{index:02d}"
        target.mkdir(parents=True, exist_ok=True)
        with open(target / "data.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([*frame.columns, LABEL])
            for values, label in zip(frame.itertuples(index=False), labels):
                writer.writerow([*(f"{v:.5f}" if isinstance(v, float) else v for v in values), int(label)])
    return folder


def adapt(args: Sequence[str], log: Path) -> None:
    """One `adapt` command line, as a user runs it, its output appended to `log`."""
    with open(log, "a") as handle:
        subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args)], check=True, stdout=handle,
                       stderr=subprocess.STDOUT)
