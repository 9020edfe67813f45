"""Image batches: a folder of image files (`*.png`, `*.jpg`) plus `labels.csv` (file name -> label).

An image becomes one tf.Example in a span: the encoded file bytes under
`image`, its label as text, and five numbers measured on its pixels —
brightness, contrast, sharpness, width and height. StatisticsGen describes
those numbers like any column, so the drift of a new batch's pixels is the
same comparison as a table's (DriftDetector measures the batch the same way);
the model reads only `image`. Spans of images are gzipped TFRecord files
(ImportExampleGen reads them), written as atomically as CSV spans.

Pillow and NumPy only; TensorFlow is imported where tf.Examples are written.
"""
from __future__ import annotations

import hashlib
import io
from typing import Dict, Iterable, Iterator, Optional, Tuple

import numpy as np

from core.errors import BatchError

IMAGE_FEATURE = "image"
PIXEL_FEATURES = ("image_brightness", "image_contrast", "image_sharpness", "image_width", "image_height")
EXAMPLES_FILE = "data.tfrecord.gz"


def pixel_statistics(data: bytes, where: str = "") -> Dict[str, float]:
    """What drift is measured on: mean and spread of the grey levels (0..1), the variance of their Laplacian
    (blur lowers it, noise raises it) and the size in pixels. An undecodable file is a BatchError naming it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            grey = np.asarray(image.convert("L"), dtype=np.float64) / 255.0
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise BatchError(f"{where}: not a readable image ({err})") from None
    laplacian = (grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * grey[1:-1, 1:-1]) \
        if min(grey.shape) > 2 else np.zeros(1)
    return {"image_brightness": float(grey.mean()), "image_contrast": float(grey.std()),
            "image_sharpness": float(laplacian.var()), "image_width": float(width), "image_height": float(height)}


def check_image(data: bytes, where: str = "") -> None:
    """A BatchError naming the file unless its bytes are an image Pillow can read (headers and data checked)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise BatchError(f"{where}: not a readable image ({err})") from None


def example_of(data: bytes, label: Optional[str], label_key: str, where: str = ""):
    """The tf.Example a span stores for one image (the label left out when unknown)."""
    import tensorflow as tf

    features = {IMAGE_FEATURE: tf.train.Feature(bytes_list=tf.train.BytesList(value=[data]))}
    for name, value in pixel_statistics(data, where).items():
        features[name] = tf.train.Feature(float_list=tf.train.FloatList(value=[value]))
    if label is not None:
        features[label_key] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[label.encode("utf-8")]))
    return tf.train.Example(features=tf.train.Features(feature=features))


def is_test_image(data: bytes, test_fraction: float) -> bool:
    """Deterministic split by content, as CSV rows are split."""
    digest = hashlib.md5(data).digest()
    return int.from_bytes(digest[:4], "big") % 10_000 < round(test_fraction * 10_000)


def labeled_images(batch) -> Iterator[Tuple[str, bytes, str]]:
    """(file name, bytes, label) of every image the labels file labels; unlabeled images are left out."""
    if not batch.has_labels_file():
        return
    labels = batch.labels_from_file()
    for name in batch.data_files():
        label = labels.get(name)
        if label is not None:
            with batch.open(name, "rb") as handle:
                yield name, handle.read(), label


def write_split_files(folder, images: Iterable[Tuple[str, bytes, str]], label_key: str,
                      test_fraction: float) -> Dict[str, int]:
    """Writes train/ and test/ TFRecord files of `images` under `folder`; returns the count per split."""
    import tensorflow as tf

    counts = {"train": 0, "test": 0}
    options = tf.io.TFRecordOptions(compression_type="GZIP")
    with tf.io.TFRecordWriter(str(folder / "train" / EXAMPLES_FILE), options) as train, \
            tf.io.TFRecordWriter(str(folder / "test" / EXAMPLES_FILE), options) as test:
        for name, data, label in images:
            split = "test" if is_test_image(data, test_fraction) else "train"
            example = example_of(data, label, label_key, name)
            (test if split == "test" else train).write(example.SerializeToString())
            counts[split] += 1
    return counts
