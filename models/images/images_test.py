import hashlib
import io

import numpy as np
import pytest
from PIL import Image

from core.data.images import pixel_statistics
from models.images import digits


def _digest(folder):
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(folder.iterdir()))).hexdigest()


def test_digit_batches_are_deterministic_labeled_and_drift_more_each_batch(tmp_path):
    written = digits.write_batches(tmp_path / "a", batches=4, per_batch=30)
    assert written == {f"digits-0{i}": 30 for i in range(1, 5)}
    digits.write_batches(tmp_path / "b", batches=4, per_batch=30)
    assert all(_digest(tmp_path / "a" / name) == _digest(tmp_path / "b" / name) for name in written)
    assert digits.write_batches(tmp_path / "a", batches=4, per_batch=30) == {}  # present batches are kept
    first, last = tmp_path / "a" / "digits-01", tmp_path / "a" / "digits-04"
    labels = (first / "labels.csv").read_text().splitlines()
    assert labels[0] == "file,label" and len(labels) == 31
    assert {line.split(",")[0] for line in labels[1:]} == {p.name for p in first.glob("*.png")}
    assert Image.open(next(first.glob("*.png"))).size == (digits.SIZE, digits.SIZE)

    def mean(folder, statistic):
        return np.mean([pixel_statistics(p.read_bytes())[statistic] for p in folder.glob("*.png")])
    assert mean(last, "image_brightness") > mean(first, "image_brightness") + 0.1  # noise, inversion, grey
    assert mean(last, "image_contrast") < mean(first, "image_contrast")


def test_preprocessing_decodes_any_image_to_scaled_pixels():
    import tensorflow as tf

    from models.images.preprocessing import CHANNELS, SIZE, decode

    def encoded(image):
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    grey = Image.fromarray(np.full((8, 8), 255, np.uint8))
    colour = Image.fromarray(np.zeros((40, 20, 4), np.uint8), mode="RGBA")
    pixels = decode(tf.constant([encoded(grey), encoded(colour)])).numpy()
    assert pixels.shape == (2, SIZE, SIZE, CHANNELS)
    assert pixels[0].min() == pytest.approx(1.0) and pixels[1].max() == pytest.approx(0.0)
