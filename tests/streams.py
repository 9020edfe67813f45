"""Generated data for tests beyond taxi: a table whose relation between features and label drifts.

`rotating_hyperplane_batches` writes CSV batches `batch-01`, `batch-02`, ... :
four uniform numbers x1..x4, a three-valued `channel`, a small integer code
`region`, and, to exercise `adapt init`'s roles, a row id, a Unix timestamp
and a constant column. The label `churned` ("yes" / "no") is whether the
point lies above a hyperplane that rotates by `degrees_per_batch` every batch
(5 % of labels flipped), the classic concept-drift stream: a model that never
retrains decays batch after batch; one retrained on recent batches keeps up.
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
