"""`model.label_scale` on tiny generated rows: which labels go on the log scale, the choice reused, and the exported
serving signature answering in the label's unit."""
from types import SimpleNamespace

import numpy as np
import pytest
import tensorflow as tf

from components.calibrated_trainer.executor import label_scale_properties
from core.contract import write_model_info
from core.errors import ConfigError
from core.label_scale import IDENTITY, LOG, parse_mode
from models import export, gradient_boosted, label_scale


def _span(rows: int, seed: int):
    rng = np.random.default_rng(seed)
    features = {"x1": rng.normal(size=rows).astype(np.float32), "x2": rng.normal(size=rows).astype(np.float32),
                "code": rng.integers(0, 4, size=rows)}
    # a price: multiplicative noise, a long right tail
    price = 10 * np.exp(features["x1"] + 0.3 * (features["code"] == 2) + rng.normal(size=rows) * 0.8)
    return features, price


SPANS = {"span-1/train": _span(300, 1), "span-2/train": _span(300, 2)}


def _fn_args(mode: str = "auto", base_model=None):
    return SimpleNamespace(custom_config={"label_scale": mode}, base_model=base_model, train_files=list(SPANS))


@pytest.fixture(scope="module")
def decided():
    return label_scale.choose(_fn_args(), SPANS.__getitem__, ["code"])


def test_a_skewed_positive_label_goes_on_the_log_scale_when_that_lowers_the_newest_rows_mae(decided):
    assert decided.scale == LOG and decided.decided and decided.skewness > 1 and decided.minimum >= 0
    assert decided.validation_rows == 300                    # span-2's rows; span-1's grew both forests
    assert decided.log_mae < decided.identity_mae
    assert "lowered" in decided.reason and LOG in decided.text()
    properties = label_scale_properties({"label_scale": decided.to_dict()})
    assert properties["label_scale"] == LOG and '"log_mae"' in properties["label_scale_choice"]


def test_an_unskewed_or_signed_label_stays_as_it_is_without_growing_a_forest():
    symmetric = [(features, 100 + features["x1"] * 5) for features, _ in SPANS.values()]
    kept = label_scale.decide(symmetric, ["code"])
    assert kept.scale == IDENTITY and "skewness" in kept.reason and kept.identity_mae is None
    signed = [(features, price - 20) for features, price in SPANS.values()]   # as skewed, but below zero too
    kept = label_scale.decide(signed, ["code"])
    assert kept.scale == IDENTITY and "negative" in kept.reason and kept.skewness > 1 and kept.log_mae is None


def test_a_configured_scale_reads_no_rows_and_auto_decides_at_every_training(decided, tmp_path):
    def no_rows(pattern):
        raise AssertionError(f"a configured label scale read {pattern}")
    assert label_scale.choose(_fn_args("identity"), no_rows, ["code"]).scale == IDENTITY
    configured = label_scale.choose(_fn_args("log"), no_rows, ["code"])
    assert configured.scale == LOG and not configured.decided and "as configured" in configured.text()
    # the serving model's decision is not reused: auto decides again, with the serving model's hyperparameters
    write_model_info(str(tmp_path), {"label": "y", "label_scale": decided.to_dict(),
                                     "hyperparameters": {"values": {"max_depth": 3}, "searched": True}})
    again = label_scale.choose(_fn_args("auto", str(tmp_path)), SPANS.__getitem__, ["code"])
    assert again.decided and again.scale == LOG and again.identity_mae != decided.identity_mae
    with pytest.raises(ConfigError, match="model.label_scale"):
        parse_mode("sqrt")


class _Passthrough(tf.keras.layers.Layer):
    """Transform's layer for a graph that hands the raw numbers over as they are."""

    def call(self, features):
        return {name: tf.reshape(value, [-1]) for name, value in features.items()}


class _TransformOutput:
    def transform_features_layer(self):
        return _Passthrough()

    def raw_feature_spec(self):
        return {name: tf.io.FixedLenFeature([], tf.float32) for name in ("x1", "x2", "price")}


def test_the_exported_signature_answers_in_the_labels_unit(decided, tmp_path):
    features, price = SPANS["span-1/train"]
    features = {"x1": features["x1"], "x2": features["x2"]}
    dataset = tf.data.Dataset.from_tensor_slices((features, price.astype(np.float32))).batch(128)
    model = gradient_boosted.build([], 1, regression=True)
    model.fit(label_scale.training_dataset(dataset, decided), verbose=0)
    predict = label_scale.in_label_units(model, decided)
    model.save(str(tmp_path), save_format="tf", signatures=export.signatures(model, _TransformOutput(), "price",
                                                                             predict))
    examples = [tf.train.Example(features=tf.train.Features(feature={
        name: tf.train.Feature(float_list=tf.train.FloatList(value=[float(features[name][i])])) for name in features}))
        .SerializeToString() for i in range(len(price))]
    served = tf.saved_model.load(str(tmp_path)).signatures["serving_default"](examples=tf.constant(examples))
    answers = np.asarray(next(iter(served.values()))).reshape(-1)
    # in the label's unit: near the prices' median (10 here), not their log (about 2.3); and the training MAE of
    # a forest in that unit, far below the MAE of answering the median everywhere
    assert 0.5 * np.median(price) < np.median(answers) < 2 * np.median(price)
    assert np.mean(np.abs(answers - price)) < 0.8 * np.mean(np.abs(price - np.median(price)))
    np.testing.assert_allclose(answers, np.asarray(predict(features)).reshape(-1), rtol=1e-5)
