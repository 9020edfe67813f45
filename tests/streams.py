"""Generated data for tests beyond taxi: a table whose relation between features and label drifts.

`rotating_hyperplane_batches` writes CSV batches `batch-01`, `batch-02`, ... :
four uniform numbers x1..x4, a three-valued `channel`, a small integer code
`region`, and, to exercise `adapt init`'s roles, a row id, a Unix timestamp
and a constant column. The label `churned` ("yes" / "no") is whether the
point lies above a hyperplane that rotates by `degrees_per_batch` every batch
(5 % of labels flipped), the classic concept-drift stream: a model that never
retrains decays batch after batch; one retrained on recent batches keeps up.

`covariate_shift_batches`: the opposite kind, rows that move under one law.
"""
import csv
import math
import random
from pathlib import Path
from typing import List

LABEL = "churned"
HEADER = ["customer_id", "signup_time", "x1", "x2", "x3", "x4", "channel", "region", "source", LABEL]
CHANNEL_SHIFT = {"web": 0.15, "store": -0.1, "phone": 0.0}


def rotating_hyperplane_batches(root: Path, batches: int = 6, rows: int = 300, degrees_per_batch: float = 25.0,
                                seed: int = 7) -> List[Path]:
    generator = random.Random(seed)
    folders = []
    for index in range(batches):
        angle = math.radians(degrees_per_batch * index)
        weights = (math.cos(angle), math.sin(angle), 0.6 * math.cos(2 * angle), -0.4)
        data = []
        for row in range(rows):
            x = [generator.random() for _ in range(4)]
            channel = generator.choice(sorted(CHANNEL_SHIFT))
            region = generator.randrange(5)
            score = sum(w * (v - 0.5) for w, v in zip(weights, x)) + CHANNEL_SHIFT[channel] + 0.05 * (region - 2)
            label = score > 0
            if generator.random() < 0.05:
                label = not label
            data.append([f"c{index:02d}{row:04d}", str(1_600_000_000 + index * 2_600_000 + row * 60),
                         *[f"{v:.4f}" for v in x], channel, str(region), "crm", "yes" if label else "no"])
        folder = Path(root) / f"batch-{index + 1:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "data.csv", "w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(data)
        folders.append(folder)
    return folders


def covariate_shift_batches(root: Path, batches: int = 4, rows: int = 300, shift_per_batch: float = 0.6,
                            seed: int = 11) -> List[Path]:
    """CSV batches `batch-01`, ... whose rows move: x1 ~ N(shift * batch, 1), x2 ~ N(0, 1), a `segment`; the label
    `bought` (1 / 0) follows one law throughout, sin(1.5 x1) * 2 + 0.8 x2 + noise > 0: covariate shift without
    concept drift, where a model trained on the first batch extrapolates and one retrained on newer rows does not."""
    generator = random.Random(seed)
    folders = []
    for index in range(batches):
        data = []
        for _ in range(rows):
            x1, x2 = generator.gauss(shift_per_batch * index, 1.0), generator.gauss(0.0, 1.0)
            segment = generator.choice(["a", "b"])
            score = math.sin(1.5 * x1) * 2.0 + 0.8 * x2 + (0.5 if segment == "b" else 0.0) + generator.gauss(0, 0.3)
            data.append([f"{x1:.4f}", f"{x2:.4f}", segment, "1" if score > 0 else "0"])
        folder = Path(root) / f"batch-{index + 1:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "data.csv", "w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["x1", "x2", "segment", "bought"])
            writer.writerows(data)
        folders.append(folder)
    return folders


REGRESSION_LABEL = "price"


def drifting_regression_batches(root: Path, batches: int = 4, rows: int = 300, drift_per_batch: float = 0.5,
                                missing_labels: int = 3, seed: int = 13) -> List[Path]:
    """CSV batches `batch-01`, ... with a numeric label `price` whose relation to the features drifts: price =
    100 + 40 (1 - d) x1 + 40 d x2 + 15 x3^2 + a `district` premium + noise, d = drift_per_batch * batch (capped at
    1): the weight moves from x1 to x2, so a model that never retrains errs more batch after batch. The first
    `missing_labels` rows of the first batch have no price (init skips them)."""
    generator = random.Random(seed)
    premium = {"north": 12.0, "south": -8.0, "centre": 25.0}
    folders = []
    for index in range(batches):
        drift = min(1.0, drift_per_batch * index)
        data = []
        for row in range(rows):
            x1, x2, x3 = generator.random(), generator.random(), generator.gauss(0.0, 1.0)
            district = generator.choice(sorted(premium))
            price = (100 + 40 * (1 - drift) * x1 + 40 * drift * x2 + 15 * x3 * x3 + premium[district]
                     + generator.gauss(0, 3.0))
            label = "" if index == 0 and row < missing_labels else f"{price:.2f}"
            data.append([f"{x1:.4f}", f"{x2:.4f}", f"{x3:.4f}", district, label])
        folder = Path(root) / f"batch-{index + 1:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "data.csv", "w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["x1", "x2", "x3", "district", REGRESSION_LABEL])
            writer.writerows(data)
        folders.append(folder)
    return folders
