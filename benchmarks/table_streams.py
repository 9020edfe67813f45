"""Classification streams as tables of text rows, for the benchmarks that retrain learners on a stream's windows
(benchmarks/tuned_trees.py): {batch: rows}, the header first, every value as text, as a CSV batch reads.

- `digits`: the drifting digit batches of `adapt demo --use-case digits` (models/images/digits.py: nine batches,
  rotation, blur, contrast, inversion and noise growing batch by batch), each 32x32 image shrunk back to 8x8 grey
  levels: a 64-column table of pixels.
- `breast-cancer`: scikit-learn's bundled Wisconsin breast cancer table (569 tumours, 30 measurements, malignant
  0 / benign 1), in its file order, as six batches of about 95.
"""
from typing import Dict, List, Tuple

import numpy as np

CLASSIFICATION_TABLES = ("digits", "breast-cancer")
DIGIT_SIDE = 8
BREAST_CANCER_BATCHES = 6

Table = Tuple[List[str], Dict[str, List[List[str]]], str]   # (header, {batch: rows}, label)


def digit_pixels() -> Table:
    from PIL import Image

    from models.images import digits
    header = [f"p{index:02d}" for index in range(DIGIT_SIDE * DIGIT_SIDE)] + [digits.LABEL]
    batches = {}
    for index in range(digits.BATCHES):
        rows = []
        for _, image, label in digits.batch_images(index):
            grey = np.asarray(image.resize((DIGIT_SIDE, DIGIT_SIDE), Image.BOX), dtype=np.uint8).reshape(-1)
            rows.append([str(int(value)) for value in grey] + [str(label)])
        batches[f"digits-{index + 1:02d}"] = rows
    return header, batches, digits.LABEL


def breast_cancer() -> Table:
    from sklearn.datasets import load_breast_cancer
    table = load_breast_cancer(as_frame=True).frame
    label = "target"
    header = list(table.columns)
    batches = {}
    for index, rows in enumerate(np.array_split(np.arange(len(table)), BREAST_CANCER_BATCHES), 1):
        part = table.iloc[rows]
        batches[f"batch-{index:02d}"] = [[str(int(value)) if column == label else f"{value:.6g}"
                                          for column, value in zip(header, values)]
                                         for values in part.itertuples(index=False)]
    return header, batches, label


def classification_table(use_case: str) -> Table:
    return {"digits": digit_pixels, "breast-cancer": breast_cancer}[use_case]()
