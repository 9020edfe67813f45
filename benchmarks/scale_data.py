"""The generated table benchmarks/scale.py runs through adapt: ~20 mixed columns, a binary label that depends on
several of them, a few missing values, and drift from batch to batch. Generic and vectorised (numpy): a million
rows generate in seconds.

Batch b (0-based) moves the covariates (income grows, visits rise, the regions' shares rotate, the high-cardinality
products' popularity spreads) and changes the concept a little (the discount's effect on the label grows).
Every batch is drawn from its own seed, so a batch is the same whatever sizes or batches are asked for.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import List

import numpy as np
import pandas as pd

from benchmarks import LABEL

SEED = 52
REGIONS = np.array(["north", "south", "east", "west", "central"])
PLANS = np.array(["basic", "standard", "premium"])
DEVICES = np.array(["phone", "tablet", "desktop", "tv"])
CHANNELS = np.array(["search", "social", "email", "direct", "partner", "ads"])
CITIES = np.char.add("city-", np.arange(2000).astype(str))
PRODUCTS = np.char.add("p", np.arange(500).astype(str))
MISSING_SHARE = 0.02   # of income, session_minutes, device and city: the columns that have holes
CATEGORICAL = ("region", "plan", "device", "channel", "city", "product")


@dataclass(frozen=True)
class Batch:
    number: int          # 1-based, as batch folders are named
    rows: int
    folder: Path


def _choice(rng: np.random.Generator, names: np.ndarray, rows: int, weights: np.ndarray) -> np.ndarray:
    return names[rng.choice(len(names), size=rows, p=weights / weights.sum())]


def _with_holes(rng: np.random.Generator, values: np.ndarray, missing) -> np.ndarray:
    """`values` with MISSING_SHARE of them replaced by `missing` (NaN, or '' for a category: an empty CSV cell)."""
    holes = rng.random(len(values)) < MISSING_SHARE
    values = values.astype(object if missing == "" else float)
    values[holes] = missing
    return values


def generate_batch(rows: int, batch: int, seed: int = SEED) -> pd.DataFrame:
    """One batch of `rows` rows (batch is 0-based: its drift and its seed), the label in column LABEL."""
    rng = np.random.default_rng([seed, batch])
    shift = batch / 4.0   # 0 .. 1 over the five batches
    age = np.clip(rng.normal(41 + 2 * shift, 12, rows), 18, 90).round().astype(np.int64)
    income = rng.lognormal(10.5 + 0.15 * shift, 0.6, rows)                       # skewed
    tenure_months = rng.integers(0, 120, rows)
    visits = rng.poisson(3 + 1.5 * shift, rows)                                  # a count
    purchases = rng.negative_binomial(2, 0.4, rows)                              # an overdispersed count
    support_calls = rng.poisson(0.4, rows)
    session_minutes = rng.gamma(2.0, 6.0 + 2 * shift, rows)                      # skewed
    discount_rate = rng.beta(2, 8, rows)
    score_a, score_b = rng.normal(0, 1, rows), rng.normal(0.2 * shift, 1, rows)
    distance_km = rng.exponential(12, rows)
    temperature = rng.normal(15 + 3 * shift, 8, rows)
    ratio = rng.random(rows)
    balance = rng.normal(0, 1, rows) * rng.lognormal(7, 1, rows)                 # heavy tails on both sides
    region = _choice(rng, REGIONS, rows, np.roll(np.array([5.0, 4, 3, 2, 1]), batch))
    plan = _choice(rng, PLANS, rows, np.array([6.0, 3, 1 + shift]))
    device = _choice(rng, DEVICES, rows, np.array([5.0, 2, 3, 0.5]))
    channel = _choice(rng, CHANNELS, rows, np.ones(len(CHANNELS)))
    city = _choice(rng, CITIES, rows, 1.0 / np.arange(1, len(CITIES) + 1) ** 0.8)
    product = _choice(rng, PRODUCTS, rows, 1.0 / np.arange(1, len(PRODUCTS) + 1) ** (1.2 - 0.3 * shift))
    logit = (0.9 * score_a - 0.6 * score_b + 0.5 * (np.log(income) - 10.5) + 0.15 * (visits - 3)
             - 0.3 * support_calls + (1.5 + 1.0 * shift) * (discount_rate - 0.2) * 4
             + 0.6 * (plan == "premium") - 0.4 * (region == "south") + 0.3 * (device == "desktop")
             + 0.01 * (tenure_months - 60) - 0.3)
    label = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return pd.DataFrame({
        "age": age, "income": _with_holes(rng, income, np.nan), "tenure_months": tenure_months, "visits": visits,
        "purchases": purchases, "support_calls": support_calls,
        "session_minutes": _with_holes(rng, session_minutes, np.nan), "discount_rate": discount_rate,
        "score_a": score_a, "score_b": score_b, "distance_km": distance_km, "temperature": temperature,
        "ratio": ratio, "balance": balance, "region": region, "plan": plan,
        "device": _with_holes(rng, device, ""), "channel": channel, "city": _with_holes(rng, city, ""),
        "product": product, LABEL: label})


def write_batches(folder: Path, rows: int, batches: int = 5, seed: int = SEED) -> List[Batch]:
    """batch-01 .. batch-NN/data.csv under `folder`, each `rows` rows; batches already written are kept."""
    written = []
    for index in range(batches):
        target = folder / f"batch-{index + 1:02d}"
        if not (target / "data.csv").exists():
            target.mkdir(parents=True, exist_ok=True)
            partial = target / "data.csv.partial"
            generate_batch(rows, index, seed).to_csv(partial, index=False, float_format="%.6g")
            partial.rename(target / "data.csv")
        written.append(Batch(index + 1, rows, target))
    return written
