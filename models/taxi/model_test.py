import numpy as np
import tensorflow as tf

import models  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)
from models import wide_and_deep
from models.taxi import features, model


def _batch(size=4):
    batch = {name: np.random.rand(size, 1).astype("float32")
             for name in features.transformed_names(features.DENSE_FLOAT_FEATURE_KEYS)}
    for name in wide_and_deep.build(model.model_inputs().dense, model.model_inputs().categories).input_names:
        if name not in batch:
            batch[name] = np.zeros((size, 1), dtype="int64")
    return batch


def test_model_outputs_one_probability_per_row():
    keras_model = wide_and_deep.build(model.model_inputs().dense, model.model_inputs().categories)
    predictions = keras_model.predict(_batch(5), verbose=0)
    assert predictions.shape == (5, 1)
    assert np.all((predictions >= 0) & (predictions <= 1))


def test_warm_start_copies_weights_by_layer_name(tmp_path):
    tf.keras.utils.set_random_seed(1)
    base = wide_and_deep.build(model.model_inputs().dense, model.model_inputs().categories)
    base.save(str(tmp_path / "base"), save_format="tf")
    tf.keras.utils.set_random_seed(2)
    fresh = wide_and_deep.build(model.model_inputs().dense, model.model_inputs().categories)
    assert not np.allclose(fresh.get_layer("output").get_weights()[0], base.get_layer("output").get_weights()[0])
    copied = wide_and_deep.warm_start(fresh, str(tmp_path / "base"))
    assert {"deep_0", "deep_1", "wide_0", "output"} <= set(copied)
    batch = _batch(3)
    np.testing.assert_allclose(fresh.predict(batch, verbose=0), base.predict(batch, verbose=0), rtol=1e-5)
