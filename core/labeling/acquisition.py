"""Which rows of a batch to label: active testing's sample (Kossen et al., ICML 2021).

Each row's chance of being chosen follows a weight w_i from the serving model: the estimator's sampling weight
(core/labeling/estimators.py): for importance weighting the expected loss (a classifier: 1 - the calibrated
probability of its predicted class, its expected 0-1 loss; a regression model: its error model's expected
|error|), for the difference estimator the residual's expected spread; mixed with a uniform share so that no row
has zero chance (a row the model is sure of but wrong about must still be reachable, or the estimate could not
be unbiased):

    q_i = (1 - u) * w_i / sum(w) + u / M          (u = UNIFORM_SHARE unless told)

For a budget of n rows, the inclusion probabilities are pi_i = n q_i, capped at 1 (rows at the cap are taken for
sure and the rest rescaled), and the sample is drawn by randomised systematic sampling: the rows in random order,
their pi laid end to end on [0, n), one point in each unit interval, offset by one uniform draw. That takes
exactly n distinct rows, each with probability pi_i: the pi the estimate (core/labeling/estimate.py) weights
by. All-zero expected losses leave the uniform sample.
"""
import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

# Both measured in benchmarks/results/label_budget.md. UNIFORM_SHARE: importance weighting's (0.5 had a lower error
# than 0.2 on all five streams at 100 labels: where the model is confidently wrong the loss-proportional part
# misleads, and the uniform half bounds the harm); each estimator states its own (core/labeling/estimators.py).
# 100 rows is the smallest budget measured whose estimate was within 0.05 of the realized accuracy on every stream.
UNIFORM_SHARE = 0.5
DEFAULT_BUDGET = 100
PROBABILITY_COLUMN = "inclusion_probability"
REQUEST_FILE = ".label-request.json"    # in the batch folder: a dot file, so the batch's fingerprint stays


def expected_classification_loss(calibrated_probabilities) -> np.ndarray:
    """Each row's expected 0-1 loss: 1 - the calibrated probability of the class the model predicts."""
    probabilities = np.asarray(calibrated_probabilities, dtype=float)
    return np.clip(1.0 - probabilities.max(axis=1), 0.0, 1.0)


def sampling_shares(expected_loss, uniform_share: float = UNIFORM_SHARE) -> np.ndarray:
    """q_i: each row's share of one draw, summing to 1, none zero."""
    loss = np.clip(np.nan_to_num(np.asarray(expected_loss, dtype=float)), 0.0, None)
    rows = len(loss)
    uniform = np.full(rows, 1.0 / rows)
    if loss.sum() <= 0 or uniform_share >= 1.0:
        return uniform
    return (1.0 - uniform_share) * loss / loss.sum() + uniform_share * uniform


def inclusion_probabilities(expected_loss, budget: int, uniform_share: float = UNIFORM_SHARE) -> np.ndarray:
    """pi_i = budget * q_i, capped at 1 with the excess spread over the other rows; they sum to the budget."""
    shares = sampling_shares(expected_loss, uniform_share)
    rows = len(shares)
    budget = min(int(budget), rows)
    probabilities = np.zeros(rows)
    certain = np.zeros(rows, dtype=bool)
    while True:
        left = budget - certain.sum()
        free = ~certain
        probabilities[free] = left * shares[free] / shares[free].sum() if left > 0 else 0.0
        probabilities[certain] = 1.0
        over = free & (probabilities >= 1.0)
        if not over.any():
            return probabilities
        certain |= over


def systematic_sample(probabilities, seed: Optional[int] = None) -> np.ndarray:
    """Row indexes (sorted) of a randomised systematic sample with these inclusion probabilities (summing to an
    integer n): exactly n distinct rows."""
    probabilities = np.asarray(probabilities, dtype=float)
    generator = np.random.default_rng(seed)
    order = generator.permutation(len(probabilities))
    edges = np.cumsum(probabilities[order])
    budget = int(round(edges[-1])) if len(edges) else 0
    points = generator.uniform() + np.arange(budget)
    chosen = order[np.minimum(np.searchsorted(edges, points, side="right"), len(order) - 1)]
    return np.sort(np.unique(chosen))


@dataclass(frozen=True)
class ChosenRow:
    instance_id: str
    inclusion_probability: float
    expected_loss: float
    features: Dict[str, str] = field(default_factory=dict)   # what a reviewer reads


@dataclass
class LabelRequest:
    """A budget of rows to label, chosen from one batch: what `adapt labels request` writes and records."""
    batch: str
    model_version: int
    rows: int                      # the batch's rows (M)
    budget: int
    uniform_share: float
    seed: int
    label: str                     # the column a reviewer fills in
    created_at: str
    chosen: List[ChosenRow] = field(default_factory=list)
    sampling: str = "importance"   # the estimator whose sampling weights drew the rows (core/labeling/estimators.py)

    def probabilities(self) -> Dict[str, float]:
        return {row.instance_id: row.inclusion_probability for row in self.chosen}

    def to_dict(self) -> dict:
        values = asdict(self)
        values["chosen"] = [{"instance_id": row.instance_id, PROBABILITY_COLUMN: row.inclusion_probability,
                             "expected_loss": row.expected_loss} for row in self.chosen]
        return values

    @classmethod
    def from_dict(cls, data: dict) -> "LabelRequest":
        chosen = [ChosenRow(row["instance_id"], float(row[PROBABILITY_COLUMN]), float(row.get("expected_loss", 0)))
                  for row in data.get("chosen", [])]
        return cls(**{**{key: data[key] for key in ("batch", "model_version", "rows", "budget", "uniform_share",
                                                    "seed", "label", "created_at")}, "chosen": chosen,
                   "sampling": data.get("sampling", "importance")})

    def write_csv(self, path: Path, feature_columns: Sequence[str], shown_ids: Optional[Dict[str, str]] = None) -> Path:
        """to-label.csv: instance_id, the inclusion probability, the features, and an empty label column to fill
        in. Saved as the batch's labels.csv, it is read by id and weighted by its probability column. `shown_ids`
        ({instance id: the id to show}) names rows otherwise: a batch made from the prediction log by the request
        ids the server returned, which its labels file may name rows by."""
        shown_ids = shown_ids or {}
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["instance_id", PROBABILITY_COLUMN, *feature_columns, self.label])
            for row in self.chosen:
                writer.writerow([shown_ids.get(row.instance_id, row.instance_id), f"{row.inclusion_probability:.8g}",
                                 *[row.features.get(column, "") for column in feature_columns], ""])
        return path

    def write_record(self, path: Path) -> Path:
        path.write_text(json.dumps(self.to_dict(), indent=1))
        return path


def read_request(path: Path) -> Optional[LabelRequest]:
    return LabelRequest.from_dict(json.loads(path.read_text())) if path.is_file() else None


def choose_rows(instance_ids: Sequence[str], weights, budget: int, uniform_share: float = UNIFORM_SHARE,
                seed: int = 0, expected_loss=None) -> List[ChosenRow]:
    """The rows to label (features left for the caller to add), each with its inclusion probability: drawn in
    proportion to `weights` (an estimator's sampling weights, core/labeling/estimators.py; the expected loss for
    active testing's) mixed with the uniform share; `expected_loss` (default: the weights) is recorded."""
    if budget < 1:
        raise ValueError("the budget must be at least one row")
    losses = np.asarray(weights if expected_loss is None else expected_loss, dtype=float)
    probabilities = inclusion_probabilities(weights, budget, uniform_share)
    return [ChosenRow(instance_ids[i], float(probabilities[i]), float(losses[i]))
            for i in systematic_sample(probabilities, seed)]
