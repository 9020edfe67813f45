"""Trainer's run_fn for the taxi model: a small wide-and-deep Keras network.

Trains from scratch or, in warm-start mode, starts from the weights of the
serving model (the Trainer's `base_model` input) wherever layer names and
shapes match. Exports a SavedModel with three signatures:

- `serving_default`: serialized tf.Example -> {"outputs": P(big tipper)}
  (TF Serving, TFMA, batch prediction);
- `transform_features`: serialized tf.Example -> transformed features;
and writes `assets.extra/adapt_model.json` with the raw feature types, the
label and the spans it was trained on, which the model server and batch
prediction read to turn JSON or CSV rows into tf.Examples.
"""
from typing import Dict, List, Optional

import tensorflow as tf
import tensorflow_transform as tft
from absl import logging
from tfx_bsl.public import tfxio

from core.contract import OUTPUT_KEY, SIGNATURE_INPUT, SIGNATURE_NAME, write_model_info
from models.keras_autograph import exclude_tf_keras_from_autograph
from models.taxi import features

exclude_tf_keras_from_autograph()

HIDDEN_UNITS = [64, 32]
LEARNING_RATE = 0.001
TRAIN_BATCH_SIZE = 64
EVAL_BATCH_SIZE = 64


def _input_fn(file_pattern, data_accessor, tf_transform_output, batch_size):
    return data_accessor.tf_dataset_factory(
        file_pattern,
        tfxio.TensorFlowDatasetOptions(batch_size=batch_size,
                                       label_key=features.transformed_name(features.LABEL_KEY)),
        tf_transform_output.transformed_metadata.schema).repeat()


def build_keras_model(hidden_units: Optional[List[int]] = None, learning_rate: float = LEARNING_RATE):
    """Wide (one-hot categories) and deep (dense numbers) network with named layers."""
    deep_inputs = {name: tf.keras.layers.Input(name=name, shape=(1,), dtype=tf.float32)
                   for name in features.transformed_names(features.DENSE_FLOAT_FEATURE_KEYS)}
    category_sizes = {}
    for key in features.VOCAB_FEATURE_KEYS:
        category_sizes[features.transformed_name(key)] = features.VOCAB_SIZE + features.OOV_SIZE
    for key, count in zip(features.BUCKET_FEATURE_KEYS, features.BUCKET_FEATURE_BUCKET_COUNT):
        category_sizes[features.transformed_name(key)] = count
    for key, count in zip(features.CATEGORICAL_FEATURE_KEYS, features.CATEGORICAL_FEATURE_MAX_VALUES):
        category_sizes[features.transformed_name(key)] = count
    wide_inputs = {name: tf.keras.layers.Input(name=name, shape=(1,), dtype=tf.int64)
                   for name in category_sizes}

    deep = tf.keras.layers.concatenate(list(deep_inputs.values()), name="deep_inputs")
    for index, units in enumerate(hidden_units or HIDDEN_UNITS):
        deep = tf.keras.layers.Dense(units, activation="relu", name=f"deep_{index}")(deep)
    wide = tf.keras.layers.concatenate(
        [tf.keras.layers.CategoryEncoding(num_tokens=size, output_mode="one_hot", name=f"onehot_{name}")(
            wide_inputs[name]) for name, size in category_sizes.items()], name="wide_inputs")
    wide = tf.keras.layers.Dense(32, activation="relu", name="wide_0")(wide)
    output = tf.keras.layers.Dense(1, activation="sigmoid", name="output")(
        tf.keras.layers.concatenate([deep, wide], name="wide_and_deep"))

    model = tf.keras.Model({**deep_inputs, **wide_inputs}, output)
    model.compile(loss="binary_crossentropy",
                  optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate),
                  metrics=[tf.keras.metrics.BinaryAccuracy(name="accuracy")])
    return model


def warm_start(model, base_model_path: str) -> List[str]:
    """Copies weights from the base model into layers of the same name and shapes."""
    base = tf.keras.models.load_model(base_model_path)
    base_layers = {layer.name: layer for layer in base.layers}
    copied = []
    for layer in model.layers:
        source = base_layers.get(layer.name)
        if source is None or not layer.weights:
            continue
        weights = source.get_weights()
        if [w.shape for w in weights] == [w.shape for w in layer.get_weights()]:
            layer.set_weights(weights)
            copied.append(layer.name)
    logging.info("Warm start from %s: copied %s", base_model_path, copied)
    return copied


def _examples_signature(model, tf_transform_output):
    model.tft_layer_inference = tf_transform_output.transform_features_layer()

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name=SIGNATURE_INPUT)])
    def serve_tf_examples_fn(serialized_tf_examples):
        raw_feature_spec = tf_transform_output.raw_feature_spec()
        raw_feature_spec.pop(features.LABEL_KEY, None)
        raw_features = tf.io.parse_example(serialized_tf_examples, raw_feature_spec)
        transformed = model.tft_layer_inference(raw_features)
        return {OUTPUT_KEY: model(transformed)}

    return serve_tf_examples_fn


def _transform_features_signature(model, tf_transform_output):
    model.tft_layer_eval = tf_transform_output.transform_features_layer()

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name=SIGNATURE_INPUT)])
    def transform_features_fn(serialized_tf_examples):
        raw_features = tf.io.parse_example(serialized_tf_examples, tf_transform_output.raw_feature_spec())
        return model.tft_layer_eval(raw_features)

    return transform_features_fn


def raw_feature_types(tf_transform_output) -> Dict[str, str]:
    """{feature: 'int' | 'float' | 'string'} for every raw serving feature (label excluded)."""
    names = {tf.int64: "int", tf.float32: "float", tf.string: "string"}
    spec = tf_transform_output.raw_feature_spec()
    return {key: names[value.dtype] for key, value in sorted(spec.items()) if key != features.LABEL_KEY}


def run_fn(fn_args):
    """TFX Trainer entry point."""
    custom = fn_args.custom_config or {}
    mode = custom.get("training_mode", "scratch")
    tf.keras.utils.set_random_seed(int(custom.get("seed", 42)))
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_output)
    train_dataset = _input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output, TRAIN_BATCH_SIZE)
    eval_dataset = _input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output, EVAL_BATCH_SIZE)

    model = build_keras_model()
    warm_layers = []
    if mode == "warm-start":
        if fn_args.base_model:
            warm_layers = warm_start(model, fn_args.base_model)
        else:
            logging.info("Warm start asked for but there is no serving model yet: training from scratch.")

    epochs = 5
    model.fit(train_dataset,
              epochs=epochs,
              steps_per_epoch=max(1, fn_args.train_steps // epochs),
              validation_data=eval_dataset,
              validation_steps=fn_args.eval_steps,
              verbose=0,
              callbacks=[tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: logging.info(
                  "epoch %d: %s", epoch + 1, {k: round(float(v), 4) for k, v in (logs or {}).items()}))])

    signatures = {
        SIGNATURE_NAME: _examples_signature(model, tf_transform_output),
        "transform_features": _transform_features_signature(model, tf_transform_output),
    }
    model.save(fn_args.serving_model_dir, save_format="tf", signatures=signatures)
    write_model_info(fn_args.serving_model_dir, {
        "label": features.LABEL_KEY,
        "raw_features": raw_feature_types(tf_transform_output),
        "spans": custom.get("spans", []),
        "training_mode": mode if warm_layers or mode == "scratch" else "scratch (no base model)",
        "warm_started_layers": warm_layers,
    })
