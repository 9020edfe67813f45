"""Trainer's run_fn for images: a small convolutional network over Transform's pixels.

Three convolution blocks (16, 32, 64 filters) and a dense layer; one sigmoid
unit for two classes, a softmax otherwise. It trains and warm-starts like the
tabular network (models/wide_and_deep.py: named layers, the Trainer's steps)
and exports with the contract's signatures; its info file says that a
request's instance may be the image alone (`{"b64": ...}`), and that the image
is the one feature a request needs: the pixel statistics in the spans are for
drift, not for the model. They all describe its one input, so its info file
gives each an equal share of the importance: a drift of any of them is a drift
of what the model sees.
"""
import tensorflow as tf

from core.contract import transformed_name
from core.data.images import IMAGE_FEATURE, PIXEL_FEATURES
from models import trainer, wide_and_deep
from models.images.preprocessing import CHANNELS, SIZE

LEARNING_RATE = 0.002


def build(classes: int):
    inputs = tf.keras.layers.Input(name=transformed_name(IMAGE_FEATURE), shape=(SIZE, SIZE, CHANNELS))
    x = inputs
    for index, filters in enumerate((16, 32, 64)):
        x = tf.keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv_{index}")(x)
        x = tf.keras.layers.MaxPooling2D(name=f"pool_{index}")(x)
    x = tf.keras.layers.Flatten(name="flatten")(x)
    x = tf.keras.layers.Dropout(0.3, name="dropout")(x)
    x = tf.keras.layers.Dense(64, activation="relu", name="dense_0")(x)
    return wide_and_deep.classifier({transformed_name(IMAGE_FEATURE): inputs}, x, classes, LEARNING_RATE)


def run_fn(fn_args):
    """TFX Trainer entry point."""
    custom = fn_args.custom_config or {}
    classes = [str(c) for c in custom["classes"]]
    trainer.run_network(fn_args, custom["label"], classes, lambda _: build(len(classes)),
                        {"binary_input": IMAGE_FEATURE, "raw_features": {IMAGE_FEATURE: "string"},
                         "required_features": [IMAGE_FEATURE],
                         "importances": {name: 1.0 / len(PIXEL_FEATURES) for name in PIXEL_FEATURES},
                         "importance_method": "the pixel statistics share the image's importance"})
