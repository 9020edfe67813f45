"""Does the gain-of-more-data rule retrain where more rows pay, and stay quiet where they do not?

    python -m benchmarks.more_data [--seeds 3] [--min-gains 0,0.01,0.02,0.05]

Stable streams (nothing drifts, so no other rule would fire), replayed with adapt's own pieces: the Trainer's
forest as YDF grows it (models/learning_curve.py: grow_forest), its learning curve measured as the Trainer
measures it (on the holdout when it holds 1,000 rows or more, else out of fold), and the rule
(core/policy/more_data.py) judging each batch's window of 4 batches against the serving model. When the rule
fires, the window's forest serves from the next batch on (the Evaluator's check is left out). Every model is
scored on 20,000 fresh rows of the same stream: the realized gain of retraining on the window is the window
forest's metric minus the serving model's, positive when better, measured at every batch whether the rule fired
or not.

Streams: Friedman #1 (regression, MAE; scikit-learn's generator) and a generated classification table (accuracy;
three numbers and a category). Scenarios: ten small batches of 500 rows (the first model saw 400 training rows:
the rule should fire), a large first batch of 20,000 rows then batches of 2,000 (the window never holds more rows:
it must not fire), and ten large batches of 10,000 rows (the window holds 4x the rows; whether the curve still
rises, and the minimum gain, decide). Also measured: the learning curve's seconds beside the Trainer's forest's.
"""
import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

import core  # noqa: F401  (TensorFlow's process defaults)
from core.learning_curve import LearningCurve
from core.policy.more_data import MoreDataSettings, judge
from models import gradient_boosted, learning_curve

RESULTS = Path(__file__).parent / "results" / "more_data.md"
WINDOW, TEST_FRACTION, EVALUATION_ROWS, FALSE_ALARM_RATE = 4, 0.2, 20_000, 0.05
Columns = Dict[str, np.ndarray]


@dataclass(frozen=True)
class Stream:
    name: str
    metric: str
    regression: bool
    draw: Callable[[np.random.Generator, int], Tuple[Columns, np.ndarray]]
    unordered: Tuple[str, ...] = ()

    @property
    def classes(self) -> int:
        return 0 if self.regression else 2


def _friedman(rng: np.random.Generator, rows: int) -> Tuple[Columns, np.ndarray]:
    from sklearn.datasets import make_friedman1
    features, labels = make_friedman1(rows, n_features=10, noise=1.0, random_state=int(rng.integers(2 ** 31)))
    return {f"x{i}": features[:, i].astype(np.float32) for i in range(10)}, labels.astype(np.float32)


def _classification(rng: np.random.Generator, rows: int) -> Tuple[Columns, np.ndarray]:
    x1, x2, x3 = (rng.normal(0, 1, rows).astype(np.float32) for _ in range(3))
    segment = rng.choice(3, p=[0.5, 0.3, 0.2], size=rows)
    logit = np.sin(1.5 * x1) * 2.0 + 0.8 * x2 + np.array([0.0, 1.0, -1.0])[segment]
    labels = (logit + rng.logistic(0, 0.3, rows) > 0).astype(np.int64)
    return {"x1": x1, "x2": x2, "x3": x3, "segment": segment.astype(np.int64)}, labels


STREAMS = (Stream("Friedman #1 (regression)", "mae", True, _friedman),
           Stream("generated classification", "accuracy", False, _classification, ("segment",)))
SCENARIOS = (("ten batches of 500", [500] * 10), ("first batch 20,000, then 2,000", [20_000] + [2_000] * 9),
             ("ten batches of 10,000", [10_000] * 10))


def _take(table: Tuple[Columns, np.ndarray], rows: np.ndarray) -> Tuple[Columns, np.ndarray]:
    return {name: values[rows] for name, values in table[0].items()}, table[1][rows]


def _joined(tables: Sequence[Tuple[Columns, np.ndarray]]) -> Tuple[Columns, np.ndarray]:
    return ({name: np.concatenate([t[0][name] for t in tables]) for name in tables[0][0]},
            np.concatenate([t[1] for t in tables]))


def _dataset(table: Tuple[Columns, np.ndarray]):
    import tensorflow as tf
    return tf.data.Dataset.from_tensor_slices(table).batch(gradient_boosted.BATCH_SIZE)


def score(stream: Stream, outputs: np.ndarray, labels: np.ndarray) -> float:
    return learning_curve._per_row(stream.metric, outputs, labels)[0]


def signed_gain(stream: Stream, new: float, old: float) -> float:
    return old - new if stream.regression else new - old


@dataclass
class Trained:
    """A forest on a window of batches, its learning curve, and its metric on the fresh evaluation rows."""

    training_rows: int
    curve: Optional[LearningCurve]
    evaluated: float


def train(stream: Stream, train_rows: Tuple[Columns, np.ndarray], holdout: Tuple[Columns, np.ndarray],
          evaluation: Tuple[Columns, np.ndarray], seed: int) -> Trained:
    forest = learning_curve.grow_forest(*train_rows, stream.unordered, seed, stream.regression)
    answer = lambda table: learning_curve.forest_answers(forest, table[0], stream.unordered,  # noqa: E731
                                                         stream.classes, stream.regression)
    if len(holdout[1]) >= gradient_boosted.CROSS_FIT_BELOW:
        curves = learning_curve.on_holdout(stream.unordered, stream.classes, _dataset(train_rows), _dataset(holdout),
                                           answer(holdout), holdout[1], seed, stream.regression)
    else:
        quarters = gradient_boosted.out_of_fold_outputs(stream.unordered, stream.classes, _dataset(train_rows),
                                                        seed=seed, regression=stream.regression)
        curves = learning_curve.out_of_fold(stream.unordered, stream.classes, _dataset(train_rows), quarters, seed,
                                            stream.regression) if quarters is not None else []
    curve = next((c for c in curves if c.metric == stream.metric), None)
    return Trained(len(train_rows[1]), curve, score(stream, answer(evaluation), evaluation[1]))


@dataclass
class Decision:
    batch: int
    fired: bool
    window_rows: int
    serving_rows: int
    expected: Optional[float]   # relative expected gain, when the window held enough rows to extrapolate
    realized: float             # relative realized gain of the window forest over the serving model


def replay(stream: Stream, sizes: Sequence[int], seed: int, min_gains: Sequence[float],
           min_rows_ratio: float = 1.5) -> Dict[float, Dict]:
    """{min_gain: {"decisions": [...], "metric": mean serving metric, "static": ..., "periodic": ...}}."""
    rng = np.random.default_rng(seed)
    batches = []
    for size in sizes:
        table = stream.draw(rng, size)
        test = rng.random(size) < TEST_FRACTION
        batches.append((_take(table, ~test), _take(table, test)))
    evaluation = stream.draw(rng, EVALUATION_ROWS)
    windows: Dict[int, Trained] = {}

    def window(end: int) -> Trained:   # the forest a retrain at batch `end` grows: the window ending there
        if end not in windows:
            parts = batches[max(0, end - WINDOW + 1):end + 1]
            windows[end] = train(stream, _joined([p[0] for p in parts]), _joined([p[1] for p in parts]),
                                 evaluation, seed)
        return windows[end]

    for end in range(len(sizes)):
        window(end)
    static, periodic = windows[0].evaluated, [windows[end - 1].evaluated for end in range(1, len(sizes))]
    found = {}
    for min_gain in min_gains:
        settings = MoreDataSettings(enabled=True, min_rows_ratio=min_rows_ratio, min_gain=min_gain)
        serving, decisions, served = 0, [], []
        for end in range(1, len(sizes)):
            served.append(windows[serving].evaluated)
            rows = windows[end].training_rows
            finding = judge(windows[serving].curve, rows, settings, FALSE_ALARM_RATE)
            level = windows[serving].evaluated
            decisions.append(Decision(end + 1, bool(finding.retrain), rows, windows[serving].training_rows,
                                      finding.estimate.relative if finding.estimate else None,
                                      signed_gain(stream, windows[end].evaluated, level) / abs(level)))
            if finding.retrain:
                serving = end
        found[min_gain] = {"decisions": decisions, "metric": float(np.mean(served)), "static": static,
                           "periodic": float(np.mean(periodic))}
    return found


def training_time_increase(seed: int = 0) -> List[str]:
    """Seconds of the Trainer's TF-DF forest against the learning curve's extra forests, on a small table of each
    holdout kind (the pieces the Trainer runs; reading the rows through Transform is left out of both)."""
    import tensorflow as tf
    lines = []
    stream = STREAMS[0]
    warm = gradient_boosted.build([], 0, seed=seed, regression=True)   # TF-DF's first model pays its start-up
    warm.fit(_dataset(stream.draw(np.random.default_rng(seed), 200)), verbose=0)
    for rows, holdout_rows in ((2_000, 500), (6_000, 1_500)):
        rng = np.random.default_rng(seed)
        train_rows, holdout = stream.draw(rng, rows), stream.draw(rng, holdout_rows)
        started = time.perf_counter()
        model = gradient_boosted.build([], 0, seed=seed, regression=True)
        model.fit(_dataset(train_rows), verbose=0)
        outputs = np.asarray(model.predict(holdout[0], verbose=0)).reshape(-1, 1)
        tfdf_seconds = time.perf_counter() - started
        started = time.perf_counter()
        if holdout_rows >= gradient_boosted.CROSS_FIT_BELOW:
            curves, kind = learning_curve.on_holdout([], 0, _dataset(train_rows), _dataset(holdout), outputs,
                                                     holdout[1], seed, True), "holdout: one forest on half the rows"
        else:
            quarters = gradient_boosted.out_of_fold_outputs([], 0, _dataset(train_rows), seed=seed, regression=True)
            calibration_seconds = time.perf_counter() - started
            started = time.perf_counter()
            curves = learning_curve.out_of_fold([], 0, _dataset(train_rows), quarters, seed, True)
            kind = (f"out of fold: four forests on a quarter each (the calibration's own four on three quarters took "
                    f"{calibration_seconds:.2f} s)")
        curve_seconds = time.perf_counter() - started
        assert curves, "no curve measured"
        lines.append(f"| {rows:,} training rows, {holdout_rows:,} holdout rows | {tfdf_seconds:.2f} | "
                     f"{curve_seconds:.2f} | {kind} |")
        tf.keras.backend.clear_session()
    return lines


def _mean(values: Sequence[float]) -> str:
    return f"{np.mean(values):+.2%}" if len(values) else "-"


def summary(stream: Stream, scenario: str, min_gain: float, runs: Sequence[Dict]) -> str:
    decisions = [d for run in runs for d in run["decisions"]]
    fired = [d for d in decisions if d.fired]
    quiet = [d for d in decisions if not d.fired and d.window_rows >= 2 * d.serving_rows]
    first_fired = sum(run["decisions"][0].fired for run in runs)
    metric = lambda key: f"{np.mean([run[key] for run in runs]):.4f}"  # noqa: E731
    return (f"| {stream.name} | {scenario} | {min_gain:g} | {len(fired)} of {len(decisions)} "
            f"({first_fired} of {len(runs)} at batch 2) | {_mean([d.expected for d in fired])} | "
            f"{_mean([d.realized for d in fired])} | {_mean([d.realized for d in quiet])} | {metric('metric')} | "
            f"{metric('static')} | {metric('periodic')} |")


HEADER = ("| stream | batches | min_gain | fired | expected gain when fired | realized gain when fired | "
          "realized gain of the windows it let pass (2x rows or more) | mean metric, rule | static | periodic |\n"
          "|---|---|---|---|---|---|---|---|---|---|")


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--min-gains", default="0,0.01,0.02,0.05")
    parser.add_argument("--min-rows-ratio", type=float, default=1.5)
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    min_gains = [float(value) for value in args.min_gains.split(",")]
    started = time.perf_counter()
    rows = []
    for stream in STREAMS:
        for scenario, sizes in SCENARIOS:
            runs = [replay(stream, sizes, seed, min_gains, args.min_rows_ratio) for seed in range(args.seeds)]
            for min_gain in min_gains:
                rows.append(summary(stream, scenario, min_gain, [run[min_gain] for run in runs]))
                print(rows[-1], flush=True)
    timing = training_time_increase()
    command = " ".join(["python -m benchmarks.more_data"] + (argv if argv is not None else __import__("sys").argv[1:]))
    text = (f"# The gain-of-more-data rule on stable streams\n\nCommand: `{command}` ({time.strftime('%Y-%m-%d')}, "
            f"2-core machine, {time.perf_counter() - started:.0f} s)\n\n"
            f"{__doc__.split(chr(10) + chr(10), 2)[2].strip()}\n\n"
            f"Gains are relative to the serving model's metric (positive: better), per decision, over {args.seeds} "
            f"seeds x 9 decisions; 'fired' counts decisions, with how many replays fired at the first chance "
            f"(batch 2). The metric is MAE for the regression (lower is better), accuracy for the classification; "
            f"'mean metric' is the serving model's on the evaluation rows at each batch before its decision.\n\n"
            f"{HEADER}\n" + "\n".join(rows) +
            "\n\n## Training time\n\n| table | TF-DF forest, s | learning curve, s | how |\n|---|---|---|---|\n"
            + "\n".join(timing) + "\n")
    Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
