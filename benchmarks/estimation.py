"""How close is the accuracy adapt estimates without labels to the accuracy the labels show? Beside NannyML's CBPE.

    python -m benchmarks.estimation [--nannyml-venv build/nannyml-venv] [--no-replays] [--workdir /tmp/adapt-estimation]

For each dataset one model is trained on the first batch's train split and
never retrained: the estimate's job is to follow a serving model's accuracy as
the data moves. Two kinds of model:

- adapt's own, as a user gets it: `adapt init` on the first batch and
  `adapt replay --policy static` over the rest (the gradient-boosted trees of
  models/tabular, calibrated by the Trainer, estimated by the batch
  evaluation), for the taxi quarters and two generated streams; the MAE and
  band figures are read from the replay's report;
- the stand-in of benchmarks/drift_policy.py (scikit-learn's
  HistGradientBoosting), for every dataset and beside NannyML, which needs
  the reference probabilities a replay does not keep.

The stand-in's holdout (the first batch's test split) calibrates it
as adapt's Trainer does (core/estimation.fit_calibrator), and every later
batch gets adapt's estimate (EstimationSums over the calibrated
probabilities). From the very same probabilities, NannyML's CBPE (reference =
the holdout, one chunk per batch) runs in a virtual environment of its own
(NannyML needs pyarrow >= 13, TFX 1.16 pins 10), which the benchmark creates
with pip on first use.

Datasets: the 16 Chicago taxi quarters (real drift); the nine digit-image
batches of the digits demo (rotation, blur, contrast, inversion, noise; ten
classes, so the macro one-vs-rest path; its holdout of about 40 images is
too small to calibrate on, as in adapt's own digits model); covariate shift towards
the decision boundary (generated: one P(y | x) throughout, rows crowding where
the model is unsure); drift_policy's covariate shift, whose rows move beyond
the first batch's range where the label depends on them differently (the
model extrapolates, confidently wrong: to the model that is concept drift); a
stable stream; and concept drift proper (the rotating hyperplane: P(x) never
moves). No estimate from the model's own probabilities can follow the last
two: the documented limit.
Printed per dataset: the mean absolute error of each estimator against the
realized accuracy, and how often the realized accuracy fell inside each band.
"""
import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

import core  # noqa: F401  (TensorFlow's process defaults)
from benchmarks import command_line, drift_policy

RESULTS = Path(__file__).parent / "results" / "estimation.md"
# NannyML 0.13.1 imports statsmodels without declaring it.
NANNYML = ["nannyml==0.13.1", "statsmodels"]


def towards_the_boundary(seed: int = 3, batches: int = 12, rows: int = 1500):
    """Covariate shift without concept drift: P(y | x) is one logistic law throughout, and the first batch covers
    the whole region later batches move into; batch by batch the rows crowd towards the decision boundary, where
    the model is rightly unsure and its accuracy falls."""
    import pandas as pd
    rng = np.random.default_rng(seed)
    found = []
    for index in range(batches):
        t = index / max(batches - 1, 1)
        spread = 2.5 if index == 0 else 1.6 - 1.2 * t
        frame = pd.DataFrame({"x1": rng.normal(1.5 * (1 - t), spread, rows), "x2": rng.normal(0.0, 1.0, rows),
                              "segment": rng.choice(["a", "b", "c"], p=drift_policy._mix(index, batches), size=rows)})
        logit = 2.0 * frame["x1"] + 0.5 * frame["x2"] + frame["segment"].map({"a": 0.0, "b": 0.5, "c": -0.5})
        labels = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int).to_numpy()
        found.append((frame, labels))
    return "covariate shift towards the boundary (generated)", found, []


def digits():
    """The nine drifting digit-image batches of `adapt demo --use-case digits` (models/images/digits.py), each
    32x32 image as its 8x8 block means: 64 grey levels for the stand-in."""
    import pandas as pd
    from models.images import digits as images
    found = []
    for index in range(images.BATCHES):
        pixels, labels = [], []
        for _, image, label in images.batch_images(index):
            grey = np.asarray(image, dtype=np.float64)
            pixels.append(grey.reshape(8, images.SIZE // 8, 8, images.SIZE // 8).mean(axis=(1, 3)).ravel())
            labels.append(label)
        found.append((pd.DataFrame(np.array(pixels), columns=[f"p{i}" for i in range(64)]), np.array(labels)))
    return "digits (drifting images, 10 classes)", found, []


def nannyml_python(venv: Path) -> Path:
    """The venv's interpreter, with NannyML installed into it on first use."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    if subprocess.run([str(python), "-c", "import nannyml"], capture_output=True).returncode:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *NANNYML], check=True)
    return python


def probabilities(model, frame) -> np.ndarray:
    return model.model.predict_proba(model._x(frame))


def evaluate(batches, exclude: Sequence[str], python: Optional[Path]) -> Dict:
    from benchmarks.drift import categorical_columns
    from core import estimation
    import pandas as pd
    everything = pd.concat([f for f, _ in batches], ignore_index=True)
    categories = {c: sorted(everything[c].dropna().astype(str).unique())
                  for c in categorical_columns(everything, 20) if everything[c].dtype == object}
    (train_frame, train_labels), (holdout_frame, holdout_labels) = drift_policy.split(*batches[0], seed=0)
    model = drift_policy.StandIn([train_frame], [train_labels], categories, exclude)
    reference = probabilities(model, holdout_frame)
    calibrator = estimation.fit_calibrator(reference, holdout_labels)
    rows, arrays = [], {"reference_probabilities": reference, "reference_labels": holdout_labels,
                        "batches": len(batches) - 1}
    for index, (frame, labels) in enumerate(batches[1:]):
        raw = probabilities(model, frame)
        arrays[f"batch_{index}"] = raw
        estimate = estimation.EstimationSums(raw.shape[1]).add(calibrator.apply(raw), raw.argmax(axis=1)).accuracy(
            reference_rows=calibrator.rows)
        rows.append({"batch": index + 1, "rows": len(labels), "realized": float((raw.argmax(axis=1) == labels).mean()),
                     "adapt": estimate.value, "adapt_low": estimate.low, "adapt_high": estimate.high})
    nannyml = run_nannyml(python, arrays) if python else None
    for row, theirs in zip(rows, (nannyml or {}).get("batches", [])):
        row.update(nannyml=theirs["accuracy"], nannyml_low=theirs["low"], nannyml_high=theirs["high"])
    return {"rows": rows, "calibrated": calibrator.kept, "ece_before": calibrator.ece_before,
            "ece_after": calibrator.ece_after, "nannyml_version": (nannyml or {}).get("version"),
            "nannyml_error": (nannyml or {}).get("error")}


def run_nannyml(python: Path, arrays: Dict) -> Dict:
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "input.npz", Path(folder) / "output.json"
        np.savez(source, **arrays)
        subprocess.run([str(python), str(Path(__file__).parent / "nannyml_cbpe.py"), str(source), str(target)],
                       check=True)
        return json.loads(target.read_text())


def own_model_replays(root: Path) -> List[Dict]:
    """{name, rows, calibration}: adapt init + adapt replay --policy static per stream, in fresh workspaces."""
    import shutil
    from benchmarks import LABEL, adapt, write_batch_folders
    from core.contract import read_model_info
    from models.taxi import LABEL as TAXI_LABEL, dataset
    streams = [("taxi quarters", TAXI_LABEL, lambda folder: dataset.write_quarterly_batches(folder)),
               ("covariate shift towards the boundary (generated)", LABEL,
                lambda folder: write_batch_folders(towards_the_boundary()[1], folder)),
               ("covariate shift (generated)", LABEL,
                lambda folder: write_batch_folders(drift_policy.covariate_shift()[1], folder))]
    found = []
    for index, (name, label, write) in enumerate(streams):
        folder, workdir, log = root / f"{index}-batches", root / f"{index}-workspace", root / f"{index}.log"
        for path in (folder, workdir):
            shutil.rmtree(path, ignore_errors=True)
        log.unlink(missing_ok=True)
        write(folder)
        first = sorted(p for p in folder.iterdir() if p.is_dir())[0]
        adapt(["init", "--data", first, "--label", label, "--workdir", workdir], log)
        adapt(["replay", folder, "--workdir", workdir, "--policy", "static"], log)
        report = json.loads((workdir / "reports" / "replay-static.json").read_text())
        rows = [{"batch": r["batch"], "rows": r.get("rows"), "realized": r["accuracy"],
                 "adapt": r["estimated_accuracy"], "adapt_low": r["estimated_accuracy_low"],
                 "adapt_high": r["estimated_accuracy_high"]}
                for r in report if r.get("accuracy") is not None and r.get("estimated_accuracy") is not None]
        served = sorted((workdir / "serving").glob("*/1"))[0]
        found.append({"name": name, "rows": rows, "calibration": read_model_info(str(served))["calibration"]})
        print(f"{name}: adapt's own model, MAE {summary(rows, 'adapt')[0]}", flush=True)
    return found


def summary(rows: List[Dict], who: str) -> tuple:
    """(MAE, 'k of n' batches inside the band) of one estimator."""
    if who not in rows[0]:
        return "-", "-"
    errors = [abs(r[who] - r["realized"]) for r in rows]
    inside = sum(r[f"{who}_low"] <= r["realized"] <= r[f"{who}_high"] for r in rows)
    return f"{np.mean(errors):.4f}", f"{inside} of {len(rows)}"


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nannyml-venv", default="build/nannyml-venv",
                        help="where NannyML's own virtual environment is (created on first use)")
    parser.add_argument("--no-nannyml", action="store_true", help="adapt's estimate only")
    parser.add_argument("--no-replays", action="store_true", help="the stand-in only: no replays of adapt's own model")
    parser.add_argument("--workdir", default="/tmp/adapt-estimation", help="where the replays' workspaces go")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    python = None if args.no_nannyml else nannyml_python(Path(args.nannyml_venv).resolve())
    started = time.perf_counter()
    header = ["# Accuracy estimated without labels, against the accuracy the labels show", "",
              command_line("estimation", argv), ""]
    if not args.no_replays:
        header += ["## adapt's own model", "",
                   "`adapt init` on the first batch, `adapt replay --policy static` over the others: the "
                   "gradient-boosted trees trained once, calibrated by the Trainer (holdout, plus training rows "
                   "answered out of fold when the holdout is under 1000 rows), every later batch estimated by the "
                   "batch evaluation. Figures from the replay's report.", "",
                   "| dataset | batches | calibration rows (out of fold) | ECE raw -> calibrated | adapt MAE | "
                   "band holds |", "|---|---|---|---|---|---|"]
        for replay in own_model_replays(Path(args.workdir)):
            c, rows = replay["calibration"], replay["rows"]
            mae, band = summary(rows, "adapt")
            kept = "" if c["calibrated"] else " (not kept)"
            header.append(f"| {replay['name']} | {len(rows)} | {c['rows']} ({c.get('out_of_fold_rows', 0)}) | "
                          f"{c['ece_before']:.3f} -> {c['ece_after']:.3f}{kept} | {mae} | {band} |")
        header += ["", "## The stand-in, beside NannyML", ""]
    header += ["One model per dataset (stand-in HistGradientBoosting) trained on the first batch and never "
              "retrained; calibrated on that batch's test split alone (the same isotonic fit as adapt's, no out-of-fold rows); every later batch "
              "estimated by adapt (core/estimation.py) and by NannyML's CBPE from the same probabilities. "
              "MAE: mean absolute error against the realized accuracy; band: batches whose realized accuracy "
              "lies inside the estimator's band (adapt: 3 sigma of the batch's and the calibration holdout's sizes; NannyML: its own).", "",
              "| dataset | batches | holdout ECE raw -> calibrated | adapt MAE | NannyML MAE | adapt band holds | "
              "NannyML band holds |", "|---|---|---|---|---|---|---|"]
    details, lines, version = [], list(header), None
    for make in (drift_policy.taxi, digits, towards_the_boundary, drift_policy.covariate_shift, drift_policy.stable,
                 drift_policy.concept_drift):
        name, batches, exclude = make()
        result = evaluate(batches, exclude, python)
        rows = result["rows"]
        (ours, our_band), (theirs, their_band) = summary(rows, "adapt"), summary(rows, "nannyml")
        ece = f"{result['ece_before']:.3f} -> {result['ece_after']:.3f}" + ("" if result["calibrated"] else
                                                                            " (not kept)")
        if result["nannyml_error"]:
            theirs = their_band = f"fails to fit: {result['nannyml_error'].split('. ')[0]}"
        lines.append(f"| {name} | {len(rows)} | {ece} | {ours} | {theirs} | {our_band} | {their_band} |")
        print(lines[-1], flush=True)
        details += ["", f"## {name}", "", "| batch | rows | realized | adapt (band) | NannyML (band) |",
                    "|---|---|---|---|---|"]
        for r in rows:
            nanny = (f"{r['nannyml']:.3f} ({r['nannyml_low']:.3f}-{r['nannyml_high']:.3f})"
                     if "nannyml" in r else "-")
            details.append(f"| {r['batch']} | {r['rows']} | {r['realized']:.3f} | {r['adapt']:.3f} "
                           f"({r['adapt_low']:.3f}-{r['adapt_high']:.3f}) | {nanny} |")
        version = result["nannyml_version"] or version
    lines += ["", f"NannyML {version or 'not run'}; total {time.perf_counter() - started:.0f} s."] + details
    Path(args.output).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
