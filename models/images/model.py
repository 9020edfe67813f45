"""Trainer's run_fn for images: a small convolutional network over Transform's pixels.

Three convolution blocks (16, 32, 64 filters) and a dense layer; one sigmoid
unit for two classes, a softmax otherwise. It trains and warm-starts like the
tabular network (models/wide_and_deep.py: named layers, the Trainer's steps)
and exports with the contract's signatures; its info file says that a
request's instance may be the image alone (`{"b64": ...}`), and that the image
is the one feature a request needs: the pixel statistics in the spans are for
drift, not for the model.
"""
import tensorflow as tf
import tensorflow_transform as tft

from core import faults
from core.contract import transformed_name
from core.data.images import IMAGE_FEATURE
from models import export, wide_and_deep
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
    faults.point("trainer")
    custom = fn_args.custom_config or {}
    label, classes = custom["label"], [str(c) for c in custom["classes"]]
    tf.keras.utils.set_random_seed(int(custom.get("seed", 42)))
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_output)
    label_key = transformed_name(label)
    train_dataset = export.input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output,
                                    wide_and_deep.BATCH_SIZE, label_key)
    eval_dataset = export.input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output,
                                   wide_and_deep.BATCH_SIZE, label_key)
    model = build(len(classes))
    trained = wide_and_deep.train(model, fn_args, train_dataset, eval_dataset)
    export.export(model, fn_args.serving_model_dir, tf_transform_output, label,
                  {**trained, "classes": classes, "kind": "nn", "binary_input": IMAGE_FEATURE,
                   "raw_features": {IMAGE_FEATURE: "string"}, "required_features": [IMAGE_FEATURE]})
