"""Benchmark: adapt's trees with and without the hyperparameter search (`model.tune`), beside scikit-learn's
HistGradientBoosting, each retrained before every batch on the four batches before it.

    python -m benchmarks.tuned_trees [--budget 10]
        [--use-cases taxi,digits,taxi-fare,diabetes,house-prices,breast-cancer]   # -> results/tuned_trees.md

Streams: the taxi quarters (big tipper), the drifting digits as 8x8 pixel
tables and breast cancer (benchmarks/table_streams.py); taxi fares, diabetes
and house prices (benchmarks/policies.py's regression use cases).

The trees are the forests adapt's Trainer grows, grown by YDF (the library TF-DF
wraps: same learner, same settings, core/trees.py) on the batches' train splits
(the rows a span trains on), categories as integer ids as Transform hands them,
a regression label on the scale `model.label_scale: auto` decides at every
retrain (models/label_scale.py, as the Trainer does by default); the tuned ones
choose their settings with models/tree_search.py's search, the code the Trainer
runs, on the same windows (trials scored on the window's newest batch),
searching before every retrain (`every 1`) or every fourth (`auto`), reusing the
choice in between; its best trial is kept only when it beats the defaults by
more than the gate (tree_search.GATE_STANDARD_ERRORS standard errors of the
per-row loss difference; the "before" row keeps it when it beats them at all).
The reference is benchmarks/reference.py's periodic HistGradientBoosting on the
same train splits. Scores: accuracy on every row of each batch
(classification), MAE (regression); seconds are the whole retraining loop's,
decisions and searches included.

This measures the learner, not the pipeline: adapt's packages' own
preprocessing (models/taxi) and TFX's overhead are not part of it.
"""
import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from benchmarks import command_line, reference
from benchmarks.policies import REGRESSION_USE_CASES
from benchmarks.table_streams import CLASSIFICATION_TABLES, classification_table
from core.hyperparameters import AUTO_EVERY
from core.label_scale import AUTO, IDENTITY, LabelScale, configured
from core.trees import ydf_learner
from models import gradient_boosted, label_scale, tree_search

RESULTS = Path(__file__).resolve().parent / "results"
WINDOW = 4
_LABEL = "__label__"
Batches = Dict[str, List[List[str]]]


@dataclass(frozen=True)
class ModelRow:
    """One model's run over a stream: its score before each batch and what its retraining loop did."""

    model: str
    scores: Dict[str, float]                               # batch -> accuracy, or MAE
    seconds: float                                         # the whole retraining loop's
    searches: int = 0
    chosen: List[Dict] = field(default_factory=list)       # each search's settings kept ({}: the defaults)
    scales: List[LabelScale] = field(default_factory=list)  # model.label_scale: auto's decisions, retrain by retrain

    @property
    def mean(self) -> float:
        return mean(self.scores.values())


def stream(use_case: str, root: Path) -> Tuple[List[str], Batches, str, bool]:
    """(header, {batch: rows}, label, regression) of a bundled table's batches."""
    if use_case == "taxi":
        from models.taxi import dataset
        header, quarters = dataset.labeled_quarters()
        return header, quarters, dataset.LABEL, False
    if use_case in CLASSIFICATION_TABLES:
        return (*classification_table(use_case), False)
    from benchmarks.policies import regression_batches
    label, _, batches = regression_batches(use_case, root / use_case)
    header = next(iter(batches.values()))[0]
    return header, {name: rows for name, (_, rows) in batches.items()}, label, True


def _arrays(header: List[str], rows: List[List[str]], label: str, categories, regression: bool):
    """(features as Transform hands them to the trees: numbers, categories as ids, -1 missing; labels)."""
    frame = reference._frame(header, rows, categories, label)
    features = {column: (frame[column].cat.codes.to_numpy().astype(np.int64) if column in categories
                         else frame[column].to_numpy(dtype=np.float32)) for column in frame.columns}
    at = header.index(label)
    labels = np.array([float(row[at]) if regression else int(row[at]) for row in rows])
    return features, labels


def _score(model, features, labels, regression: bool, categorical, scale: Optional[LabelScale] = None) -> float:
    predicted = np.asarray(model.predict(gradient_boosted.ydf_columns(features, categorical)))
    if regression:
        predicted = scale.inverse(predicted) if scale is not None else predicted
        return float(np.mean(np.abs(predicted.reshape(-1) - labels)))
    classes = np.array([int(name) for name in model.label_classes()])
    if predicted.ndim == 1:
        chosen = classes[(predicted > 0.5).astype(int)]
    else:
        chosen = classes[np.argmax(predicted, axis=1)]
    return float(np.mean(chosen == labels))


def run_trees(model: str, header: List[str], batches: Batches, label: str, regression: bool, every: Optional[int],
              budget: float, scale_mode: str = IDENTITY, decide_every: int = 1,
              standard_errors: float = tree_search.GATE_STANDARD_ERRORS) -> ModelRow:
    """Trees (row `model`) retrained before each batch on the WINDOW before it, searching every `every` retrains
    (None: never) with the search's gate at `standard_errors`, a regression label on `scale_mode`
    (model.label_scale: auto decides with models/label_scale.py's code before the search, as the Trainer does,
    every `decide_every` retrains: the Trainer's 1, or a choice reused between)."""
    at = header.index(label)
    batches = {name: [row for row in rows if row[at].strip()] for name, rows in batches.items()}
    categories = reference._categories(header, batches, label)
    names = list(batches)
    categorical = [column for column in header if column in categories]
    scores, chosen, searches, values, scales = {}, [], 0, None, []
    scale = None if not regression or scale_mode == AUTO else configured(scale_mode)
    started = time.perf_counter()
    for index, batch in enumerate(names[1:]):
        parts = [_arrays(header, reference.train_split(batches[name], 0.2), label, categories, regression)
                 for name in names[max(0, index + 1 - WINDOW):index + 1]]
        if regression and scale_mode == AUTO:
            scale = label_scale.decide(parts, categorical, values) if index % decide_every == 0 else scale
            scales.append(scale)
        if scale is not None:
            parts = [(features, scale.forward(labels)) for features, labels in parts]
        if every and index % every == 0:
            found = tree_search.search(parts, categorical, regression, budget, standard_errors=standard_errors)
            searches += 1
            values = found.values if found is not None else values
            chosen.append(values or {})
        features = {name: np.concatenate([p[0][name] for p in parts]) for name in parts[0][0]}
        labels = np.concatenate([p[1] for p in parts])
        forest = ydf_learner(_LABEL, categorical, regression, 42, values).train(
            {**gradient_boosted.ydf_columns(features, categorical), _LABEL: labels}, verbose=0)
        scores[batch] = _score(forest, *_arrays(header, batches[batch], label, categories, regression), regression,
                               categorical, scale)
    return ModelRow(model, scores, time.perf_counter() - started, searches, chosen, scales)


def variants() -> Tuple[Tuple[str, Optional[int], float], ...]:
    """(row name, retrains between searches (None: never), the search's gate in standard errors)."""
    gate = tree_search.GATE_STANDARD_ERRORS
    return (("trees, untuned (tune: off)", None, gate),
            (f"trees, tune: auto (every {AUTO_EVERY}), best trial kept if it beats the defaults at all (before)",
             AUTO_EVERY, 0.0),
            (f"trees, tune: auto (every {AUTO_EVERY})", AUTO_EVERY, gate),
            ("trees, tune: every 1 retrain", 1, gate))


def run_use_case(use_case: str, root: Path, budget: float) -> List[ModelRow]:
    """The variants' rows and the reference's, last; regression labels on model.label_scale: auto, as the
    Trainer's default."""
    header, batches, label, regression = stream(use_case, root)
    rows = [run_trees(name, header, batches, label, regression, every, budget, AUTO if regression else IDENTITY,
                      standard_errors=gate) for name, every, gate in variants()]
    if regression:
        periodic = reference.run_regression(header, batches, label)["periodic"]
        scores = periodic["mae"]
    else:
        periodic = reference.run(header, batches, label_column=label)["periodic"]
        scores = periodic["accuracy"]
    return rows + [ModelRow("HistGradientBoosting, default", scores, periodic["seconds"])]


def table(use_case: str, rows: Sequence[ModelRow], regression: bool) -> str:
    metric = "mean MAE (lower is better)" if regression else "mean accuracy"
    reference_mean = rows[-1].mean
    lines = [f"### {use_case} ({len(rows[0].scores)} retrains)", "",
             f"| model | {metric} | vs HistGradientBoosting | points | searches (best trial kept) | compute s |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        kept = f" ({sum(bool(values) for values in row.chosen)})" if row.searches else ""
        lines.append(f"| {row.model} | {row.mean:.4f} | {row.mean - reference_mean:+.4f} | "
                     f"{points(row.mean, reference_mean, regression):+.2f} | {row.searches}{kept} | "
                     f"{row.seconds:.1f} |")
    picked = rows[-2].chosen
    if picked:
        lines += ["", f"Settings of `{rows[-2].model}`, search by search (defaults: the best trial did not beat "
                  "them by more than the gate): " + "; ".join(", ".join(f"{k} {v}" for k, v in sorted(values.items()))
                                                               or "defaults" for values in picked[:6])
                  + (" ..." if len(picked) > 6 else "")]
    return "\n".join(lines)


def points(score: float, reference_score: float, regression: bool) -> float:
    """How far above the reference a score is: accuracy points (x100) for a classifier; for a regressor the MAE
    saved, in % of the reference's MAE (positive: better than the reference)."""
    if regression:
        return (reference_score - score) / reference_score * 100
    return (score - reference_score) * 100


@dataclass(frozen=True)
class StreamGains:
    use_case: str
    points: Dict[str, float]     # model row -> points above the reference (points())


def gains(use_case: str, rows: Sequence[ModelRow], regression: bool) -> StreamGains:
    reference_mean = rows[-1].mean
    return StreamGains(use_case, {row.model: points(row.mean, reference_mean, regression) for row in rows[:-1]})


def bar(measured: Sequence[StreamGains]) -> str:
    """The issue's bar, model row by model row: at or above the reference on every stream, +0.5 points on average."""
    lines = ["## The bar: points above the retrained HistGradientBoosting", "",
             "Points: accuracy points for a classification stream; for a regression stream the MAE saved in % of "
             "the reference's MAE. Bar: at or above the reference on every stream, and at least +0.5 on average.", "",
             f"| model | {' | '.join(gain.use_case for gain in measured)} | mean | streams at or above | bar |",
             "|---|" + "---|" * (len(measured) + 3)]
    for model in measured[0].points:
        values = [gain.points[model] for gain in measured]
        level = sum(value >= 0 for value in values)
        met = "met" if level == len(values) and mean(values) >= 0.5 else "not met"
        lines.append(f"| {model} | {' | '.join(f'{value:+.2f}' for value in values)} | {mean(values):+.2f} | "
                     f"{level} of {len(values)} | {met} |")
    return "\n".join(lines)


def parse_args(doc: str, use_cases: str, workdir: str) -> argparse.Namespace:
    """The options of a benchmark that retrains trees on streams' windows: this one's and label_scale's."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--budget", type=float, default=10.0, help="model.tune_budget_seconds of every search")
    parser.add_argument("--use-cases", default=use_cases)
    parser.add_argument("--workdir", default=workdir)
    return parser.parse_args()


def main() -> int:
    args = parse_args(__doc__, "taxi,digits,taxi-fare,diabetes,house-prices,breast-cancer",
                      "/tmp/adapt-bench-tuned-trees")
    root = Path(args.workdir)
    started = time.perf_counter()
    parts, measured = [], []
    for use_case in args.use_cases.split(","):
        regression = use_case in REGRESSION_USE_CASES
        rows = run_use_case(use_case, root, args.budget)
        parts.append(table(use_case, rows, regression))
        measured.append(gains(use_case, rows, regression))
        print(parts[-1], flush=True)
    parts.append(bar(measured))
    print(parts[-1], flush=True)
    (RESULTS / "tuned_trees.md").write_text(
        f"# adapt's trees tuned and untuned beside HistGradientBoosting\n\n{command_line('tuned_trees', None)}, "
        f"at nice 19 beside other jobs, {time.perf_counter() - started:.0f} s"
        f"\n\nEvery model is retrained before each batch on the {WINDOW} batches before it (their 80 % train "
        f"splits) and scored on every labeled row of the batch. {__doc__.split(chr(10) + chr(10), 2)[2]}\n\n"
        + "\n\n".join(parts) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
