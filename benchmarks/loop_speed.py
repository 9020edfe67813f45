"""How long the loop takes, measured side by side in one run (issue 31), each figure a whole process as a user
starts it.

    python -m benchmarks.loop_speed [--root /tmp/adapt-loop] [--rounds 2] [--suite]

1. Training, from a CSV to a pushed model, on the 15,002 taxi trips the tfx wheel
   ships: TFX's own taxi pipeline (benchmarks/tfx_taxi.py: Keras wide-and-deep,
   1,000 training and 150 evaluation steps) against `adapt train` on the same
   rows as span 1 (models.taxi, `model.kind: nn`, the same steps; then the
   default trees, `gbt`). Both on Beam's in-memory runner with one worker
   (adapt's default `beam.args`). The rounds alternate (TFX, adapt nn, adapt
   gbt, TFX, ...); medians are compared.
2. A rerun with nothing new: `adapt train` again right after the run that
   pushed, and again later (after the other runs of the round), as a share of
   that run.
3. Replay steps: a generated table (tests/streams.py, covariate shift) of 2,000
   and of 10,000 rows in five batches; `adapt init` on the first batch, then
   `adapt replay --policy periodic` (every step retrains, on up to four batches:
   at most 8,000 rows) and `--policy static` (no step retrains); and the first
   taxi quarters, `adapt demo --policy periodic --quarters 6` (real rows, 16
   columns, ~1,000 a quarter). A step's seconds are its evaluation's plus its
   training's, from the replay report.
4. With --suite: the README's test command on a clean clone of this commit
   (`git clone` + `.ci/run`, as CI runs it), last, with nothing beside it.

Printed and written to benchmarks/results/loop_speed.md, every bar as met or
NOT met with its figure.
"""
import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from benchmarks import command_line

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "loop_speed.md"
BEAM_ARGS = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]
TAXI_STEPS, TAXI_EVAL_STEPS = 1000, 150


def timed(command: Sequence, log: Path) -> float:
    """Seconds of one process, its output appended to `log`; a failure stops the benchmark, naming the log."""
    started = time.perf_counter()
    with open(log, "a") as handle:
        handle.write(f"\n$ {' '.join(map(str, command))}\n")
        handle.flush()
        result = subprocess.run([str(part) for part in command], stdout=handle, stderr=subprocess.STDOUT, cwd=REPO)
    if result.returncode:
        raise SystemExit(f"{' '.join(map(str, command[:4]))}... failed with exit code {result.returncode}; see {log}")
    return time.perf_counter() - started


def adapt(*args) -> List[str]:
    return [sys.executable, "-m", "pipeline.cli", *map(str, args)]


def taxi_workspace(root: Path, kind: str) -> Path:
    """A workspace whose span 1 is every taxi trip (a third of them its test split, as TFX's ExampleGen splits)."""
    from core.data import spans
    from models.taxi import dataset
    root.mkdir(parents=True)
    (root / "adapt.yaml").write_text(
        f"model: {{module: models.taxi, name: taxi, kind: {kind}}}\n"
        f"training: {{train_steps: {TAXI_STEPS}, eval_steps: {TAXI_EVAL_STEPS}, window: 1}}\n")
    header, quarters = dataset.labeled_quarters()
    rows = [row for quarter in sorted(quarters) for row in quarters[quarter]]
    spans.write_span(root / "data", header, rows, test_fraction=1 / 3, source={"batch": "all trips"})
    return root


def training_rounds(root: Path, rounds: int, log: Path) -> Dict[str, List[float]]:
    seconds: Dict[str, List[float]] = {"tfx": [], "nn": [], "gbt": [], "rerun after push": [], "rerun later": []}
    for number in range(1, rounds + 1):
        here = root / f"round-{number}"
        shutil.rmtree(here, ignore_errors=True)
        seconds["tfx"].append(timed([sys.executable, "-m", "benchmarks.tfx_taxi", here / "tfx",
                                     *[f"--beam-arg={arg}" for arg in BEAM_ARGS]], log))
        nn = taxi_workspace(here / "nn", "nn")
        seconds["nn"].append(timed(adapt("train", "--workdir", nn), log))
        seconds["rerun after push"].append(timed(adapt("train", "--workdir", nn), log))
        gbt = taxi_workspace(here / "gbt", "gbt")
        seconds["gbt"].append(timed(adapt("train", "--workdir", gbt), log))
        seconds["rerun later"].append(timed(adapt("train", "--workdir", nn), log))
        print(f"round {number}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in seconds.items()), flush=True)
    return seconds


def replay_steps(root: Path, rows: int, policy: str, log: Path) -> Dict:
    from tests.streams import covariate_shift_batches
    batches = root / f"table-{rows}"
    if not batches.exists():
        covariate_shift_batches(batches, batches=5, rows=rows // 5)
    workdir = root / f"replay-{rows}-{policy}"
    shutil.rmtree(workdir, ignore_errors=True)
    timed(adapt("init", "--data", batches / "batch-01", "--label", "bought", "--workdir", workdir), log)
    wall = timed(adapt("replay", batches, "--workdir", workdir, "--policy", policy), log)
    report = json.loads((workdir / "reports" / f"replay-{policy}.json").read_text())
    steps = [row["evaluate_seconds"] + row["train_seconds"] for row in report]
    return {"rows": rows, "table": f"generated, {rows:,} rows ({rows // 5:,} a batch, 4 columns)", "policy": policy,
            "steps": steps, "retrains": sum(1 for r in report if r["retrained"]), "window_rows": rows * 4 // 5,
            "wall": wall}


def taxi_steps(root: Path, quarters: int, log: Path) -> Dict:
    """`adapt demo --policy periodic` over the first quarters: real taxi batches of ~1,000 trips and 16 columns."""
    workdir = root / "taxi-periodic"
    shutil.rmtree(workdir, ignore_errors=True)
    wall = timed(adapt("demo", "--workdir", workdir, "--policy", "periodic", "--quarters", quarters), log)
    report = json.loads((workdir / "reports" / "demo-periodic.json").read_text())
    spans = sorted(workdir.joinpath("data").glob("span-*/_SOURCE.json"))
    rows = max(json.loads(path.read_text())["rows"]["train"] + json.loads(path.read_text())["rows"]["test"]
               for path in spans)
    return {"rows": None, "table": f"taxi quarters (~{rows:,} rows each, 16 columns)", "policy": "periodic",
            "steps": [row["evaluate_seconds"] + row["train_seconds"] for row in report],
            "retrains": sum(1 for r in report if r["retrained"]), "window_rows": 4 * rows, "wall": wall}


def suite(root: Path, log: Path) -> Dict:
    clone = root / "clean-clone"
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True,
                            text=True).stdout.strip()
    started = time.perf_counter()
    with open(log, "a") as handle:
        result = subprocess.run([str(clone / ".ci" / "run")], cwd=clone, stdout=handle, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    tail = log.read_text()[-20000:]
    found = re.findall(r"=+ (.*?) in ([\d.]+)s", tail)
    return {"commit": commit, "seconds": seconds, "exit": result.returncode,
            "summary": found[-1][0] if found else "no pytest summary", "pytest_seconds": float(found[-1][1])
            if found else None}


def bar(met: bool, text: str) -> str:
    return f"- {'met' if met else 'NOT met'}: {text}"


def report(training: Dict[str, List[float]], replays: List[Dict], tests: Optional[Dict]) -> str:
    median = {name: statistics.median(values) for name, values in training.items()}
    lines = ["# Loop speed (issue 31)", "", command_line("loop_speed", None), "",
             "## Training from a CSV to a pushed model: 15,002 taxi trips, one process each, rounds alternating", "",
             "| run | " + " | ".join(f"round {i + 1}" for i in range(len(training["tfx"]))) + " | median | ÷ TFX |",
             "|---|" + "---|" * (len(training["tfx"]) + 2)]
    names = {"tfx": "TFX's own taxi pipeline (wide-and-deep, 1,000 steps)",
             "nn": "`adapt train`, models.taxi nn (1,000 steps)", "gbt": "`adapt train`, models.taxi gbt (default)",
             "rerun after push": "`adapt train` again, right after the nn run pushed",
             "rerun later": "`adapt train` on the nn workspace, after the gbt run"}
    for key, values in training.items():
        lines.append(f"| {names[key]} | " + " | ".join(f"{v:.1f} s" for v in values) +
                     f" | {median[key]:.1f} s | {median[key] / median['tfx']:.2f} |")
    lines += ["", "## Replay steps (window: four batches); a step is its batch evaluation and its training", "",
              "| table | policy | retrains | first step | median step | slowest step | replay process |",
              "|---|---|---|---|---|---|---|"]
    for row in replays:
        steps = row["steps"]
        lines.append(f"| {row['table']} | {row['policy']} | {row['retrains']} | {steps[0]:.1f} s | "
                     f"{statistics.median(steps):.1f} s | {max(steps):.1f} s | {row['wall']:.0f} s |")
    if tests:
        lines += ["", "## The test suite", "",
                  f"`git clone` + `.ci/run` at {tests['commit']}: {tests['summary']}, pytest {tests['pytest_seconds']} s, "
                  f"{tests['seconds'] / 60:.1f} min with the install (exit {tests['exit']})."]
    retraining = [row for row in replays if row["policy"] == "periodic" and row["window_rows"] <= 10_000]
    medians = {row["table"]: statistics.median(row["steps"]) for row in retraining}
    slowest_table = max(medians, key=medians.get)
    lines += ["", "## Bars", "",
              bar(median["nn"] / median["tfx"] <= 0.6,
                  f"training ÷ TFX's own taxi pipeline ≤ 0.6: {median['nn'] / median['tfx']:.2f} "
                  f"({median['nn']:.1f} s vs {median['tfx']:.1f} s; the trees {median['gbt'] / median['tfx']:.2f})"),
              bar(max(median["rerun after push"], median["rerun later"]) / median["nn"] <= 0.1,
                  f"a rerun with nothing new ≤ 0.1 of a run: right after a push "
                  f"{median['rerun after push'] / median['nn']:.3f}, later {median['rerun later'] / median['nn']:.3f} "
                  f"({median['rerun after push']:.1f} s and {median['rerun later']:.1f} s)"),
              bar(medians[slowest_table] <= 25,
                  "a retraining replay step on ≤ 10,000 rows ≤ 25 s: median " + ", ".join(
                      f"{value:.1f} s ({table})" for table, value in medians.items()) +
                  "; a replay's first step, whose training process starts cold, is the slowest")]
    if tests:
        lines.append(bar(tests["seconds"] <= 35 * 60 and tests["exit"] == 0,
                         f"`make test` ≤ 35 min on a clean clone: {tests['seconds'] / 60:.1f} min ({tests['summary']})"))
    else:
        lines.append("- not measured in this run: `make test` on a clean clone (--suite)")
    return "\n".join(lines) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default="/tmp/adapt-loop")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--taxi-quarters", type=int, default=6, help="taxi quarters replayed periodic (0: none)")
    parser.add_argument("--suite", action="store_true", help="also run the test suite on a clean clone (~30 min)")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    root = Path(args.root)
    root.mkdir(parents=True, exist_ok=True)
    log = root / "loop_speed.log"
    log.write_text("")
    training = training_rounds(root, args.rounds, log)
    replays = []
    for rows in (int(size) for size in args.sizes.split(",")):
        for policy in ("periodic", "static"):
            replays.append(replay_steps(root, rows, policy, log))
            print(f"replay {rows} rows {policy}: steps {[round(s, 1) for s in replays[-1]['steps']]}", flush=True)
    if args.taxi_quarters:
        replays.append(taxi_steps(root, args.taxi_quarters, log))
        print(f"taxi quarters periodic: steps {[round(s, 1) for s in replays[-1]['steps']]}", flush=True)
    tests = suite(root, log) if args.suite else None
    text = report(training, replays, tests)
    print(text)
    Path(args.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
