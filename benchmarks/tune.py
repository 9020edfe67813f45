"""`adapt tune`'s search on several streams: the tuned setting beside the default triggered, periodic and static, on
the held-out later batches only.

    python -m benchmarks.tune [--streams covariate,concept,stable,small-first,digits,diabetes,taxi]

Each stream is written as batch folders and read as `adapt tune` reads a user's (core/tuning/stream.py), the
roles of its columns decided from the first batch as `adapt init` decides them. The search is core/tuning's
with its fixed grid (the same for every stream) and adapt's default configuration; the first half of the batches
after the first chooses, the second half reports. Streams:

- covariate: benchmarks/drift_policy.py's covariate shift (12 x 1,500 rows; the features move into a region
  where the old model extrapolates);
- concept: tests/streams.py's rotating hyperplane (12 x 1,500, 15 degrees a batch; P(x) never moves);
- stable: drift_policy's stable table (12 x 1,500; every retrain is wasted);
- small-first: the same stable law, its first batch 500 rows (400 training rows, as benchmarks/more_data.py's
  small first batch; under 160 training rows the Trainer cannot measure a learning curve at all);
- digits: scikit-learn's 8x8 digits sorted by one pixel (pixel_3_3) into 8 batches;
- diabetes: scikit-learn's diabetes table (regression, MAE) sorted by age into 6 batches;
- taxi: the Chicago taxi quarters shipped with tfx (16 batches), when the CSV is there.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

RESULTS = Path(__file__).parent / "results" / "tune.md"
LABEL = "label"


def _write(root: Path, frames: Sequence[pd.DataFrame]) -> List[Path]:
    folders = []
    for index, frame in enumerate(frames, start=1):
        folder = root / f"batch-{index:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        frame.to_csv(folder / "data.csv", index=False, float_format="%.5g")
        folders.append(folder)
    return folders


def _labeled(found) -> List[pd.DataFrame]:
    return [frame.assign(**{LABEL: labels}) for frame, labels in found]


def covariate(root: Path):
    from benchmarks.drift_policy import covariate_shift
    return _write(root, _labeled(covariate_shift()[1])), LABEL, ()


def stable(root: Path, first_rows: Optional[int] = None):
    from benchmarks.drift_policy import stable as stable_batches
    frames = _labeled(stable_batches()[1])
    if first_rows:
        frames[0] = frames[0].iloc[:first_rows]
    return _write(root, frames), LABEL, ()


def concept(root: Path):
    from tests.streams import LABEL as CHURNED, rotating_hyperplane_batches
    return rotating_hyperplane_batches(root, batches=12, rows=1500, degrees_per_batch=15), CHURNED, ()


def sorted_table(root: Path, table: pd.DataFrame, column: str, batches: int):
    ordered = table.sort_values(column, kind="stable").reset_index(drop=True)
    return _write(root, [part for part in np.array_split(ordered, batches)])


def digits(root: Path):
    from sklearn.datasets import load_digits
    table = load_digits(as_frame=True).frame.rename(columns={"target": LABEL})
    return sorted_table(root, table, "pixel_3_3", 8), LABEL, ()


def diabetes(root: Path):
    from sklearn.datasets import load_diabetes
    table = load_diabetes(as_frame=True, scaled=False).frame.rename(columns={"target": LABEL})
    return sorted_table(root, table, "age", 6), LABEL, ()


def taxi(root: Path):
    from models.taxi import DRIFT_EXCLUDE
    from models.taxi.dataset import LABEL as BIG_TIPPER, write_quarterly_batches
    write_quarterly_batches(root)
    return sorted(p for p in root.iterdir() if p.is_dir()), BIG_TIPPER, tuple(DRIFT_EXCLUDE)


STREAMS: Dict[str, Callable] = {
    "covariate": covariate, "concept": concept, "stable": stable,
    "small-first": lambda root: stable(root, first_rows=500), "digits": digits, "diabetes": diabetes, "taxi": taxi}


def run(name: str, root: Path) -> Tuple[Dict, float]:
    from core.config import Config
    from core.tuning.search import default_setting, search
    from core.tuning.simulator import FixedSettings, Simulator
    from core.tuning.stream import read_stream
    folders, label, exclude = STREAMS[name](root / name)
    started = time.perf_counter()
    stream = read_stream(folders, label, drift_exclude=exclude)
    config = Config()
    simulator = Simulator(stream, FixedSettings.from_config(config, stream.metric))
    result = search(simulator, default_setting(config))
    return {"stream": name, "result": result, "batches": len(folders),
            "rows": sum(b.rows for b in stream.batches)}, time.perf_counter() - started


def verdict(result) -> str:
    """The issue's bar, read per stream: the tuned setting against the better of periodic and static."""
    sign = -1 if result.lower_is_better else 1
    best = max((result.periodic, result.static), key=lambda s: sign * s.held_out_mean)
    gap = sign * (result.chosen.held_out_mean - best.held_out_mean)
    scale = 100 if not result.lower_is_better else 1
    unit = "points" if not result.lower_is_better else result.metric
    return (f"{gap * scale:+.2f} {unit} (+: better) vs {best.setting.policy}; retrains "
            f"{result.chosen.held_out_retrains} vs periodic's {result.periodic.held_out_retrains}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", default=",".join(STREAMS))
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="adapt-tune-"))
    lines = ["| stream | batches (rows) | held-out batches | which | setting | mean metric, held out "
             "| retrains, held out | search s (models) |", "|---|---|---|---|---|---|---|---|"]
    verdicts, started = [], time.perf_counter()
    for name in args.streams.split(","):
        try:
            found, seconds = run(name, root)
        except FileNotFoundError as err:   # the taxi CSV is not in every tfx install
            print(f"{name}: skipped ({err})", file=sys.stderr)
            continue
        result = found["result"]
        for label, item in result.compared():
            lines.append(f"| {name} | {found['batches']} ({found['rows']:,}) | {len(result.held_out)} | {label} | "
                         f"{item.setting.describe()} | {result.metric} {item.held_out_mean:.4f} | "
                         f"{item.held_out_retrains} | {seconds:.0f} ({result.models_trained}) |")
            print(lines[-1], flush=True)
        verdicts.append(f"- {name}: tuned {verdict(result)}" + (f" ({result.kept})" if result.kept else ""))
    command = "python -m benchmarks.tune " + " ".join(argv if argv is not None else sys.argv[1:])
    text = "\n".join([
        "# adapt tune: the tuned policy on batches it did not choose on", "",
        f"Command: `{command.strip()}` ({time.strftime('%Y-%m-%d')}, 2-core machine, "
        f"{time.perf_counter() - started:.0f} s in all)", "",
        "The simulator of core/tuning (YDF trees at the Trainer's settings, adapt's drift engine, rules, policies and "
        "promotion) searched its fixed grid on the first half of the batches after the first and is scored here on "
        "the second half only; default = adapt's own configuration (triggered, window 4), periodic at window 4, "
        "static. Mean metric is the serving model's on every row of a batch before any retraining on it "
        "(accuracy; diabetes: MAE, lower is better). Search seconds include reading the batches and their TFDV "
        "statistics.", "", *lines, "", "Tuned against the better of periodic and static on the held-out batches:", "",
        *verdicts, ""])
    Path(args.output).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
