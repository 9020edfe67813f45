"""How adapt's cost grows with the rows of a batch (issue 52): seconds and peak memory of every pipeline node.

    flock /tmp/adapt-heavy.lock python -m benchmarks.scale --sizes 10000,100000 [--root /tmp/adapt-scale] [--window 4]

For each size, five batches of the generated table (benchmarks/scale_data.py: 20 mixed columns, missing values,
drift) go through adapt as a user runs it, each command its own process (benchmarks/scale_measure.py):
`adapt init` on batch 1 and `adapt train` (the first serving model, span 1); batches 2..window through
`adapt evaluate-batch` with `retraining.policy: manual` (each is evaluated and becomes a span; no retrain starts);
`adapt train --spans 1-window --no-cache` (the retrain on the whole window); then the last batch through
`adapt evaluate-batch` with `retraining.policy: static` (evaluation only). Beside them, the bare
learner (YDF with the Trainer's settings) on the window's rows read from the batches' CSVs.

Written to benchmarks/results/scale.md and scale.json; a run of other sizes merges into the JSON's earlier sizes.
"""
import argparse
import json
import math
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from benchmarks import LABEL, command_line
from benchmarks.loop_speed import adapt
from benchmarks.scale_data import write_batches
from benchmarks.scale_measure import (BareFit, CommandMeasurement, NodeMeasurement, measure,
                                      measure_bare_fit)

RESULTS = Path(__file__).resolve().parent / "results"
MAX_EXPONENT = 1.1
MAX_RSS_MB = 8 * 1024
MIN_SECONDS_FOR_EXPONENT = 1.0   # a node under a second at the larger size is start-up cost: its exponent is noise
WHOLE = "(whole process)"


@dataclass
class SizeRun:
    rows: int                      # per batch
    window: int
    command: str
    date: str
    machine: str
    commands: List[CommandMeasurement] = field(default_factory=list)
    bare: Optional[CommandMeasurement] = None
    bare_fit: Optional[BareFit] = None

    @classmethod
    def from_dict(cls, values: dict) -> "SizeRun":
        def command(entry: dict) -> CommandMeasurement:
            return CommandMeasurement(**{**entry, "nodes": [NodeMeasurement(**node) for node in entry["nodes"]]})
        return cls(**{**values, "commands": [command(entry) for entry in values["commands"]],
                      "bare": command(values["bare"]) if values.get("bare") else None,
                      "bare_fit": BareFit(**values["bare_fit"]) if values.get("bare_fit") else None})

    def stages(self) -> Dict[str, "Stage"]:
        """Every (command, node) and every whole command, by a name that is the same at every size."""
        found = {}
        for measured in [*self.commands, *([self.bare] if self.bare else [])]:
            found[f"{measured.name} {WHOLE}"] = Stage(measured.seconds, measured.peak_rss_mb, measured.rows)
            for node in measured.nodes:
                found[f"{measured.name} / {node.node}"] = Stage(node.seconds, node.peak_rss_mb, measured.rows)
        return found


@dataclass(frozen=True)
class Stage:
    seconds: float
    peak_rss_mb: float
    rows: int


@dataclass(frozen=True)
class Growth:
    stage: str
    smaller: int    # rows per batch of the two sizes compared
    larger: int
    exponent: float
    counted: bool   # the larger size took long enough for the exponent to mean something


def growth_exponent(seconds_small: float, seconds_large: float, rows_small: int, rows_large: int) -> float:
    """How time grows with rows: 1 is linear, 2 quadratic, 0 a fixed cost."""
    return math.log(max(seconds_large, 1e-3) / max(seconds_small, 1e-3)) / math.log(rows_large / rows_small)


def growths(runs: Sequence[SizeRun]) -> List[Growth]:
    ordered = sorted(runs, key=lambda run: run.rows)
    found = []
    for small, large in zip(ordered, ordered[1:]):
        small_stages, large_stages = small.stages(), large.stages()
        for name, stage in large_stages.items():
            if name in small_stages and small_stages[name].rows and stage.rows:
                before = small_stages[name]
                found.append(Growth(name, small.rows, large.rows,
                                    growth_exponent(before.seconds, stage.seconds, before.rows, stage.rows),
                                    stage.seconds >= MIN_SECONDS_FOR_EXPONENT))
    return found


def machine() -> str:
    import psutil
    return f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 2 ** 30:.0f} GB RAM"


def set_config(workdir: Path, overrides: Dict[str, object]) -> None:
    """Settings written into adapt.yaml as a user edits it (as tests/reliability/serving_workspace.py does)."""
    from core.workspace import Workspace
    workspace = Workspace.open(str(workdir))
    workspace.write_config(workspace.load_config().with_overrides(overrides))


def run_size(root: Path, rows: int, window: int, log: Path, command: str) -> SizeRun:
    batches = write_batches(root / f"table-{rows}", rows, batches=window + 1)
    workdir = root / f"workspace-{rows}"
    shutil.rmtree(workdir, ignore_errors=True)
    run = SizeRun(rows, window, command, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), machine())

    def step(name: str, command_rows: int, *args) -> None:
        run.commands.append(measure(adapt(*args, "--workdir", workdir), name, command_rows, log))
        print(f"  {rows:,} rows: {name} {run.commands[-1].seconds:.1f} s, "
              f"peak {run.commands[-1].peak_rss_mb:,.0f} MB", flush=True)

    step("init", rows, "init", "--data", batches[0].folder, "--label", LABEL, "--name", "scale")
    set_config(workdir, {"retraining.policy": "manual"})
    step("train span 1", rows, "train")
    for batch in batches[1:window]:
        step(f"evaluate-batch {batch.number} into span {batch.number}", rows, "evaluate-batch", batch.folder)
    step(f"train window 1-{window}", rows * window, "train", "--spans", f"1-{window}", "--no-cache")
    set_config(workdir, {"retraining.policy": "static"})
    step(f"evaluate-batch {window + 1}", rows, "evaluate-batch", batches[window].folder)
    measure_bare(run, root, log)
    return run


def measure_bare(run: SizeRun, root: Path, log: Path) -> None:
    """The bare learner on the window's rows, its columns as the workspace's model package reads them."""
    from core.workspace import Workspace
    from models.tabular.settings import VOCABULARY_SIZE
    roles = Workspace.open(str(root / f"workspace-{run.rows}")).load_config().model.features
    chosen = {role: [name for name, given in roles.items() if given == role] for role in ("categorical", "ignore")}
    csv_files = [root / f"table-{run.rows}" / f"batch-{number:02d}" / "data.csv" for number in range(1, run.window + 1)]
    run.bare, run.bare_fit = measure_bare_fit(csv_files, LABEL, chosen["categorical"], VOCABULARY_SIZE,
                                              chosen["ignore"], log)
    rows = run.rows
    print(f"  {rows:,} rows: bare fit {run.bare_fit.fit_seconds:.1f} s (read {run.bare_fit.read_seconds:.1f} s), "
          f"peak {run.bare.peak_rss_mb:,.0f} MB", flush=True)


def per_second(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


def size_table(run: SizeRun) -> List[str]:
    lines = [f"### {run.rows:,} rows a batch ({run.date}; {run.machine})", "", f"Command: `{run.command}`", "",
             "| command / node | rows | seconds | peak RSS MB | rows/s |", "|---|---|---|---|---|"]
    for name, stage in run.stages().items():
        memory = f"{stage.peak_rss_mb:,.0f}" if stage.peak_rss_mb else "-"   # ran between two samples, or nested
        lines.append(f"| {name} | {stage.rows:,} | {stage.seconds:.1f} | {memory} | "
                     f"{per_second(stage.rows, stage.seconds)} |")
    if run.bare_fit:
        lines.append(f"\nThe bare fit's own figures: {run.bare_fit.rows:,} rows read in {run.bare_fit.read_seconds:.1f} s, "
                     f"fit in {run.bare_fit.fit_seconds:.1f} s.")
    return lines


def bar(met: bool, text: str) -> str:
    return f"- {'met' if met else 'NOT met'}: {text}"


def bars(runs: Sequence[SizeRun], found: Sequence[Growth]) -> List[str]:
    lines = []
    counted = [growth for growth in found if growth.counted]
    fast = [growth for growth in counted if growth.exponent > MAX_EXPONENT]
    lines.append(bar(not fast, f"no stage grows faster than its rows (exponent ≤ {MAX_EXPONENT}, stages of "
                               f"≥ {MIN_SECONDS_FOR_EXPONENT:.0f} s at the larger size): " +
                     ("; ".join(f"{g.stage} {g.exponent:.2f} ({g.smaller:,} → {g.larger:,})" for g in fast)
                      or f"{len(counted)} stages compared")))
    for run in runs:
        stages = run.stages()
        heaviest = max(stages, key=lambda name: stages[name].peak_rss_mb)
        lines.append(bar(stages[heaviest].peak_rss_mb <= MAX_RSS_MB,
                         f"{run.rows:,} rows: peak RSS ≤ 8 GB: {stages[heaviest].peak_rss_mb:,.0f} MB ({heaviest})"))
        retrain = next((c for c in run.commands if c.name.startswith("train window")), None)
        if retrain and run.bare_fit:
            allowed = 2 * run.bare_fit.fit_seconds + run.bare_fit.read_seconds
            lines.append(bar(retrain.seconds <= allowed,
                             f"{run.rows:,} rows: the retrain on the window ({retrain.rows:,} rows) ≤ 2 × the bare fit "
                             f"+ a linear pass (reading the CSVs): {retrain.seconds:.1f} s vs "
                             f"2 × {run.bare_fit.fit_seconds:.1f} + {run.bare_fit.read_seconds:.1f} = {allowed:.1f} s"))
    return lines


def report(runs: Sequence[SizeRun]) -> str:
    found = growths(runs)
    lines = ["# How adapt's cost grows (issue 52)", "",
             "Each command is one process as a user starts it; a node's seconds are adapt's own progress line, its "
             "peak RSS the whole process tree's (Beam workers, training child, model server) sampled every 0.2 s "
             "while it was the last node started. `(start-up)` is the process before its first node. "
             "Rows: the batch's for init, the first train and evaluate-batch, the window's "
             "for the window's train and the bare fit.", ""]
    lines += ["## Bars", "", *bars(runs, found), ""]
    for run in sorted(runs, key=lambda run: run.rows):
        lines += [*size_table(run), ""]
    if found:
        lines += ["## Growth exponents (log time ratio ÷ log rows ratio, consecutive sizes)", "",
                  "| command / node | sizes | exponent | |", "|---|---|---|---|"]
        for growth in found:
            flag = ("too fast" if growth.exponent > MAX_EXPONENT else "") if growth.counted else "under 1 s: not counted"
            lines.append(f"| {growth.stage} | {growth.smaller:,} → {growth.larger:,} | {growth.exponent:.2f} | {flag} |")
    return "\n".join(lines) + "\n"


def load_runs(path: Path) -> Dict[int, SizeRun]:
    if not path.exists():
        return {}
    return {int(rows): SizeRun.from_dict(values) for rows, values in json.loads(path.read_text())["sizes"].items()}


def save_runs(path: Path, runs: Dict[int, SizeRun]) -> None:
    path.write_text(json.dumps({"sizes": {str(rows): asdict(run) for rows, run in sorted(runs.items())}}, indent=1))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="rows per batch, comma-separated")
    parser.add_argument("--root", default="/tmp/adapt-scale")
    parser.add_argument("--window", type=int, default=4, help="spans the retrain takes; one more batch is evaluated")
    parser.add_argument("--output", default=str(RESULTS / "scale.md"), help="markdown; the JSON beside it")
    parser.add_argument("--bare-only", action="store_true",
                        help="measure again only the bare fit of sizes already "
                             "measured (their tables and workspaces still under --root)")
    args = parser.parse_args(argv)
    root, output = Path(args.root), Path(args.output)
    root.mkdir(parents=True, exist_ok=True)
    stored = output.with_suffix(".json")
    runs = load_runs(stored)
    command = command_line("scale", argv).split("`")[1]
    for rows in (int(size) for size in args.sizes.split(",")):
        log = root / f"scale-{rows}.log"
        log.write_text("")
        print(f"{rows:,} rows a batch (log: {log})", flush=True)
        if args.bare_only:
            measure_bare(runs[rows], root, log)
        else:
            runs[rows] = run_size(root, rows, args.window, log, command)
        save_runs(stored, runs)   # each size kept as soon as it is measured
        output.write_text(report(list(runs.values())))
    print(output.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
