"""The neural model adapt's packages share: a small wide-and-deep Keras network, trained in the Trainer.

Deep part: the dense (z-scored) features through ReLU layers. Wide part: each
categorical feature one-hot encoded, through one ReLU layer. One sigmoid unit
for two classes, a softmax over the classes otherwise, one linear unit for regression. Layers are named, so a
warm start copies weights by name from the serving model wherever shapes match.
"""
import sys
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import tensorflow as tf
import tqdm
from absl import logging

from models.keras_autograph import exclude_tf_keras_from_autograph

exclude_tf_keras_from_autograph()

HIDDEN_UNITS = [64, 32]
LEARNING_RATE = 0.001
BATCH_SIZE = 64
EPOCHS = 5


def build(dense_names: Sequence[str], category_sizes: Mapping[str, int], classes: int = 2,
          hidden_units: Optional[List[int]] = None, learning_rate: float = LEARNING_RATE,
          target_scale: Optional[Tuple[float, float]] = None):
    """`target_scale` (the training label's mean and standard deviation) makes it a regressor: the output layer
    learns the standardized label and the model answers in the label's unit."""
    """The network over transformed features: `dense_names` float inputs, `category_sizes` {name: ids} inputs."""
    deep_inputs = {name: tf.keras.layers.Input(name=name, shape=(1,), dtype=tf.float32) for name in dense_names}
    wide_inputs = {name: tf.keras.layers.Input(name=name, shape=(1,), dtype=tf.int64) for name in category_sizes}
    parts = []
    if deep_inputs:
        deep = (tf.keras.layers.concatenate(list(deep_inputs.values()), name="deep_inputs") if len(deep_inputs) > 1
                else next(iter(deep_inputs.values())))
        for index, units in enumerate(hidden_units or HIDDEN_UNITS):
            deep = tf.keras.layers.Dense(units, activation="relu", name=f"deep_{index}")(deep)
        parts.append(deep)
    if wide_inputs:
        one_hot = [tf.keras.layers.CategoryEncoding(num_tokens=size, output_mode="one_hot", name=f"onehot_{name}")(
            wide_inputs[name]) for name, size in category_sizes.items()]
        wide = tf.keras.layers.concatenate(one_hot, name="wide_inputs") if len(one_hot) > 1 else one_hot[0]
        parts.append(tf.keras.layers.Dense(32, activation="relu", name="wide_0")(wide))
    joined = tf.keras.layers.concatenate(parts, name="wide_and_deep") if len(parts) > 1 else parts[0]
    if target_scale is not None:
        return regressor({**deep_inputs, **wide_inputs}, joined, learning_rate, target_scale)
    return classifier({**deep_inputs, **wide_inputs}, joined, classes, learning_rate)


def regressor(inputs, features, learning_rate: float, target_scale: Tuple[float, float]):
    """The compiled model: one linear unit over `features` (layer `output`), scaled back to the label's unit, squared
    error."""
    mean, deviation = target_scale
    standardized = tf.keras.layers.Dense(1, name="output")(features)
    output = tf.keras.layers.Rescaling(scale=deviation or 1.0, offset=mean, name="label_unit")(standardized)
    model = tf.keras.Model(inputs, output)
    model.compile(loss="mse", optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate),
                  metrics=[tf.keras.metrics.MeanAbsoluteError(name="mae")])
    return model


def classifier(inputs, features, classes: int, learning_rate: float):
    """The compiled model: one sigmoid unit over `features` for two classes, a softmax for more (layer `output`)."""
    if classes == 2:
        output = tf.keras.layers.Dense(1, activation="sigmoid", name="output")(features)
        loss, accuracy = "binary_crossentropy", tf.keras.metrics.BinaryAccuracy(name="accuracy")
    else:
        output = tf.keras.layers.Dense(classes, activation="softmax", name="output")(features)
        loss, accuracy = "sparse_categorical_crossentropy", tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    model = tf.keras.Model(inputs, output)
    model.compile(loss=loss, optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate), metrics=[accuracy])
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


def train(model, fn_args, train_dataset, eval_dataset) -> Dict[str, object]:
    """Fits the model for the Trainer's steps; in warm-start mode it starts from the serving model's weights.

    Returns what the model info file records about how it was trained.
    """
    custom = fn_args.custom_config or {}
    mode = custom.get("training_mode", "scratch")
    warm_layers = []
    if mode == "warm-start":
        if fn_args.base_model:
            warm_layers = warm_start(model, fn_args.base_model)
        else:
            logging.info("Warm start asked for but there is no serving model yet: training from scratch.")
    steps = max(1, fn_args.train_steps // EPOCHS)
    with tqdm.tqdm(total=steps * EPOCHS, desc="    training", unit=" steps", file=sys.stderr, disable=None,
                   leave=False) as bar:  # disable=None: shown on a terminal only
        model.fit(train_dataset, epochs=EPOCHS, steps_per_epoch=steps, validation_data=eval_dataset,
                  validation_steps=fn_args.eval_steps, verbose=0,
                  callbacks=[tf.keras.callbacks.LambdaCallback(
                      on_train_batch_end=lambda batch, logs: bar.update(1),
                      on_epoch_end=lambda epoch, logs: logging.info(
                          "epoch %d: %s", epoch + 1, {k: round(float(v), 4) for k, v in (logs or {}).items()}))])
    return {"spans": custom.get("spans", []),
            "training_mode": mode if warm_layers or mode == "scratch" else "scratch (no base model)",
            "warm_started_layers": warm_layers}
