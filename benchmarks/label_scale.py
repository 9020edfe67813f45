"""Benchmark: a regression label on the scale `model.label_scale` chooses, beside HistGradientBoosting, each model
retrained before every batch on the four batches before it.

    python -m benchmarks.label_scale [--use-cases taxi-fare,diabetes,house-prices,prices] [--budget 10]
                                     # -> benchmarks/results/label_scale.md

The trees are the forests adapt's Trainer grows, grown by YDF on the batches'
train splits (benchmarks/tuned_trees.py: run_trees), the label fitted as it is
(`identity`), always on log1p (`log`), or as `auto` decides with
models/label_scale.py's code, the Trainer's (at every retrain, on the window's
training rows split by time; for comparison also a decision reused for four
retrains, as `model.tune: auto` reuses its search); answers are taken back to
the label's unit before scoring. `tune: auto` adds
the hyperparameter search (models/tree_search.py) on the chosen scale. The
reference is benchmarks/reference.py's periodic HistGradientBoostingRegressor on
the same train splits. Scores: MAE on every labeled row of each batch; seconds
are the whole retraining loop's, decisions and searches included.
"""
import sys
import time
from pathlib import Path
from typing import List

from benchmarks import command_line, reference
from benchmarks.tuned_trees import ModelRow, parse_args, run_trees, stream
from core.hyperparameters import AUTO_EVERY
from core.label_scale import AUTO, IDENTITY, LOG

RESULTS = Path(__file__).resolve().parent / "results"
AUTO_ROW = "trees, label_scale: auto"
VARIANTS = (("trees, label_scale: identity (before)", None, IDENTITY, 1),
            ("trees, label_scale: log (always)", None, LOG, 1),
            (AUTO_ROW, None, AUTO, 1),
            (f"trees, label_scale: auto decided every {AUTO_EVERY} retrains, reused between", None, AUTO, AUTO_EVERY),
            (f"trees, label_scale: auto, tune: auto (every {AUTO_EVERY})", AUTO_EVERY, AUTO, 1))


def run_use_case(use_case: str, root: Path, budget: float) -> List[ModelRow]:
    header, batches, label, _ = stream(use_case, root)
    rows = [run_trees(name, header, batches, label, True, every, budget, mode, decide_every)
            for name, every, mode, decide_every in VARIANTS]
    periodic = reference.run_regression(header, batches, label)["periodic"]
    return rows + [ModelRow("HistGradientBoostingRegressor, default", periodic["mae"], periodic["seconds"])]


def decisions_text(rows: List[ModelRow]) -> str:
    """The decisions `auto` took at every retrain (the untuned row's; the tuned row decides with the searched
    hyperparameters, so it can differ)."""
    scales = next(r for r in rows if r.model == AUTO_ROW).scales
    grown = [f"{index}: {s.identity_mae:.3f} / {s.log_mae:.3f} on {s.validation_rows} rows"
             for index, s in enumerate(scales, 1) if s.log_mae is not None]
    skipped = sorted({s.reason for s in scales if s.log_mae is None})
    return (f"Decisions of `auto`: {''.join('L' if s.log else 'i' for s in scales)} (L log, i identity, retrain by "
            f"retrain), {sum(s.decision_seconds for s in scales):.1f} s of decisions in all. Validation MAE, identity "
            f"/ log, where both forests grew: {'; '.join(grown) or 'none'}."
            + (f" Not tried: {'; '.join(skipped)}." if skipped else ""))


def table(use_case: str, rows: List[ModelRow]) -> str:
    reference_mean = rows[-1].mean
    lines = [f"### {use_case} ({len(rows[0].scores)} retrains)", "",
             "| model | mean MAE (lower is better) | vs HistGradientBoosting | searches | compute s |",
             "|---|---|---|---|---|"]
    lines += [f"| {row.model} | {row.mean:.4f} | {row.mean - reference_mean:+.4f} | {row.searches} | "
              f"{row.seconds:.1f} |" for row in rows]
    return "\n".join(lines + ["", decisions_text(rows)])


def main() -> int:
    args = parse_args(__doc__, "taxi-fare,diabetes,house-prices,prices", "/tmp/adapt-bench-label-scale")
    root = Path(args.workdir)
    started = time.perf_counter()
    parts = []
    for use_case in args.use_cases.split(","):
        parts.append(table(use_case, run_use_case(use_case, root, args.budget)))
        print(parts[-1], flush=True)
    (RESULTS / "label_scale.md").write_text(
        f"# A regression label on the scale model.label_scale chooses, beside HistGradientBoosting\n\n"
        f"{command_line('label_scale', None)}, shared with other jobs, {time.perf_counter() - started:.0f} s\n\n"
        f"{__doc__.split(chr(10) + chr(10), 2)[2]}\n\n" + "\n\n".join(parts) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
