"""The first training's count of distinct integer values, read here (CSV) or by TFDV's Beam pipeline: timed as
whole processes by farm-bench, side by side (issue 31; results in benchmarks/results/loop_profile.md).

    python -m benchmarks.distinct_counts SPAN_CSV COLUMN [COLUMN ...] [--tfdv]
"""
import argparse
import sys

from core.drift import statistics
from core.config import DriftConfig

DISCRETE_VALUES = DriftConfig().discrete_values


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("columns", nargs="+")
    parser.add_argument("--tfdv", action="store_true", help="count with TFDV's Beam pipeline (before this change)")
    args = parser.parse_args(argv)
    if args.tfdv:
        counted = statistics._distinct_by_tfdv("csv", [args.csv], args.columns, ["--direct_running_mode=in_memory",
                                                                                 "--direct_num_workers=1"])
        counted = {name: min(count, DISCRETE_VALUES + 1) for name, count in counted.items()}
    else:
        counted = statistics.distinct_values("csv", [args.csv], args.columns, at_most=DISCRETE_VALUES)
    print(counted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
