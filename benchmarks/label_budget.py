"""Labels on a budget: how close is a batch's accuracy estimated from N labels chosen by active testing, beside N
chosen uniformly at random and beside the confidence-based estimate that needs none? And how much of a drop does
the drop split (core/labeling/explain.py) leave to concept drift on a concept-drift stream and on a covariate-shift
stream?

    python -m benchmarks.label_budget [--draws 200] [--datasets concept,boundary,covariate,taxi,digits]

One stand-in model per dataset (benchmarks/drift_policy.py's HistGradientBoosting), trained on the first batch's
train split, calibrated on its holdout (core/estimation.fit_calibrator, as adapt's Trainer does) and never
retrained. For every later batch and budget, `--draws` samples of each kind are drawn (core/labeling/acquisition:
active = expected loss mixed with a uniform share; uniform = share 1) and estimated (core/labeling/estimate);
printed is the mean absolute error against the batch's realized accuracy, averaged over batches, and how often the
band (3 standard errors, as adapt reports it) held the realized accuracy.
"""
import argparse
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

import core  # noqa: F401  (TensorFlow's process defaults)
from benchmarks import command_line, drift_policy, estimation as estimation_benchmark
from core import estimation
from core.labeling.acquisition import UNIFORM_SHARE, inclusion_probabilities, systematic_sample
from core.labeling.estimate import estimate_from_sample
from core.labeling.explain import explain_drop

RESULTS = Path(__file__).parent / "results" / "label_budget.md"
BUDGETS = (25, 50, 100, 200)
SAMPLERS = {"active (uniform share 0.2)": 0.2, "active (0.5)": 0.5, "uniform": 1.0}
DEFAULT = next(name for name, share in SAMPLERS.items() if share == UNIFORM_SHARE)
DATASETS = {"concept": drift_policy.concept_drift, "boundary": estimation_benchmark.towards_the_boundary,
            "covariate": drift_policy.covariate_shift, "taxi": drift_policy.taxi, "digits": estimation_benchmark.digits}
MEANINGFUL_DROP = 0.02   # drops smaller than this are not split (their shares are noise)


def stand_in(batches, exclude):
    import pandas as pd

    from benchmarks.drift import categorical_columns
    everything = pd.concat([f for f, _ in batches], ignore_index=True)
    categories = {c: sorted(everything[c].dropna().astype(str).unique())
                  for c in categorical_columns(everything, 20) if everything[c].dtype == object}
    (train_frame, train_labels), (holdout_frame, holdout_labels) = drift_policy.split(*batches[0], seed=0)
    model = drift_policy.StandIn([train_frame], [train_labels], categories, exclude)
    return model, holdout_frame, holdout_labels


def batch_figures(model, calibrator, frame, labels, draws: int, classes) -> Dict:
    raw = estimation_benchmark.probabilities(model, frame)
    predicted = raw.argmax(axis=1)
    predicted_labels = np.asarray(classes)[predicted]
    wrong = (predicted_labels != labels).astype(float)
    calibrated = calibrator.apply(raw)
    expected_loss = 1.0 - estimation.predicted_confidence(calibrated, predicted)
    realized = 1.0 - wrong.mean()
    cbpe = estimation.EstimationSums(raw.shape[1]).add(calibrated, predicted).accuracy(reference_rows=calibrator.rows)
    errors = {}
    for budget in BUDGETS:
        if budget >= len(labels):
            continue
        for name, share in SAMPLERS.items():
            probabilities = inclusion_probabilities(expected_loss, budget, share)
            absolute, covered = [], 0
            for seed in range(draws):
                chosen = systematic_sample(probabilities, seed)
                found = estimate_from_sample(wrong[chosen], probabilities[chosen], len(labels))
                absolute.append(abs(found.value - realized))
                covered += found.low <= realized <= found.high
            errors[(name, budget)] = (float(np.mean(absolute)), covered / draws)
    expected_shares = {str(c): float(calibrated[:, k].mean()) for k, c in enumerate(classes)}
    realized_shares = {str(c): float((labels == c).mean()) for c in classes}
    return {"rows": len(labels), "realized": realized, "cbpe": cbpe.value,
            "cbpe_error": (cbpe.high - cbpe.low) / 6, "errors": errors, "expected_shares": expected_shares,
            "realized_shares": realized_shares}


def run_dataset(key: str, draws: int) -> Dict:
    name, batches, exclude = DATASETS[key]()
    model, holdout_frame, holdout_labels = stand_in(batches, exclude)
    classes = model.model.classes_
    holdout_raw = estimation_benchmark.probabilities(model, holdout_frame)
    calibrator = estimation.fit_calibrator(holdout_raw, np.searchsorted(classes, holdout_labels))
    holdout_right = classes[holdout_raw.argmax(axis=1)] == holdout_labels
    reference = float(holdout_right.mean())
    class_accuracy = {str(c): float(holdout_right[holdout_labels == c].mean()) for c in classes
                      if (holdout_labels == c).any()}
    figures = []
    for frame, labels in batches[1:]:
        found = batch_figures(model, calibrator, frame, labels, draws, classes)
        found["explained"] = explain_drop(
            "accuracy", reference, found["cbpe"], found["realized"], estimated_error=found["cbpe_error"],
            realized_error=(found["realized"] * (1 - found["realized"]) / found["rows"]) ** 0.5,
            reference_error=(reference * (1 - reference) / len(holdout_labels)) ** 0.5,
            class_accuracy=class_accuracy, expected_shares=found["expected_shares"],
            realized_shares=found["realized_shares"], labeled_rows=found["rows"])
        figures.append(found)
    return {"name": name, "reference": reference, "holdout_rows": len(holdout_labels), "batches": figures,
            "calibrated": calibrator.kept}


def dataset_section(result: Dict) -> List[str]:
    batches = result["batches"]
    cbpe = np.mean([abs(b["cbpe"] - b["realized"]) for b in batches])
    lines = [f"### {result['name']}", "",
             f"{len(batches)} batches after the first, {int(np.mean([b['rows'] for b in batches]))} rows each on "
             f"average; holdout accuracy {result['reference']:.3f} on {result['holdout_rows']} rows; calibrated: "
             f"{result['calibrated']}. Confidence-based estimate (no labels): mean absolute error {cbpe:.4f}.", "",
             "| budget | " + " | ".join(f"{name} MAE (band held)" for name in SAMPLERS) + " | default active / uniform | "
             "default active / confidence-based |", "|---|" + "---|" * (len(SAMPLERS) + 2)]
    for budget in BUDGETS:
        cells = {name: [b["errors"][(name, budget)] for b in batches if (name, budget) in b["errors"]]
                 for name in SAMPLERS}
        if not cells[DEFAULT]:
            continue
        means = {name: (np.mean([e for e, _ in v]), np.mean([c for _, c in v])) for name, v in cells.items()}
        lines.append(f"| {budget} | " + " | ".join(f"{m:.4f} ({c:.0%})" for m, c in means.values())
                     + f" | {means[DEFAULT][0] / means['uniform'][0]:.2f} | {means[DEFAULT][0] / cbpe:.2f} |")
    fell = [b for b in batches if b["explained"].total.value > MEANINGFUL_DROP]
    if fell:
        shares = {part: np.mean([getattr(b["explained"], part).value / b["explained"].total.value for b in fell])
                  for part in ("input_shift", "class_shares", "concept")}
        lines += ["", f"Drop split over the {len(fell)} batches whose accuracy fell more than {MEANINGFUL_DROP} "
                      f"below the holdout's (mean share of the drop): input shift {shares['input_shift']:.0%}, "
                      f"class shares {shares['class_shares']:.0%}, concept drift {shares['concept']:.0%}."]
    else:
        lines += ["", f"No batch's accuracy fell more than {MEANINGFUL_DROP} below the holdout's: no drop to split."]
    lines += ["", "<details><summary>each batch's drop split (accuracy points, ± a rough standard error)</summary>", "",
              "| batch | realized | confidence-based | drop | input shift | class shares | concept drift |",
              "|---|---|---|---|---|---|---|"]
    for index, b in enumerate(batches, start=2):
        split = b["explained"]
        lines.append(f"| {index} | {b['realized']:.3f} | {b['cbpe']:.3f} | {split.total.value:+.3f} | " + " | ".join(
            f"{part.value:+.3f} ±{part.standard_error:.3f}" for part in (split.input_shift, split.class_shares,
                                                                          split.concept)) + " |")
    return lines + ["", "</details>", ""]


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    started = time.time()
    lines = ["# Labels on a budget: active testing vs a uniform sample vs the confidence-based estimate", "",
             command_line("label_budget", argv), "",
             f"Active: rows drawn in proportion to the model's calibrated expected 0-1 loss mixed with a uniform "
             f"share (adapt's default: {UNIFORM_SHARE}); uniform: a simple random sample (Horvitz-Thompson, "
             f"core/labeling/estimate.py, for both). Each cell: mean absolute error of the batch accuracy estimate against the realized accuracy, "
             f"over {args.draws} draws per batch and the batches, and the share of draws whose 3-standard-error band "
             f"held the realized accuracy.", ""]
    for key in args.datasets.split(","):
        result = run_dataset(key, args.draws)
        lines += dataset_section(result)
        print("\n".join(dataset_section(result)), flush=True)
    lines.append(f"Took {time.time() - started:.0f} s.")
    Path(args.output).write_text("\n".join(lines) + "\n")
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()
