import os

import pytest
import tensorflow as tf
from tfx.types import artifact_utils, standard_artifacts

import components  # noqa: F401
from components.serving_infra_validator import executor
from tests.helpers import save_tiny_model


def _examples(tmp_path, count=6):
    artifact = standard_artifacts.Examples()
    artifact.uri = str(tmp_path / "examples")
    artifact.split_names = artifact_utils.encode_split_names(["train", "eval"])
    split_dir = tmp_path / "examples" / "Split-eval"
    split_dir.mkdir(parents=True)
    with tf.io.TFRecordWriter(str(split_dir / "data.gz"), options="GZIP") as writer:
        for i in range(count):
            example = tf.train.Example()
            example.features.feature["trip_miles"].float_list.value.append(float(i))
            example.features.feature["payment_type"].bytes_list.value.append(b"Cash")
            example.features.feature["big_tipper"].int64_list.value.append(i % 2)
            writer.write(example.SerializeToString())
    return artifact


def _run(tmp_path, model_dir):
    model = standard_artifacts.Model()
    model.uri = str(model_dir)
    blessing = standard_artifacts.InfraBlessing()
    blessing.uri = str(tmp_path / "blessing")
    executor.Executor().Do({"model": [model], "examples": [_examples(tmp_path)]}, {"blessing": [blessing]},
                           {"model_name": "taxi", "num_requests": 4, "timeout_seconds": 90, "split": "eval"})
    return blessing


def test_a_model_that_loads_and_answers_is_blessed(tmp_path):
    save_tiny_model(str(tmp_path / "model" / "Format-Serving"), 0.3)
    blessing = _run(tmp_path, tmp_path / "model")
    assert blessing.get_int_custom_property("blessed") == 1
    assert "answered 7 requests" in blessing.get_string_custom_property("reason")
    assert os.path.exists(tmp_path / "blessing" / executor.BLESSED_FILE)


def test_a_model_the_server_cannot_serve_is_not_blessed(tmp_path):
    model_dir = tmp_path / "model" / "Format-Serving"
    save_tiny_model(str(model_dir), 0.3)
    (model_dir / "saved_model.pb").write_bytes(b"corrupt")
    blessing = _run(tmp_path, tmp_path / "model")
    assert blessing.get_int_custom_property("blessed") == 0
    # said as soon as the server sees it, not after the validator's 90 s timeout
    assert "failed to load: saved_model.pb is not a SavedModel" in blessing.get_string_custom_property("reason")
    assert os.path.exists(tmp_path / "blessing" / executor.NOT_BLESSED_FILE)


@pytest.mark.parametrize("body, expected", [
    ({"predictions": [[0.5], [0.1]]}, None),
    ({"predictions": [[0.5]]}, "expected 2 predictions"),
    ({"predictions": [[0.5], [float("nan")]]}, "not a finite number"),
    ({"predictions": [[0.5], [None]]}, "prediction None is not a finite number"),   # the server's null for NaN
    ({"predictions": [12.5, 3.0]}, None),                                          # a regression model's values
    ({"error": "boom"}, "expected 2 predictions"),
])
def test_prediction_checks(body, expected):
    if expected is None:
        executor.check_predictions(body, 2)
    else:
        with pytest.raises(executor.InfraValidationError, match=expected):
            executor.check_predictions(body, 2)
