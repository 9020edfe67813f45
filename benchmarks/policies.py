"""Benchmark: the three retraining policies on the same taxi stream, side by side.

    python -m benchmarks.policies [--train-steps 300] [--quarters N] [--workdir /tmp/adapt-bench]

Runs `adapt demo --policy P` for static, triggered and periodic, each in its
own fresh workspace (same data, same first model recipe), then prints mean
accuracy of the serving model over the replayed quarters (2013-Q2..2016-Q4),
the number of retrains and pushes, and the compute seconds, and writes the
table to benchmarks/results/policies.md with the command that produced it.
"""
import argparse
import concurrent.futures
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

POLICIES = ("static", "triggered", "periodic")
RESULTS = Path(__file__).resolve().parent / "results" / "policies.md"


def run_policy(policy: str, root: Path, train_steps: int, quarters) -> dict:
    workdir = root / policy
    shutil.rmtree(workdir, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pipeline.cli", "demo", "--workdir", str(workdir), "--policy", policy,
               "--train-steps", str(train_steps)]
    if quarters:
        command += ["--quarters", str(quarters)]
    started = time.perf_counter()
    with open(root / f"{policy}.log", "w") as log:
        subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - started
    rows = json.loads((workdir / "reports" / f"demo-{policy}.json").read_text())
    rows = rows["quarters"] if isinstance(rows, dict) else rows
    accuracies = [r["accuracy"] for r in rows if r.get("accuracy") is not None]
    later = [r["accuracy"] for r in rows if r.get("accuracy") is not None and r["quarter"] >= "2015"]
    return {"policy": policy, "quarters": len(rows), "mean_accuracy": sum(accuracies) / len(accuracies),
            "mean_accuracy_2015_on": sum(later) / len(later) if later else float("nan"),
            "retrains": sum(bool(r["retrained"]) for r in rows),
            "pushes": sum(bool(r.get("pushed_version")) for r in rows),
            "compute_seconds": sum(r["train_seconds"] + r["evaluate_seconds"] for r in rows), "wall_seconds": wall}


def table(results) -> str:
    lines = ["| policy | quarters | mean accuracy | mean accuracy 2015-16 | retrains | pushes | compute s | wall s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['policy']} | {r['quarters']} | {r['mean_accuracy']:.4f} | {r['mean_accuracy_2015_on']:.4f}"
                     f" | {r['retrains']} | {r['pushes']} | {r['compute_seconds']:.0f} | {r['wall_seconds']:.0f} |")
    static = next((r for r in results if r["policy"] == "static"), None)
    if static:
        lines.append("")
        for r in results:
            if r is not static:
                lines.append(f"- {r['policy']} vs static: accuracy {r['mean_accuracy'] - static['mean_accuracy']:+.4f}"
                             f", compute x{r['compute_seconds'] / max(static['compute_seconds'], 1):.1f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train-steps", type=int, default=300)
    parser.add_argument("--quarters", type=int)
    parser.add_argument("--workdir", default="/tmp/adapt-bench")
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument("--parallel", action="store_true",
                        help="run the policies at the same time (same machine share each; wall time, not accuracy, "
                             "depends on it)")
    args = parser.parse_args()
    policies = args.policies.split(",")
    if args.parallel:
        with concurrent.futures.ThreadPoolExecutor(len(policies)) as pool:
            results = list(pool.map(lambda p: run_policy(p, Path(args.workdir), args.train_steps, args.quarters),
                                    policies))
    else:
        results = [run_policy(p, Path(args.workdir), args.train_steps, args.quarters) for p in policies]
    text = table(results)
    print(text)
    command = "python -m benchmarks.policies " + " ".join(sys.argv[1:])
    RESULTS.write_text(f"# Retraining policies on the Chicago taxi stream\n\nCommand: `{command.strip()}` "
                       f"({time.strftime('%Y-%m-%d')}, 2-core machine)\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
