"""The digits use case: scikit-learn's 1,797 handwritten 8x8 digits as batches of PNG files that drift.

`adapt data digits` writes `incoming/digits-NN/*.png` with `labels.csv`
(file,label). Each image is upscaled to 32x32 grey levels. The first batch is
clean; later ones drift the way a new camera or source does, more with every
batch: rotation, blur, lower contrast, inverted images and sensor noise (at
full strength: up to 40 degrees, blur radius 1.2, 45% contrast lost, one
image in three inverted, noise of 30 grey levels). A model trained on the
first batch and never again loses accuracy; retraining on recent batches
follows the drift. Deterministic: the same files on every run.
"""
import csv
import datetime
import gzip
import os
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import numpy as np

BATCHES = 9
SIZE = 32
LABEL = "label"
CLASSES = [str(digit) for digit in range(10)]
SEED = 7


def load_digits():
    """(images [N, 8, 8] in 0..16, labels [N]) from the CSV scikit-learn ships (read directly: no sklearn import)."""
    import sklearn
    path = Path(sklearn.__file__).parent / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(path, "rt") as handle:
        data = np.loadtxt(handle, delimiter=",")
    return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(int)


def drifted(pixels: np.ndarray, severity: float, rng: np.random.Generator):
    """One 8x8 digit (0..16) as a SIZE x SIZE PIL image, drifted by `severity` in 0..1."""
    from PIL import Image, ImageFilter

    image = Image.fromarray(np.uint8(np.clip(pixels * 16, 0, 255))).resize((SIZE, SIZE), Image.BICUBIC)
    if severity <= 0:
        return image
    image = image.rotate(float(rng.uniform(-40, 40) * severity), resample=Image.BILINEAR)
    image = image.filter(ImageFilter.GaussianBlur(radius=1.2 * severity))
    grey = np.asarray(image, dtype=np.float64)
    grey = 128 + (grey - 128) * (1 - 0.45 * severity)
    if rng.random() < severity / 3:
        grey = 255 - grey
    grey = grey + rng.normal(0, 30 * severity, grey.shape)
    return Image.fromarray(np.uint8(np.clip(grey, 0, 255)))


def batch_images(index: int, batches: int = BATCHES, per_batch: int = 0) -> Iterator[Tuple[str, Any, int]]:
    """(file name, drifted PIL image, label) of batch `index` (0-based), the same on every call.

    `per_batch` 0 spreads all 1,797 digits over the batches; a smaller number takes that many each (tests).
    """
    images, labels = load_digits()
    order = np.random.default_rng(SEED).permutation(len(labels))
    size = per_batch or len(labels) // batches
    rng = np.random.default_rng(SEED + index)
    severity = index / (batches - 1) if batches > 1 else 0.0
    for position in order[index * size:(index + 1) * size]:
        yield f"{position:04d}.png", drifted(images[position], severity, rng), int(labels[position])


def write_batches(incoming: Path, batches: int = BATCHES, per_batch: int = 0) -> Dict[str, int]:
    """Writes the batch folders that are missing; returns images per batch written now."""
    written = {}
    for index in range(batches):
        name = f"digits-{index + 1:02d}"
        folder = Path(incoming) / name
        if (folder / "labels.csv").exists():
            continue
        staging = Path(incoming) / f".{name}.tmp"
        staging.mkdir(parents=True, exist_ok=True)
        count = 0
        with open(staging / "labels.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", LABEL])
            for file, image, label in batch_images(index, batches, per_batch):
                image.save(staging / file)
                writer.writerow([file, label])
                count += 1
        # Arrival order follows the batch number, as it would on disk.
        stamp = datetime.datetime(2021, 1, 1).timestamp() + index * 3600
        for child in staging.iterdir():
            os.utime(child, (stamp, stamp))
        os.replace(staging, folder)
        written[name] = count
    return written
