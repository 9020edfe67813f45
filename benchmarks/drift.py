"""Drift you can trust: false alarms on pairs from one distribution, power on injected shifts, scipy beside it.

    python -m benchmarks.drift [--pairs 100] [--large-pairs 50] [--sizes 200,1000,10000,100000] [--workers 2]

Data: the Chicago taxi trips shipped with tfx (all 15,002 trips as one population),
the pixel statistics of scikit-learn's 1,797 digits (as adapt's image batches
measure them), and a generated table with an integer code (4.5 / 6 / 89.5 %), a
day of the week, an hour (24 values), a spike (30 % zeros), rounded and capped
values, a normal, a lognormal, a flag and a five-level category.

(a) False alarms. Pairs drawn from one distribution at each size: two samples
with replacement from the taxi and digits populations, two fresh draws of the
generated table; and, for taxi, each quarter's span train split against its test
split (adapt's own row-hash split) and random halves of each quarter. Reported:
the share of pairs with any feature flagged, and with the batch flagged (every
feature weighing the same: the rule without recorded importances).
(b) Power. The same pairs with a known shift injected into the second sample: the
mean of one numeric feature moved by 0.1, 0.25 and 0.5 of its standard deviation;
one category's share moved by 5, 10 and 20 points; a discrete feature's shares
moved (2 and 5 points of the code's largest value to its smallest). Reported: the
share of pairs where the shifted feature is flagged.
(c) The reference, in the same run and on the same pairs: scipy's exact
two-sample Kolmogorov-Smirnov with Welch's t, combined as adapt's default
`ks_t` (the smaller p-value doubled), for numbers, and chi-square for
categories (the same features adapt treats as categorical, rare categories
pooled as adapt pools them), on the raw rows,
with the same Benjamini-Hochberg adjustment and false-alarm rate; and scipy's
KS alone for numbers, the test the issue names.

adapt measures each sample as DriftDetector does: TFDV statistics with adapt's
options (core/drift/statistics.py: integers with at most drift.discrete_values
distinct values as categories, drift.quantile_buckets quantile buckets), then the engine of
core/drift/comparison.py. A shifted sample's statistics are its null twin's with
the shifted feature's own statistics replaced (TFDV describes features one by one).
"""
import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

import core  # noqa: F401  (TensorFlow's process defaults)
from benchmarks.drift_report import report
from core.tuning.stream import frame_distributions, typed as _typed  # noqa: F401  (drift_policy reads _typed)

RESULTS = Path(__file__).parent / "results" / "drift.md"
SIZES = (200, 1000, 10000, 100000)
MEAN_SHIFTS = (0.1, 0.25, 0.5)
SHARE_MOVES = (0.05, 0.10, 0.20)
DISCRETE_MOVES = (0.02, 0.05)


@dataclass
class Source:
    name: str
    draw: Callable[[np.random.Generator, int], pd.DataFrame]   # a sample of n rows from one distribution
    categorical: List[str]        # what adapt (and the reference) compares by counts
    numeric_shift: str            # the feature whose mean is moved
    category_shift: Optional[Tuple[str, str]] = None   # (feature, the value whose share grows)
    discrete_shift: Optional[str] = None               # an integer code whose shares move


# -- the populations ---------------------------------------------------------------------
def taxi_population() -> Tuple[pd.DataFrame, List[str], List[bool]]:
    """(every trip but its label, each trip's quarter, whether adapt's span split puts it in the test split)."""
    from core.data.spans import is_test_row, span_line
    from models.taxi import LABEL, dataset
    header, quarters = dataset.labeled_quarters()
    rows = [row for group in quarters.values() for row in group]
    names = [quarter for quarter, group in quarters.items() for _ in group]
    test = [is_test_row(span_line(row), 0.2) for row in rows]
    return _typed(pd.DataFrame(rows, columns=header).drop(columns=[LABEL])), names, test


def digits_population() -> pd.DataFrame:
    import io

    from core.data.images import pixel_statistics
    from models.images.digits import drifted, load_digits
    images, _ = load_digits()
    rows = []
    rng = np.random.default_rng(0)
    for pixels in images:
        buffer = io.BytesIO()
        drifted(pixels, 0.0, rng).save(buffer, format="PNG")
        rows.append(pixel_statistics(buffer.getvalue()))
    return pd.DataFrame(rows)


def generated(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "code": rng.choice([0, 1, 2], p=[0.045, 0.06, 0.895], size=n),
        "weekday": rng.choice(7, p=[0.13, 0.14, 0.15, 0.15, 0.16, 0.14, 0.13], size=n),
        "hour": rng.integers(0, 24, size=n),
        "spike": np.where(rng.random(n) < 0.3, 0.0, rng.exponential(5.0, size=n)),
        "rounded": np.minimum(np.round(rng.normal(50, 10, size=n)), 65.0),
        "normal": rng.normal(size=n),
        "lognormal": rng.lognormal(0.0, 1.0, size=n),
        "flag": (rng.random(n) < 0.3).astype(int),
        "segment": rng.choice(list("abcde"), p=[0.4, 0.25, 0.15, 0.12, 0.08], size=n),
    })


def resampler(population: pd.DataFrame):
    def draw(rng: np.random.Generator, n: int) -> pd.DataFrame:
        return population.iloc[rng.integers(0, len(population), size=n)].reset_index(drop=True)
    return draw


def categorical_columns(frame: pd.DataFrame, max_values: int) -> List[str]:
    """As adapt decides: strings, and integers with at most drift.discrete_values distinct values."""
    chosen = []
    for column in frame.columns:
        values = frame[column].dropna()
        if values.dtype == object or (pd.api.types.is_integer_dtype(values) and values.nunique() <= max_values):
            chosen.append(column)
    return chosen


def sources(max_values: int) -> List[Source]:
    taxi, _, _ = taxi_population()
    digits = digits_population()
    table = generated(np.random.default_rng(0), 20000)
    return [
        Source("taxi", resampler(taxi), categorical_columns(taxi, max_values), "fare",
               ("payment_type", "Credit Card"), "trip_start_day"),
        Source("digits (pixel statistics)", resampler(digits), categorical_columns(digits, max_values),
               "image_brightness"),
        Source("generated", generated, categorical_columns(table, max_values), "normal", ("segment", "b"), "code"),
    ]


# -- shifts ------------------------------------------------------------------------------
def mean_shift(frame: pd.DataFrame, feature: str, sigmas: float, scale: float) -> pd.DataFrame:
    shifted = frame.copy()
    shifted[feature] = shifted[feature].astype(float) + sigmas * scale
    return shifted


def share_move(frame: pd.DataFrame, feature: str, value, points: float, rng: np.random.Generator,
               source_value=None) -> pd.DataFrame:
    """`points` of the rows (from other values, or from `source_value`) take `value`."""
    shifted = frame.copy()
    column = shifted[feature]
    donors = np.flatnonzero((column != value).to_numpy() & column.notna().to_numpy() if source_value is None
                            else (column == source_value).to_numpy())
    count = min(int(round(points * len(frame))), len(donors))
    chosen = rng.choice(donors, size=count, replace=False)
    values = column.to_numpy(copy=True)
    values[chosen] = value
    shifted[feature] = pd.Series(values, dtype=column.dtype)
    return shifted


# -- measuring --------------------------------------------------------------------------
def adapt_distributions(frame: pd.DataFrame, categorical: Sequence[str]) -> Dict[str, object]:
    return frame_distributions(frame, categorical)


def adapt_flags(baseline, current, settings) -> Tuple[Dict[str, bool], bool]:
    from core.drift import comparison
    rows = comparison.drift_table(baseline, current, settings)
    return {r["feature"]: r["drifted"] for r in rows}, comparison.decision(rows, settings)["drifted"]


def reference_flags(before: pd.DataFrame, after: pd.DataFrame, categorical: Sequence[str],
                    rate: float, with_t: bool = True) -> Dict[str, bool]:
    """scipy on the raw rows: exact KS (and Welch's t, combined as adapt's ks_t: the smaller p doubled) for
    numbers, chi-square for categories (on the raw counts, categories too rare for it pooled as adapt pools them);
    Benjamini-Hochberg."""
    from scipy import stats

    from core.drift import methods
    names, p_values = [], []
    for column in before.columns:
        a, b = before[column].dropna(), after[column].dropna()
        if len(a) == 0 or len(b) == 0:
            continue
        if column in categorical:
            values = sorted(set(a.astype(str)) | set(b.astype(str)))
            table = np.array([[np.sum(a.astype(str) == v) for v in values], [np.sum(b.astype(str) == v) for v in values]])
            table = methods.pooled_rare(table)   # the same test as adapt's: rare categories pooled
            if table.shape[1] < 2:
                continue
            p = stats.chi2_contingency(table, correction=False)[1]
        else:
            x, y = a.astype(float), b.astype(float)
            p = stats.ks_2samp(x, y).pvalue
            if with_t:
                p = min(1.0, 2 * min(p, stats.ttest_ind(x, y, equal_var=False).pvalue))
        names.append(column)
        p_values.append(p)
    adjusted = stats.false_discovery_control(p_values, method="bh") if p_values else []
    return {name: bool(p <= rate) for name, p in zip(names, adjusted)}


def shifts(source: Source) -> List[Tuple[str, str, Callable]]:
    """(label, shifted feature, shift(frame, rng, scale)) for each injected shift of a source."""
    found = [(f"mean of {source.numeric_shift} +{s:g} sd", source.numeric_shift,
              lambda frame, rng, scale, s=s: mean_shift(frame, source.numeric_shift, s, scale)) for s in MEAN_SHIFTS]
    if source.category_shift:
        feature, value = source.category_shift
        found += [(f"share of {feature}={value} +{int(p * 100)} pts", feature,
                   lambda frame, rng, scale, p=p, f=feature, v=value: share_move(frame, f, v, p, rng))
                  for p in SHARE_MOVES]
    if source.discrete_shift:
        code = source.discrete_shift
        found += [(f"{code}: {int(p * 100)} pts from its top value to its rarest", code,
                   lambda frame, rng, scale, p=p, f=code: _discrete_move(frame, f, p, rng)) for p in DISCRETE_MOVES]
    return found


def _discrete_move(frame: pd.DataFrame, feature: str, points: float, rng) -> pd.DataFrame:
    counts = frame[feature].value_counts()
    return share_move(frame, feature, counts.index[-1], points, rng, source_value=counts.index[0])


def run_cell(job) -> Dict:
    """One (source, size): its null pairs and each shift on them, adapt and the reference side by side."""
    source_index, size, pairs, max_values, seed = job
    from core.config import Config
    settings = Config().drift_settings()
    source = sources(max_values)[source_index]
    rng = np.random.default_rng(seed)
    tally = {"null": {"adapt_any": 0, "adapt_batch": 0, "scipy_any": 0, "ks_any": 0}, "shifts": {}}
    started = time.perf_counter()
    for _ in range(pairs):
        before, after = source.draw(rng, size), source.draw(rng, size)
        base = adapt_distributions(before, source.categorical)
        current = adapt_distributions(after, source.categorical)
        flags, batch = adapt_flags(base, current, settings)
        reference = reference_flags(before, after, source.categorical, settings.false_alarm_rate)
        tally["null"]["adapt_any"] += any(flags.values())
        tally["null"]["adapt_batch"] += batch
        tally["null"]["scipy_any"] += any(reference.values())
        tally["null"]["ks_any"] += any(reference_flags(before, after, source.categorical, settings.false_alarm_rate,
                                                       with_t=False).values())
        for label, feature, shift in shifts(source):
            scale = float(before[feature].astype(float).std()) if feature == source.numeric_shift else 0.0
            moved = shift(after, rng, scale)
            shifted = dict(current)
            shifted.update(adapt_distributions(moved[[feature]], [c for c in source.categorical if c == feature]))
            flags, _ = adapt_flags(base, shifted, settings)
            reference = reference_flags(before, moved, source.categorical, settings.false_alarm_rate)
            ks_alone = reference_flags(before, moved, source.categorical, settings.false_alarm_rate, with_t=False)
            cell = tally["shifts"].setdefault(label, {"adapt": 0, "scipy": 0, "ks": 0})
            cell["adapt"] += flags.get(feature, False)
            cell["scipy"] += reference.get(feature, False)
            cell["ks"] += ks_alone.get(feature, False)
    return {"source": source.name, "size": size, "pairs": pairs, "seconds": time.perf_counter() - started, **tally}


def taxi_split_pairs(settings, max_values: int) -> Dict[str, Dict]:
    """Each quarter's span train split against its test split, and two random halves of each quarter."""
    taxi, quarters, test = taxi_population()
    categorical = categorical_columns(taxi, max_values)
    quarter_of, in_test = np.array(quarters), np.array(test)
    rng = np.random.default_rng(3)
    results = {}
    for kind in ("span train vs test split", "random halves"):
        cell = {"pairs": 0, "adapt_any": 0, "scipy_any": 0}
        for quarter in sorted(set(quarters)):
            rows = np.flatnonzero(quarter_of == quarter)
            if kind == "random halves":
                order = rng.permutation(rows)
                parts = order[: len(rows) // 2], order[len(rows) // 2:]
            else:
                parts = rows[~in_test[rows]], rows[in_test[rows]]
            first, second = (taxi.iloc[part].reset_index(drop=True) for part in parts)
            flags, _ = adapt_flags(adapt_distributions(first, categorical), adapt_distributions(second, categorical),
                                   settings)
            reference = reference_flags(first, second, categorical, settings.false_alarm_rate)
            cell["pairs"] += 1
            cell["adapt_any"] += any(flags.values())
            cell["scipy_any"] += any(reference.values())
        results[kind] = cell
    return results


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--large-pairs", type=int, default=50, help="pairs at 10,000 rows and more")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    from core.config import Config
    config = Config()
    settings = config.drift_settings()
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()
    jobs = [(index, size, args.pairs if size < 10000 else args.large_pairs, config.drift.discrete_values,
             1000 * index + size)
            for index in range(3) for size in sizes]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        cells = []
        for cell in pool.map(run_cell, jobs):
            print(f"{cell['source']} {cell['size']:,} rows: {cell['pairs']} pairs in {cell['seconds']:.0f} s; "
                  f"null any-feature {cell['null']['adapt_any']} (scipy {cell['null']['scipy_any']})", flush=True)
            cells.append(cell)
    splits = taxi_split_pairs(settings, config.drift.discrete_values)
    command = "python -m benchmarks.drift " + " ".join(argv if argv is not None else os.sys.argv[1:])
    text = report(cells, splits, command.strip(), time.perf_counter() - started, settings)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
