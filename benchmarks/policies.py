"""Benchmark: adapt's three retraining policies on a use case's batches, beside a scikit-learn reference, in one run.

    python -m benchmarks.policies [--parallel] [--quarters N] [--kind gbt|nn] [--workdir /tmp/adapt-bench]
    python -m benchmarks.policies --use-case digits      # -> benchmarks/results/policies_digits.md

Runs `adapt demo --policy P` for static, triggered and periodic, each in its
own fresh workspace (same data, same first model), and, in the same run, the
HistGradientBoosting reference of benchmarks/reference.py (static, and
retrained before every quarter on the four before it). Prints and writes to
benchmarks/results/policies.md: mean accuracy of the serving model over the
replayed quarters (2013-Q2..2016-Q4), the mean from 2015 on, retrains, pushes,
declined candidates and compute seconds, then the issue's bars, and the
accuracy quarter by quarter.

`--use-case digits` replays the nine drifting digit-image batches (`adapt demo
--use-case digits`); its reference is scikit-learn's SVC on the same images'
grey levels, trained once on the first batch and retrained before each batch
on the four before it; "later" means the second half of the batches.

Regression use cases (`adapt init --label <number>` on the first batch, then
`adapt replay --policy P`, each policy in a fresh workspace), scored by the
serving model's MAE on each batch, beside scikit-learn's
HistGradientBoostingRegressor (benchmarks/reference.py: run_regression):

- `--use-case taxi-fare`: the taxi quarters with `fare` as the label (the
  big-tipper label, made from the fare, left out): fares per mile rise from
  2015 on;
- `--use-case prices`: tests/streams.py's drifting_regression_batches, ten
  batches of 600 rows whose price moves its weight from x1 to x2 (concept drift,
  the features' distribution unchanged);
- `--use-case diabetes`: scikit-learn's bundled diabetes table (442 patients,
  disease progression a year later, unscaled), sorted by age into four batches
  of about 110: covariate shift on a small real table;
- `--use-case house-prices`: the Boston house prices CSV scikit-learn still
  ships (506 tracts, town by town, six batches of about 84; the median home value,
  a skewed price; column B left out).

Bar (issue 25): adapt's triggered mean MAE no worse than 1.05 x the reference's
periodic one.
"""
import argparse
import concurrent.futures
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from statistics import mean

POLICIES = ("static", "triggered", "periodic")
RESULTS = Path(__file__).resolve().parent / "results"
REPORTS = {"taxi": "demo", "digits": "demo-digits"}
REGRESSION_USE_CASES = ("taxi-fare", "prices", "diabetes", "house-prices")


def run_policy(policy: str, root: Path, kind: str, quarters, train_steps: int, use_case: str = "taxi") -> dict:
    workdir = root / policy
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    if use_case == "taxi":
        (workdir / "adapt.yaml").write_text(f"model: {{kind: {kind}}}\n")
    command = [sys.executable, "-m", "pipeline.cli", "demo", "--workdir", str(workdir), "--policy", policy,
               "--train-steps", str(train_steps), "--use-case", use_case]
    if quarters:
        command += ["--quarters", str(quarters)]
    started = time.perf_counter()
    with open(root / f"{policy}.log", "w") as log:
        subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - started
    rows = json.loads((workdir / "reports" / f"{REPORTS[use_case]}-{policy}.json").read_text())
    return {"policy": policy, "accuracy": {r["batch"]: r["accuracy"] for r in rows if r.get("accuracy") is not None},
            "retrains": sum(bool(r["retrained"]) for r in rows),
            "pushes": sum(bool(r.get("pushed_version")) for r in rows),
            "declined": sum(1 for r in rows if str(r.get("training_outcome", "")).startswith("declined")),
            "compute_seconds": sum(r["train_seconds"] + r["evaluate_seconds"] for r in rows), "wall_seconds": wall}


def run_reference(quarters) -> list:
    from benchmarks import reference
    from models.taxi import dataset
    header, by_quarter = dataset.labeled_quarters()
    if quarters:
        by_quarter = dict(list(by_quarter.items())[:quarters + 1])
    rows = []
    for label, test_fraction in (("train splits", 0.2), ("whole quarters", None)):
        for policy, result in reference.run(header, by_quarter, test_fraction=test_fraction).items():
            rows.append({"policy": f"HistGradientBoosting {policy} ({label})", "accuracy": result["accuracy"],
                         "retrains": result["retrains"], "pushes": result["retrains"], "declined": 0,
                         "compute_seconds": result["seconds"], "wall_seconds": result["seconds"]})
    return rows


def run_digits_reference(batches) -> list:
    """scikit-learn's SVC on the grey levels of the same images: trained once, and retrained on the last four."""
    import csv

    import numpy as np
    from PIL import Image
    from sklearn.svm import SVC

    from models.images import digits
    root = Path("/tmp/adapt-digits-reference")
    shutil.rmtree(root, ignore_errors=True)
    digits.write_batches(root)
    data = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        with open(folder / "labels.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        data[folder.name] = (np.stack([np.asarray(Image.open(folder / r["file"]).convert("L"), dtype=np.float32)
                                       .reshape(-1) / 255 for r in rows]), np.array([r["label"] for r in rows]))
    names = list(data)[:batches + 1] if batches else list(data)
    results = []
    for policy, window in (("static", None), ("periodic", 4)):
        started, accuracy, model, retrains = time.perf_counter(), {}, None, 0
        for index, name in enumerate(names[1:], start=1):
            if model is None or window:
                train = names[max(0, index - window):index] if window else names[:1]
                model = SVC().fit(np.concatenate([data[n][0] for n in train]),
                                  np.concatenate([data[n][1] for n in train]))
                retrains += index > 1
            accuracy[name] = float((model.predict(data[name][0]) == data[name][1]).mean())
        seconds = time.perf_counter() - started
        results.append({"policy": f"scikit-learn SVC {policy}", "accuracy": accuracy, "retrains": retrains,
                        "pushes": retrains, "declined": 0, "compute_seconds": seconds, "wall_seconds": seconds})
    return results


def is_later(use_case: str, batch: str, batches: list) -> bool:
    """The later part of the replay: taxi from 2015 on; other use cases the second half of the batches."""
    if use_case == "taxi":
        return batch >= "2015"
    return batch in sorted(batches)[len(batches) // 2:]


def summary(row: dict, use_case: str = "taxi") -> dict:
    values = row["accuracy"]
    later = [value for batch, value in values.items() if is_later(use_case, batch, list(values))]
    return {**row, "mean": mean(values.values()), "mean_2015": mean(later) if later else float("nan")}


def table(rows, later: str = "mean 2015-16") -> str:
    lines = [f"| policy | mean accuracy | {later} | retrains | pushes | declined | compute s |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['policy']} | {r['mean']:.4f} | {r['mean_2015']:.4f} | {r['retrains']} | {r['pushes']} "
                     f"| {r['declined']} | {r['compute_seconds']:.0f} |")
    return "\n".join(lines)


def bars(by_policy: dict, references: list) -> str:
    static, triggered, periodic = by_policy.get("static"), by_policy.get("triggered"), by_policy.get("periodic")
    if not (static and triggered and periodic):
        return ""
    reference = next(r for r in references if r["policy"].startswith("HistGradientBoosting static (whole"))
    later = [q for q in triggered["accuracy"] if q >= "2015"]
    below = [q for q in later if triggered["accuracy"][q] < static["accuracy"][q]]
    checks = [
        (f"static {static['mean']:.4f} >= HistGradientBoosting static {reference['mean']:.4f}",
         static["mean"] >= reference["mean"]),
        (f"triggered {triggered['mean']:.4f} >= 0.880", triggered["mean"] >= 0.880),
        (f"triggered retrains {triggered['retrains']} <= half of periodic's {periodic['retrains']}",
         triggered["retrains"] <= periodic["retrains"] / 2),
        (f"no quarter from 2015-Q1 on below static (below: {', '.join(below) or 'none'})", not below),
        (f"declined {triggered['declined']} of {triggered['retrains']} retrains < 1/3",
         triggered["declined"] * 3 < max(triggered["retrains"], 1)),
    ]
    return "\n".join(f"- {'met' if ok else 'NOT met'}: {text}" for text, ok in checks)


def per_quarter(rows, unit: str = "quarter") -> str:
    quarters = sorted({q for r in rows for q in r["accuracy"]})
    header = f"| {unit} | " + " | ".join(r["policy"] for r in rows) + " |"
    lines = [header, "|" + "---|" * (len(rows) + 1)]
    for quarter in quarters:
        lines.append(f"| {quarter} | " + " | ".join(f"{r['accuracy'].get(quarter, float('nan')):.3f}" for r in rows)
                     + " |")
    return "\n".join(lines)


def run_policies(policies, root: Path, args) -> list:
    """One replay per policy, side by side with --parallel, else one after the other."""
    def one(policy):
        return run_policy(policy, root, args.kind, args.quarters, args.train_steps, args.use_case)
    if args.parallel:
        with concurrent.futures.ThreadPoolExecutor(len(policies)) as pool:
            return list(pool.map(one, policies))
    return [one(p) for p in policies]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train-steps", type=int, default=300, help="nn only: Trainer steps")
    parser.add_argument("--kind", default="gbt", choices=["gbt", "nn"])
    parser.add_argument("--quarters", type=int)
    parser.add_argument("--workdir", default="/tmp/adapt-bench")
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument("--parallel", action="store_true",
                        help="run the policies at the same time (wall time, not accuracy, depends on it)")
    parser.add_argument("--use-case", default="taxi", choices=sorted(REPORTS) + list(REGRESSION_USE_CASES))
    args = parser.parse_args()
    if args.use_case in REGRESSION_USE_CASES:
        return main_regression(args)
    if args.use_case != "taxi":
        return main_other(args)
    policies = args.policies.split(",")
    root = Path(args.workdir)
    root.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    adapt_rows = run_policies(policies, root, args)
    references = [summary(r) for r in run_reference(args.quarters)]
    adapt_rows = [summary(r) for r in adapt_rows]
    for row in adapt_rows:
        row["policy"] = f"adapt {row['policy']} ({args.kind})"
    by_policy = {r["policy"].split()[1]: r for r in adapt_rows}
    text = "\n\n".join(part for part in (table(adapt_rows + references), bars(by_policy, references),
                                         per_quarter(adapt_rows + references[:2])) if part)
    print(text)
    command = "python -m benchmarks.policies " + " ".join(sys.argv[1:])
    (RESULTS / "policies.md").write_text(
        f"# Retraining policies on the Chicago taxi quarters\n\nCommand: `{command.strip()}` "
        f"({time.strftime('%Y-%m-%d')}, 2-core machine, {time.perf_counter() - started:.0f} s)\n\n"
        f"Accuracy is the serving model's on every row of each quarter 2013-Q2..2016-Q4, before any retraining on "
        f"it. Compute is train + evaluate seconds; with --parallel the policies shared the two cores, so read "
        f"compute as ratios. The reference trains on the spans' train splits (the rows adapt trains on) or on "
        f"whole quarters.\n\n{text}\n")
    return 0


def main_other(args) -> int:
    """The policies on a use case other than taxi (digits), in sequence unless --parallel, beside its reference."""
    policies = args.policies.split(",")
    root = Path(args.workdir) / args.use_case
    root.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    adapt_rows = run_policies(policies, root, args)
    references = [summary(r, args.use_case) for r in run_digits_reference(args.quarters)]
    adapt_rows = [summary(r, args.use_case) for r in adapt_rows]
    for row in adapt_rows:
        row["policy"] = f"adapt {row['policy']}"
    text = "\n\n".join([table(adapt_rows + references, "mean, later half"), per_quarter(adapt_rows + references, "batch")])
    print(text)
    command = "python -m benchmarks.policies " + " ".join(sys.argv[1:])
    wall = "; ".join(f"{r['policy']} {r['wall_seconds']:.0f} s" for r in adapt_rows)
    (RESULTS / f"policies_{args.use_case}.md").write_text(
        f"# Retraining policies on the {args.use_case} batches\n\nCommand: `{command.strip()}` "
        f"({time.strftime('%Y-%m-%d')}, 2-core machine, {time.perf_counter() - started:.0f} s; wall time per "
        f"replay: {wall})\n\n"
        f"Accuracy is the serving model's on every image of each batch, before any retraining on it. Compute is "
        f"train + evaluate seconds. The reference is scikit-learn's SVC on the same 32x32 grey levels, trained on "
        f"whole batches.\n\n{text}\n")
    return 0


def regression_batches(use_case: str, root: Path) -> tuple:
    """(label, folder of CSV batch folders, {batch: (header, rows)}) of a regression use case."""
    import csv
    folder = root / "batches"
    shutil.rmtree(folder, ignore_errors=True)
    if use_case == "taxi-fare":
        from models.taxi import dataset
        header, quarters = dataset.labeled_quarters()
        keep = [i for i, column in enumerate(header) if column != dataset.LABEL]  # made from the fare itself
        for quarter, rows in quarters.items():
            (folder / quarter).mkdir(parents=True)
            with open(folder / quarter / "data.csv", "w", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow([header[i] for i in keep])
                writer.writerows([[row[i] for i in keep] for row in rows])
        label = dataset.FARE
    elif use_case == "diabetes":
        from sklearn.datasets import load_diabetes
        table = load_diabetes(as_frame=True, scaled=False).frame.sort_values("age", kind="stable")
        for index, part in enumerate((table.iloc[start:start + 111] for start in range(0, len(table), 111)), 1):
            (folder / f"batch-{index:02d}").mkdir(parents=True)
            part.to_csv(folder / f"batch-{index:02d}" / "data.csv", index=False, float_format="%.4g")
        label = "target"
    elif use_case == "house-prices":
        house_price_batches(folder)
        label = "MEDV"
    else:
        from tests.streams import REGRESSION_LABEL, drifting_regression_batches
        drifting_regression_batches(folder, batches=10, rows=600, drift_per_batch=0.15)
        label = REGRESSION_LABEL
    batches = {}
    for batch in sorted(p for p in folder.iterdir() if p.is_dir()):
        with open(batch / "data.csv", newline="") as handle:
            rows = list(csv.reader(handle))
        batches[batch.name] = (rows[0], rows[1:])
    return label, folder, batches


def house_price_batches(folder: Path, batches: int = 6) -> None:
    """The Boston house prices table scikit-learn still ships as a CSV (it no longer loads it), in its file order
    (tracts listed town by town), as `batches` batches of about 84 rows; the label is the median home value (MEDV,
    $1000s, skewness 1.1). Its column B, computed from the share of Black residents, is left out."""
    import numpy as np
    import pandas as pd
    import sklearn
    table = pd.read_csv(Path(sklearn.__file__).parent / "datasets" / "data" / "boston_house_prices.csv", skiprows=1)
    table = table.drop(columns=["B"])
    for index, rows in enumerate(np.array_split(np.arange(len(table)), batches), 1):
        (folder / f"batch-{index:02d}").mkdir(parents=True)
        table.iloc[rows].to_csv(folder / f"batch-{index:02d}" / "data.csv", index=False, float_format="%.5g")


def run_regression_policy(policy: str, root: Path, label: str, batches: Path) -> dict:
    workdir = root / policy
    shutil.rmtree(workdir, ignore_errors=True)
    first = sorted(p for p in batches.iterdir() if p.is_dir())[0]
    started = time.perf_counter()
    with open(root / f"{policy}.log", "w") as log:
        for command in (["init", "--data", first, "--label", label, "--workdir", workdir],
                        ["replay", batches, "--workdir", workdir, "--policy", policy]):
            subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, command)], check=True, stdout=log,
                           stderr=subprocess.STDOUT)
    rows = json.loads((workdir / "reports" / f"replay-{policy}.json").read_text())
    return {"policy": f"adapt {policy}", "mae": {r["batch"]: r["mae"] for r in rows if r.get("mae") is not None},
            "retrains": sum(bool(r["retrained"]) for r in rows),
            "pushes": sum(bool(r.get("pushed_version")) for r in rows),
            "declined": sum(1 for r in rows if str(r.get("training_outcome", "")).startswith("declined")),
            "compute_seconds": sum(r["train_seconds"] + r["evaluate_seconds"] for r in rows),
            "wall_seconds": time.perf_counter() - started}


def main_regression(args) -> int:
    """The policies on a regression use case, one after the other, beside HistGradientBoostingRegressor."""
    from benchmarks import reference
    root = Path(args.workdir) / args.use_case
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    label, folder, batches = regression_batches(args.use_case, root)
    header = next(iter(batches.values()))[0]
    rows = [run_regression_policy(policy, root, label, folder) for policy in args.policies.split(",")]
    for name, test_fraction in (("train splits", 0.2), ("whole batches", None)):
        found = reference.run_regression(header, {b: r for b, (_, r) in batches.items()}, label,
                                         test_fraction=test_fraction)
        for policy, result in found.items():
            rows.append({"policy": f"HistGradientBoostingRegressor {policy} ({name})", "mae": result["mae"],
                         "retrains": result["retrains"], "pushes": result["retrains"], "declined": 0,
                         "compute_seconds": result["seconds"], "wall_seconds": result["seconds"]})
    names = sorted(batches)[1:]
    later = set(names[len(names) // 2:])
    for row in rows:
        values = [row["mae"][b] for b in names if b in row["mae"]]
        row["mean"], row["later"] = mean(values), mean(row["mae"][b] for b in later if b in row["mae"])
    lines = ["| policy | mean MAE | MAE, later half | retrains | pushes | declined | compute s |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['policy']} | {r['mean']:.3f} | {r['later']:.3f} | {r['retrains']} | {r['pushes']} "
              f"| {r['declined']} | {r['compute_seconds']:.0f} |" for r in rows]
    by_name = {r["policy"]: r for r in rows}
    triggered, static = by_name.get("adapt triggered"), by_name.get("adapt static")
    periodic = by_name["HistGradientBoostingRegressor periodic (train splits)"]
    checks = []
    if triggered:
        checks.append((f"adapt triggered {triggered['mean']:.3f} <= 1.05 x the reference's periodic "
                       f"{periodic['mean']:.3f} (train splits, the rows adapt trains on) = {1.05 * periodic['mean']:.3f}",
                       triggered["mean"] <= 1.05 * periodic["mean"]))
    if triggered and static:
        checks.append((f"adapt triggered {triggered['mean']:.3f} below static {static['mean']:.3f}",
                       triggered["mean"] < static["mean"]))
    per_batch = [f"| batch | " + " | ".join(r["policy"] for r in rows) + " |", "|" + "---|" * (len(rows) + 1)]
    per_batch += [f"| {b} | " + " | ".join(f"{r['mae'].get(b, float('nan')):.3f}" for r in rows) + " |"
                  for b in names]
    text = "\n\n".join(["\n".join(lines), "\n".join(f"- {'met' if ok else 'NOT met'}: {t}" for t, ok in checks),
                         "\n".join(per_batch)])
    print(text)
    command = "python -m benchmarks.policies " + " ".join(sys.argv[1:])
    wall = "; ".join(f"{r['policy']} {r['wall_seconds']:.0f} s" for r in rows if r["policy"].startswith("adapt"))
    (RESULTS / f"policies_{args.use_case}.md").write_text(
        f"# Retraining policies on a regression use case: {args.use_case} (label `{label}`)\n\nCommand: "
        f"`{command.strip()}` ({time.strftime('%Y-%m-%d')}, 2-core machine, {time.perf_counter() - started:.0f} s; "
        f"wall time per replay: {wall})\n\nMAE (lower is better) is the serving model's on every labeled row of "
        f"each batch after the first, before any retraining on it; 'later half' the second half of those batches. "
        f"Compute is train + evaluate seconds. The reference trains on the spans' train splits (the rows adapt "
        f"trains on) or on whole batches.\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
