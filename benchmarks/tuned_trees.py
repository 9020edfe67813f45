"""Benchmark: adapt's trees with and without the hyperparameter search (`model.tune`), beside scikit-learn's
HistGradientBoosting, each retrained before every batch on the four batches before it.

    python -m benchmarks.tuned_trees [--budget 10] [--use-cases taxi,taxi-fare,diabetes]
                                    # -> benchmarks/results/tuned_trees.md

The trees are the forests adapt's Trainer grows, grown by YDF (the library TF-DF
wraps: same learner, same settings, core/trees.py) on the batches' train splits
(the rows a span trains on), categories as integer ids as Transform hands them;
the tuned ones choose their settings with models/tree_search.py's search, the
code the Trainer runs, on the same windows (trials scored on the window's newest
batch), searching before every retrain (`every 1`) or every fourth (`auto`),
reusing the choice in between. The reference is benchmarks/reference.py's
periodic HistGradientBoosting on the same train splits. Scores: accuracy on
every row of each batch (classification), MAE (regression); seconds are the
whole retraining loop's, search included.

This measures the learner, not the pipeline: adapt's packages' own
preprocessing (models/taxi) and TFX's overhead are not part of it.
"""
import argparse
import sys
import time
from pathlib import Path
from statistics import mean
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from benchmarks import command_line, reference
from core.hyperparameters import AUTO_EVERY
from core.label_scale import AUTO, IDENTITY, LabelScale, configured
from core.trees import ydf_learner
from models import gradient_boosted, label_scale, tree_search

RESULTS = Path(__file__).resolve().parent / "results"
WINDOW = 4
_LABEL = "__label__"
Batches = Dict[str, List[List[str]]]


def stream(use_case: str, root: Path) -> Tuple[List[str], Batches, str, bool]:
    """(header, {batch: rows}, label, regression) of a bundled table's batches."""
    if use_case == "taxi":
        from models.taxi import dataset
        header, quarters = dataset.labeled_quarters()
        return header, quarters, dataset.LABEL, False
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


def run_trees(header: List[str], batches: Batches, label: str, regression: bool, every: Optional[int],
              budget: float, scale_mode: str = IDENTITY, decide_every: int = 1) -> Dict:
    """{"scores": {batch: score}, "seconds", "searches", "chosen": [values], "scales": [LabelScale]}: trees
    retrained before each batch on the WINDOW before it, searching every `every` retrains (None: never), a
    regression label on `scale_mode` (model.label_scale: auto decides with models/label_scale.py's code before the
    search, as the Trainer does, every `decide_every` retrains: the Trainer's 1, or a choice reused between)."""
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
            found = tree_search.search(parts, categorical, regression, budget)
            searches += 1
            values = found.values if found is not None else values
            chosen.append(values or {})
        features = {name: np.concatenate([p[0][name] for p in parts]) for name in parts[0][0]}
        labels = np.concatenate([p[1] for p in parts])
        model = ydf_learner(_LABEL, categorical, regression, 42, values).train(
            {**gradient_boosted.ydf_columns(features, categorical), _LABEL: labels}, verbose=0)
        scores[batch] = _score(model, *_arrays(header, batches[batch], label, categories, regression), regression,
                               categorical, scale)
    return {"scores": scores, "seconds": time.perf_counter() - started, "searches": searches, "chosen": chosen,
            "scales": scales}


def run_use_case(use_case: str, root: Path, budget: float) -> List[Dict]:
    header, batches, label, regression = stream(use_case, root)
    rows = []
    for name, every in (("trees, untuned (tune: off)", None), (f"trees, tune: auto (every {AUTO_EVERY})", AUTO_EVERY),
                        ("trees, tune: every 1 retrain", 1)):
        rows.append({"model": name, **run_trees(header, batches, label, regression, every, budget)})
    if regression:
        periodic = reference.run_regression(header, batches, label)["periodic"]
        scores = periodic["mae"]
    else:
        periodic = reference.run(header, batches)["periodic"]
        scores = periodic["accuracy"]
    rows.append({"model": "HistGradientBoosting, default", "scores": scores, "seconds": periodic["seconds"],
                 "searches": 0, "chosen": [], "scales": []})
    for row in rows:
        row["mean"] = mean(row["scores"].values())
    return rows


def table(use_case: str, rows: Sequence[Dict], regression: bool) -> str:
    metric = "mean MAE (lower is better)" if regression else "mean accuracy"
    reference_mean = rows[-1]["mean"]
    lines = [f"### {use_case} ({len(rows[0]['scores'])} retrains)", "",
             f"| model | {metric} | vs HistGradientBoosting | searches | compute s |", "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['model']} | {row['mean']:.4f} | {row['mean'] - reference_mean:+.4f} | "
                     f"{row['searches']} | {row['seconds']:.1f} |")
    picked = [values for row in rows for values in row["chosen"]]
    if picked:
        lines += ["", "Settings the searches kept (empty: the defaults beat every trial on the validation rows): "
                  + "; ".join(", ".join(f"{k} {v}" for k, v in sorted(values.items())) or "defaults"
                              for values in picked[:6]) + (" ..." if len(picked) > 6 else "")]
    return "\n".join(lines)


def parse_args(doc: str, use_cases: str, workdir: str) -> argparse.Namespace:
    """The options of a benchmark that retrains trees on streams' windows: this one's and label_scale's."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--budget", type=float, default=10.0, help="model.tune_budget_seconds of every search")
    parser.add_argument("--use-cases", default=use_cases)
    parser.add_argument("--workdir", default=workdir)
    return parser.parse_args()


def main() -> int:
    args = parse_args(__doc__, "taxi,taxi-fare,diabetes", "/tmp/adapt-bench-tuned-trees")
    root = Path(args.workdir)
    started = time.perf_counter()
    parts = []
    for use_case in args.use_cases.split(","):
        rows = run_use_case(use_case, root, args.budget)
        parts.append(table(use_case, rows, use_case != "taxi"))
        print(parts[-1], flush=True)
    (RESULTS / "tuned_trees.md").write_text(
        f"# adapt's trees tuned and untuned beside HistGradientBoosting\n\n{command_line('tuned_trees', None)}, "
        f"shared with other jobs, {time.perf_counter() - started:.0f} s"
        f"\n\nEvery model is retrained before each batch on the {WINDOW} batches before it (their 80 % train "
        f"splits) and scored on every labeled row of the batch. {__doc__.split(chr(10) + chr(10), 2)[2]}\n\n"
        + "\n\n".join(parts) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
