import io
import json

import numpy as np
import pytest
from PIL import Image, ImageFilter

from core.data import images, spans
from core.data.batch import Batch
from core.data.ingest import write_batch_span
from core.errors import BatchError


def png(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.uint8(array)).save(buffer, format="PNG")
    return buffer.getvalue()


def checkerboard(size=32):
    return (np.indices((size, size)).sum(axis=0) % 2) * 255


def test_pixel_statistics_measure_brightness_contrast_sharpness_and_size():
    sharp = images.pixel_statistics(png(checkerboard()))
    assert sharp["image_brightness"] == pytest.approx(0.5) and sharp["image_contrast"] == pytest.approx(0.5)
    assert (sharp["image_width"], sharp["image_height"]) == (32.0, 32.0)
    blurred = images.pixel_statistics(png(np.asarray(Image.fromarray(np.uint8(checkerboard())).filter(
        ImageFilter.GaussianBlur(2)))))
    assert blurred["image_sharpness"] < sharp["image_sharpness"] / 10
    assert images.pixel_statistics(png(np.full((8, 16), 255)))["image_brightness"] == 1.0
    assert images.pixel_statistics(png(np.full((8, 16), 255)))["image_width"] == 16.0


def test_a_file_that_is_not_an_image_is_an_error_naming_it():
    with pytest.raises(BatchError, match=r"batch b: 7\.png: not a readable image"):
        images.pixel_statistics(b"not a png", "batch b: 7.png")


def _image_batch(folder, labels):
    folder.mkdir(parents=True)
    for index, label in enumerate(labels):
        (folder / f"{index}.png").write_bytes(png(np.full((8, 8), index * 20)))
    rows = "".join(f"{index}.png,{label}\n" for index, label in enumerate(labels) if label is not None)
    (folder / "labels.csv").write_text("file,digit\n" + rows)
    return Batch(str(folder), label="digit")


def test_an_image_batch_names_its_instances_by_file_and_reads_labels_by_file_column(tmp_path):
    batch = _image_batch(tmp_path / "b", ["3", "5", None])
    assert batch.format == "files" and list(batch.instance_ids()) == ["0.png", "1.png", "2.png"]
    assert batch.labels_from_file() == {"0.png": "3", "1.png": "5"}
    assert [(name, label) for name, _, label in images.labeled_images(batch)] == [("0.png", "3"), ("1.png", "5")]


def test_an_image_batch_becomes_a_tfrecord_span_of_its_labeled_images(tmp_path):
    import tensorflow as tf
    batch = _image_batch(tmp_path / "b", [str(i % 10) for i in range(40)] + [None])
    number = write_batch_span(batch, tmp_path / "data", 0.25, source={"batch": "b"})
    source = spans.read_source(tmp_path / "data", number)
    assert number == 1 and sum(source["rows"].values()) == 40 and min(source["rows"].values()) > 0
    records = []
    for split in ("train", "test"):
        path = str(tmp_path / "data" / "span-1" / split / images.EXAMPLES_FILE)
        records += [tf.train.Example.FromString(r) for r in
                    tf.data.TFRecordDataset(path, compression_type="GZIP").as_numpy_iterator()]
    example = records[0].features.feature
    assert set(example) == {images.IMAGE_FEATURE, "digit", *images.PIXEL_FEATURES}
    assert Image.open(io.BytesIO(example[images.IMAGE_FEATURE].bytes_list.value[0])).size == (8, 8)
    assert sorted(r.features.feature["digit"].bytes_list.value[0].decode() for r in records) == \
        sorted(str(i % 10) for i in range(40))
    # The split depends on the content only: the same batch splits the same way again.
    again = write_batch_span(batch, tmp_path / "again", 0.25, source={"batch": "b"})
    assert json.loads((tmp_path / "again" / f"span-{again}" / "_SOURCE.json").read_text())["rows"] == source["rows"]


def test_a_batch_without_labeled_images_writes_no_span(tmp_path):
    batch = _image_batch(tmp_path / "b", [None, None])
    with pytest.raises(spans.SpanError, match="empty train split"):
        write_batch_span(batch, tmp_path / "data", 0.2, source={})
    assert spans.list_spans(tmp_path / "data") == []
