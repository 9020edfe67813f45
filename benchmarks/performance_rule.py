"""The performance rule against the batch's size (issue 48, item 1): false alarms and power, side by side.

Each trial draws a holdout (the serving model's score when it was pushed) and a batch from binomial laws: null
batches as accurate as the holdout's law, and batches 2, 5 and 10 points worse. Two rules judge each batch:
`fixed` (today's: the batch more than `performance.max_drop` below the holdout score, whatever the rows) and
`tested` (core/policy/significance.py: beyond the tolerance by chance, at the false-alarm rate). Numbers only,
no model: it runs in seconds.

    python -m benchmarks.performance_rule [--trials 4000] [--holdout-rows 1000] [--output FILE]
"""
import argparse
import time
from pathlib import Path

import numpy as np

from core.policy.significance import accuracy_drop

SIZES = (200, 1_000, 10_000, 100_000)
DROPS = (0.0, 0.02, 0.05, 0.10)  # points of accuracy below the holdout's law
BASE = 0.88


def fire_rates(rows: int, drop: float, holdout_rows: int, tolerance: float, rate: float, trials: int, seed: int):
    rng = np.random.default_rng(seed)
    holdouts = rng.binomial(holdout_rows, BASE, size=trials) / holdout_rows
    batches = rng.binomial(rows, BASE - drop, size=trials) / rows
    fixed = np.mean((holdouts - batches) / holdouts > tolerance)
    tested = np.mean([accuracy_drop(b, rows, h, holdout_rows, tolerance, rate).fires
                      for b, h in zip(batches, holdouts)])
    return float(fixed), float(tested)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4000)
    parser.add_argument("--holdout-rows", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=0.05, help="false-alarm rate of the tested rule")
    parser.add_argument("--tolerances", default="0.05,0.02,0", help="max_drop values to compare")
    parser.add_argument("--output", help="also write the table (markdown) here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lines = [f"Accuracy {BASE:.2f} on a holdout of {args.holdout_rows} rows; {args.trials} trials per cell; "
             f"tested rule at false-alarm rate {args.rate:g}. Cells: share of batches on which the rule fires, "
             f"fixed / tested.", ""]
    for tolerance in (float(t) for t in args.tolerances.split(",")):
        lines += [f"max_drop {tolerance:.0%} ({tolerance * BASE * 100:.1f} points below {BASE:.2f})", "",
                  "| batch rows | " + " | ".join("null (no drop)" if d == 0 else f"{d * 100:.0f}-point drop"
                                                  for d in DROPS) + " |",
                  "|---|" + "---|" * len(DROPS)]
        for rows in SIZES:
            cells = [fire_rates(rows, drop, args.holdout_rows, tolerance, args.rate, args.trials, seed=rows + i)
                     for i, drop in enumerate(DROPS)]
            lines.append(f"| {rows:,} | " + " | ".join(f"{fixed:.3f} / {tested:.3f}" for fixed, tested in cells)
                         + " |")
        lines.append("")
    lines.append(f"({time.perf_counter() - started:.0f} s)")
    text = "\n".join(lines)
    print(text)
    if args.output:
        Path(args.output).write_text(f"# The performance rule against the batch's size\n\n`python -m "
                                     f"benchmarks.performance_rule --output {args.output}`\n\n{text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
