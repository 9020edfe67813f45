"""Labels on a budget: how close is a batch's accuracy estimated from N labels, by importance weighting (active
testing) and by the difference estimator (the model's expected loss corrected by the labeled rows' residuals), each
from rows drawn its own way (and by a two-stage request with a surrogate, benchmarks/label_two_stage.py), beside N
chosen uniformly at random and beside the confidence-based estimate that needs none? And how much of a drop does
the drop split (core/labeling/explain.py) leave to concept drift on a concept-drift stream and on a covariate-shift
stream?

    python -m benchmarks.label_budget [--draws 200] [--datasets concept,boundary,covariate,taxi,digits]

One stand-in model per dataset (benchmarks/drift_policy.py's HistGradientBoosting), trained on the first batch's
train split, calibrated on its holdout (core/estimation.fit_calibrator, as adapt's Trainer does) and never
retrained. For every later batch and budget, `--draws` samples of each kind are drawn (core/labeling/acquisition:
the estimator's sampling weights mixed with a uniform share; share 1 = a random sample) and estimated
(core/labeling/estimators);
printed is the mean absolute error against the batch's realized accuracy, averaged over batches, and how often the
band (3 standard errors, as adapt reports it) held the realized accuracy.
"""
import argparse
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

import core  # noqa: F401  (TensorFlow's process defaults)
from benchmarks import command_line, drift_policy, estimation as estimation_benchmark, label_two_stage
from core import estimation
from core.labeling.estimators import DEFAULT_ESTIMATOR, default_uniform_share, repeated_draws
from core.labeling.explain import explain_drop

RESULTS = Path(__file__).parent / "results" / "label_budget.md"
BUDGETS = (25, 50, 100, 200)
# name: (estimator, uniform share of the sample); each estimator's active sample draws by its own weights
SAMPLERS = {"importance, active (0.5)": ("importance", 0.5), "difference, active (0.2)": ("difference", 0.2),
            "difference, active (0.5)": ("difference", 0.5), "difference, active (0.8)": ("difference", 0.8),
            "difference, random sample": ("difference", 1.0), "random sample (plain mean)": ("importance", 1.0)}
PREVIOUS = "importance, active (0.5)"      # the default before the difference estimator
DEFAULT = next(name for name, (key, share) in SAMPLERS.items()   # adapt's default: compared in the ratio columns
               if key == DEFAULT_ESTIMATOR and share == default_uniform_share(key))
UNIFORM = "random sample (plain mean)"
COLUMNS = [*SAMPLERS, label_two_stage.COMBINED, label_two_stage.SECOND]
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
    surrogate = label_two_stage.label_surrogate(
        label_two_stage.surrogate_inputs(model._x(frame), calibrated), labels, predicted_labels, expected_loss)
    errors = {}
    for budget in BUDGETS:
        if budget >= len(labels):
            continue
        two_stage = label_two_stage.two_stage_draws(wrong, expected_loss, surrogate, budget, draws)
        for name in COLUMNS:
            if name in two_stage:
                found = two_stage[name]
            else:
                estimator, share = SAMPLERS[name]
                found = repeated_draws(wrong, expected_loss, estimator, budget, share, draws)
            absolute = [abs(estimate.value - realized) for estimate in found]
            covered = sum(estimate.low <= realized <= estimate.high for estimate in found)
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
             "| budget | " + " | ".join(f"{name} MAE (band held)" for name in COLUMNS) + " | default / random | "
             "default / confidence-based | default / importance (0.5) | importance (0.5) / random | "
             "two-stage combined / random |",
             "|---|" + "---|" * (len(COLUMNS) + 5)]
    for budget in BUDGETS:
        cells = {name: [b["errors"][(name, budget)] for b in batches if (name, budget) in b["errors"]]
                 for name in COLUMNS}
        if not cells[DEFAULT]:
            continue
        means = {name: (np.mean([e for e, _ in v]), np.mean([c for _, c in v])) for name, v in cells.items()}
        lines.append(f"| {budget} | " + " | ".join(f"{m:.4f} ({c:.0%})" for m, c in means.values())
                     + f" | {means[DEFAULT][0] / means[UNIFORM][0]:.2f} | {means[DEFAULT][0] / cbpe:.2f} | "
                       f"{means[DEFAULT][0] / means[PREVIOUS][0]:.2f} | {means[PREVIOUS][0] / means[UNIFORM][0]:.2f} | "
                       f"{means[label_two_stage.COMBINED][0] / means[UNIFORM][0]:.2f} |")
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
    lines = ["# Labels on a budget: two unbiased estimators from the labeled rows vs a random sample vs the "
             "confidence-based estimate", "", command_line("label_budget", argv), "",
             "Estimators (core/labeling/estimators.py): importance = Horvitz-Thompson on the losses (active testing), "
             "rows drawn in proportion to the model's calibrated expected 0-1 loss p; difference = the model's expected "
             "loss over all rows plus Horvitz-Thompson on the residuals (loss - p), rows drawn in proportion to "
             "sqrt(p (1 - p)). (0.5) etc.: the uniform share mixed into the draw (1 = a random sample). Random sample "
             "(plain mean): the labeled rows' accuracy with a finite-population band. Each cell: mean absolute error "
             f"of the batch accuracy estimate against the realized accuracy, over {args.draws} draws per batch and the "
             "batches, and the share of draws whose 3-standard-error band held the realized accuracy. Default: adapt's "
             f"(`performance.label_estimator`), {DEFAULT}; importance (0.5) was the default before. Two-stage "
             "surrogate (benchmarks/label_two_stage.py, a probe not in adapt): half the budget drawn as the default, "
             "a logistic surrogate fitted on those rows' labels, the other half drawn by it from the rest; combined = "
             "the two stages' unbiased estimates weighted by their budgets, stage 2 alone = the stage-1 rows' losses "
             "plus the surrogate-assisted estimate of the rest.", ""]
    for key in args.datasets.split(","):
        result = run_dataset(key, args.draws)
        lines += dataset_section(result)
        print("\n".join(dataset_section(result)), flush=True)
    lines.append(f"Took {time.time() - started:.0f} s.")
    Path(args.output).write_text("\n".join(lines) + "\n")
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()
