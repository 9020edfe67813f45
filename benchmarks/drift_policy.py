"""Which drift rule pays: the triggered policy with adapt's drift engine, replayed on several datasets in minutes.

    python -m benchmarks.drift_policy [--weighted-psi 0,0.02,0.05,0.1] [--min-importance 0.1]

A replay of adapt itself takes 20 minutes for the taxi quarters; choosing the
drift rule's defaults needs many replays on several datasets. Here the model is
a stand-in (scikit-learn's HistGradientBoosting, the reference of
benchmarks/policies.py, with permutation importances on the holdout, as adapt
records for a model without its own), while every drift decision is adapt's:
TFDV statistics with adapt's options, each batch against the serving model's
training batches, core/drift/report.py with the serving model's importances.

The policies are adapt's own (core/policy): `triggered` retrains on the last `window` batches when the
serving model's accuracy on a labeled batch is more than 5 % below its holdout
score (performance.max_drop) or when the drift rule fires; push the candidate
only when it is at least as accurate as the serving model on the newest batch's
test split (the Evaluator). `static` and `periodic` are the bounds. Datasets:

- taxi: the 16 Chicago taxi quarters (real drift: cash payments fall, tips rise);
- covariate shift: a generated table whose feature mix moves batch by batch into a
  region where the label depends on it differently (old models extrapolate);
- concept drift: the rotating hyperplane of tests/streams.py (P(x) never moves,
  so the drift rule should stay quiet and the performance rule do the work);
- stable: the same generator with nothing moving (every retrain is wasted).
"""
import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

import core  # noqa: F401  (TensorFlow's process defaults)
from core.policy.evidence import DriftFinding, Evidence, PerformanceFinding
from core.policy.policies import POLICIES
from core.policy.rules import BatchScores, PerformanceSettings, judge, relative_drop

RESULTS = Path(__file__).parent / "results" / "drift_policy.md"
MAX_DROP = 0.05
WINDOW = 4


# -- datasets: (name, batches of (features frame, labels), categorical columns, excluded columns) -----------------
def taxi():
    from benchmarks.drift import _typed
    from models.taxi import DRIFT_EXCLUDE, LABEL, dataset
    header, quarters = dataset.labeled_quarters()
    batches = []
    for rows in quarters.values():
        frame = _typed(pd.DataFrame(rows, columns=header))
        batches.append((frame.drop(columns=[LABEL]), frame[LABEL].astype(int).to_numpy()))
    return "taxi quarters", batches, list(DRIFT_EXCLUDE)


def covariate_shift(seed: int = 1, batches: int = 12, rows: int = 1500):
    rng = np.random.default_rng(seed)
    found = []
    for index in range(batches):
        shift = 0.25 * index
        frame = pd.DataFrame({
            "x1": rng.normal(shift, 1.0, rows), "x2": rng.normal(0.0, 1.0, rows),
            "x3": rng.normal(0.0, 1.0, rows),
            "segment": rng.choice(["a", "b", "c"], p=_mix(index, batches), size=rows),
            "code": rng.choice(4, size=rows)})
        logit = np.sin(1.5 * frame["x1"]) * 2.0 + 0.8 * frame["x2"] + frame["segment"].map({"a": 0.0, "b": 1.0, "c": -1.0})
        labels = (logit + rng.logistic(0, 0.3, rows) > 0).astype(int).to_numpy()
        found.append((frame, labels))
    return "covariate shift (generated)", found, []


def _mix(index: int, batches: int) -> List[float]:
    t = index / max(batches - 1, 1)
    shares = np.array([0.6 - 0.4 * t, 0.3, 0.1 + 0.4 * t])
    return list(shares / shares.sum())


def stable(seed: int = 2, batches: int = 12, rows: int = 1500):
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(batches):
        frame = pd.DataFrame({"x1": rng.normal(0, 1, rows), "x2": rng.normal(0, 1, rows), "x3": rng.normal(0, 1, rows),
                              "segment": rng.choice(["a", "b", "c"], p=[0.5, 0.3, 0.2], size=rows),
                              "code": rng.choice(4, size=rows)})
        logit = np.sin(1.5 * frame["x1"]) * 2.0 + 0.8 * frame["x2"] + frame["segment"].map({"a": 0.0, "b": 1.0, "c": -1.0})
        found.append((frame, (logit + rng.logistic(0, 0.3, rows) > 0).astype(int).to_numpy()))
    return "stable (generated)", found, []


def concept_drift(batches: int = 12, rows: int = 1500):
    import tempfile

    from benchmarks.drift import _typed
    from tests.streams import LABEL, rotating_hyperplane_batches
    folders = rotating_hyperplane_batches(Path(tempfile.mkdtemp(prefix="adapt-stream-")), batches=batches, rows=rows,
                                          degrees_per_batch=15)
    found = []
    for folder in folders:
        frame = _typed(pd.read_csv(folder / "data.csv", dtype=str, keep_default_na=False))
        found.append((frame.drop(columns=[LABEL]), (frame[LABEL] == "yes").astype(int).to_numpy()))
    return "concept drift (rotating hyperplane)", found, ["customer_id", "signup_time", "source"]


# -- the stand-in model ----------------------------------------------------------------------------------------
class StandIn:
    """HistGradientBoosting on every column (text as categories), trained on the train splits of a window."""

    def __init__(self, frames: Sequence[pd.DataFrame], labels: Sequence[np.ndarray], categories: Dict[str, list],
                 exclude: Sequence[str], seed: int = 0):
        from sklearn.ensemble import HistGradientBoostingClassifier
        self.categories, self.exclude = categories, list(exclude)
        x = pd.concat([self._x(f) for f in frames], ignore_index=True)
        self.model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
        self.model.fit(x, np.concatenate(labels))

    def _x(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.drop(columns=[c for c in self.exclude if c in frame.columns]).copy()
        for column, values in self.categories.items():
            if column in out:
                out[column] = pd.Categorical(out[column], categories=values)
        return out.apply(lambda c: c.astype(float) if str(c.dtype) == "Int64" else c)

    def accuracy(self, frame: pd.DataFrame, labels: np.ndarray) -> float:
        return float((self.model.predict(self._x(frame)) == labels).mean())

    def importances(self, frame: pd.DataFrame, labels: np.ndarray) -> Dict[str, float]:
        from sklearn.inspection import permutation_importance

        from core.importance import shares
        x = self._x(frame)
        found = permutation_importance(self.model, x, labels, n_repeats=3, random_state=0, scoring="accuracy")
        return shares(dict(zip(x.columns, found.importances_mean))) or {c: 1.0 / len(x.columns) for c in x.columns}


def split(frame: pd.DataFrame, labels: np.ndarray, seed: int):
    test = np.random.default_rng(seed).random(len(frame)) < 0.2
    return (frame[~test].reset_index(drop=True), labels[~test]), (frame[test].reset_index(drop=True), labels[test])


# -- one replay ------------------------------------------------------------------------------------------------
def replay(batches, exclude: Sequence[str], policy: str, settings=None) -> Dict:
    from benchmarks.drift import adapt_distributions, categorical_columns
    from core.drift.comparison import merged_features
    from core.drift.report import drift_report  # noqa: F401  (the engine the decision uses)
    from core.drift import comparison
    everything = pd.concat([f for f, _ in batches], ignore_index=True)
    categorical = categorical_columns(everything, 20)
    categories = {c: sorted(everything[c].dropna().astype(str).unique()) if everything[c].dtype == object
                  else sorted(everything[c].dropna().unique()) for c in categorical
                  if everything[c].dtype == object}
    splits = [split(f, y, seed=i) for i, (f, y) in enumerate(batches)]
    stats = [adapt_distributions(f, categorical) for f, _ in batches]

    def train(window: List[int]):
        model = StandIn([splits[i][0][0] for i in window], [splits[i][0][1] for i in window], categories, exclude)
        holdout = splits[window[-1]][1]
        return {"model": model, "window": window, "holdout_accuracy": model.accuracy(*holdout),
                "importances": model.importances(*holdout)}

    deciding = POLICIES.get(policy)()
    serving = train([0])
    rows, retrains, pushes, started = [], 0, 0, time.perf_counter()
    for index in range(1, len(batches)):
        frame, labels = batches[index]
        accuracy = serving["model"].accuracy(frame, labels)
        performance, drift = PerformanceFinding(None, ""), DriftFinding(False, "")
        if deciding.reads_evidence:  # measuring drift is most of a replay's time: only for a policy that reads it
            performance = performance_finding(accuracy, serving["holdout_accuracy"])
            baseline = _merged(stats, serving["window"])
            rows_ = comparison.drift_table(baseline, stats[index], settings, serving["importances"], exclude)
            drift = DriftFinding.from_report(comparison.decision(rows_, settings))
        fire = deciding.decide(Evidence(performance, drift)).train
        reason = ("periodic" if policy == "periodic" else
                  ("performance" if performance.retrain else "") + (" drift" if drift.drifted else ""))
        rows.append({"batch": index, "accuracy": accuracy, "retrained": fire, "reason": reason.strip()})
        if fire:
            retrains += 1
            window = list(range(max(0, index - WINDOW + 1), index + 1))
            candidate = train(window)
            newest = splits[index][1]
            if candidate["model"].accuracy(*newest) >= serving["model"].accuracy(*newest):
                serving, pushes = candidate, pushes + 1
    return {"mean": float(np.mean([r["accuracy"] for r in rows])), "retrains": retrains, "pushes": pushes,
            "batches": len(rows), "rows": rows, "seconds": time.perf_counter() - started}


def performance_finding(accuracy: float, holdout_accuracy: float) -> PerformanceFinding:
    """adapt's performance rule on a labeled batch: accuracy more than MAX_DROP below the serving model's holdout."""
    settings = PerformanceSettings("accuracy", reference=holdout_accuracy, max_drop=MAX_DROP)
    verdict = judge(BatchScores({"accuracy": accuracy}, {}, labeled=True), settings)
    return PerformanceFinding(verdict.retrain, verdict.reason, relative_drop(accuracy, holdout_accuracy), labeled=True)


def _merged(stats: List[Dict], window: List[int]) -> Dict:
    from core.drift import distributions, methods
    merged = {}
    for name in stats[window[0]]:
        parts = [stats[i][name] for i in window if name in stats[i]]
        if len({methods.kind_of(p) for p in parts}) == 1:
            merged[name] = distributions.merge(parts)
    return merged


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weighted-psi", default="0,0.02,0.05,0.1")
    parser.add_argument("--min-importance", default="0.1")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    from core.config import Config
    base = Config().drift_settings()
    variants = [replace(base, min_weighted_psi=float(w), min_importance=float(m))
                for m in args.min_importance.split(",") for w in args.weighted_psi.split(",")]
    started = time.perf_counter()
    lines = ["# The drift rule's defaults, measured on several datasets", "",
             f"Command: `python -m benchmarks.drift_policy {' '.join(argv if argv is not None else __import__('sys').argv[1:])}` "
             f"({time.strftime('%Y-%m-%d')}, 2-core machine)", "",
             "Stand-in model (HistGradientBoosting, permutation importances), adapt's drift engine and triggered policy "
             f"(performance drop > {MAX_DROP:.0%} or drift; window {WINDOW}; push when not worse on the newest test split). "
             "Mean accuracy over every batch after the first, before any retraining on it.", "",
             "| dataset | policy | mean accuracy | retrains | pushes |", "|---|---|---|---|---|"]
    for make in (taxi, covariate_shift, concept_drift, stable):
        name, batches, exclude = make()
        results = [("static", replay(batches, exclude, "static")), ("periodic", replay(batches, exclude, "periodic"))]
        for settings in variants:
            label = f"triggered, min_importance {settings.min_importance:g}, min_weighted_psi {settings.min_weighted_psi:g}"
            results.append((label, replay(batches, exclude, "triggered", settings)))
        for label, result in results:
            lines.append(f"| {name} | {label} | {result['mean']:.4f} | {result['retrains']} of {result['batches']} "
                         f"| {result['pushes']} |")
            print(lines[-1], flush=True)
    lines += ["", f"Total {time.perf_counter() - started:.0f} s."]
    Path(args.output).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
