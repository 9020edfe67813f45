"""What every Keras model package of adapt shares: its input datasets, and exporting it as the contract says.

The exported SavedModel has two signatures, both taking serialized tf.Examples
(`examples`):

- `serving_default` -> {"outputs": class probabilities}, [N, 1] for a binary
  model (P of the second class) or [N, classes]: TF Serving, TFMA, batch
  prediction and adapt's model server call it;
- `transform_features` -> the Transform outputs, label included: TFMA reads
  the class index of each example through it.

The model info file beside it (core/contract.py) names the label, the classes,
the raw feature types, which turn JSON requests and CSV rows into tf.Examples,
the features every request must carry (the kept schema's `adapt:required`),
and how well calibrated the model's probabilities are on the holdout; the
calibration file holds the isotonic maps that repair them, when they do
(core/estimation.py), for estimating accuracy before labels arrive; for a
regression model it holds the error model by which its MAE is estimated.
"""
from typing import Any, Dict, Optional, Tuple, Union

import numpy as np
import tensorflow as tf
from tfx_bsl.public import tfxio

from core.contract import (OUTPUT_KEY, SIGNATURE_INPUT, SIGNATURE_NAME, TRANSFORM_SIGNATURE, write_calibration,
                           write_model_info)
from core.data.schema import required_features, schema_version
from core.error_estimation import ErrorModel, fit_error_model
from core.estimation import Calibrator, fit_calibrator

_TYPE_NAMES = {tf.int64: "int", tf.float32: "float", tf.string: "string"}


def input_fn(file_pattern, data_accessor, tf_transform_output, batch_size: int, label_key: str,
             epochs: Optional[int] = None):
    """(features, label) batches of the raw examples through Transform's graph: repeated and shuffled, or
    `epochs` passes in order.

    Transform does not write its output (the pipeline's Transform only analyzes the window: writing every
    span's transformed copy was most of its time), so the Trainer applies the graph as it reads, as serving does.
    """
    options = (tfxio.TensorFlowDatasetOptions(batch_size=batch_size, num_epochs=epochs, shuffle=False) if epochs
               else tfxio.TensorFlowDatasetOptions(batch_size=batch_size))
    raw = data_accessor.tf_dataset_factory(file_pattern, options, tf_transform_output.raw_metadata.schema)
    transform = tf_transform_output.transform_features_layer()

    @tf.autograph.experimental.do_not_convert  # straight-line: converting tf.Transform's code costs seconds
    def transformed(features):
        outputs = dict(transform(features))
        return outputs, outputs.pop(label_key)

    dataset = raw.map(transformed, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset if epochs else dataset.repeat()


def raw_feature_types(tf_transform_output, label: str) -> Dict[str, str]:
    """{feature: 'int' | 'float' | 'string'} for every raw serving feature (label excluded)."""
    spec = tf_transform_output.raw_feature_spec()
    return {key: _TYPE_NAMES[value.dtype] for key, value in sorted(spec.items()) if key != label}


def signatures(model, tf_transform_output, label: str, predict: Optional[Any] = None) -> Dict[str, Any]:
    """The two exported signatures. `predict(transformed features)` defaults to calling the model."""
    model.tft_layer_inference = tf_transform_output.transform_features_layer()
    model.tft_layer_eval = tf_transform_output.transform_features_layer()
    predict = predict or model

    raw_spec = tf_transform_output.raw_feature_spec()
    request_spec = {key: value for key, value in raw_spec.items() if key != label}

    # Straight-line bodies: AutoGraph has nothing to convert in them, yet left on it converts, from source, all of
    # tf.Transform's code they call (seconds of each export).
    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name=SIGNATURE_INPUT)],
                 autograph=False)
    def serve(serialized):
        transformed = model.tft_layer_inference(tf.io.parse_example(serialized, request_spec))
        return {OUTPUT_KEY: predict(transformed)}

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name=SIGNATURE_INPUT)],
                 autograph=False)
    def transform_features(serialized):
        return model.tft_layer_eval(tf.io.parse_example(serialized, raw_spec))

    return {SIGNATURE_NAME: serve, TRANSFORM_SIGNATURE: transform_features}


def holdout_outputs(predict, holdout) -> Tuple[np.ndarray, np.ndarray]:
    """(outputs of `predict(transformed features)`, class indices) over a (features, class index) dataset."""
    outputs, labels = [], []
    for features, label in holdout:
        outputs.append(np.asarray(predict(features)))
        labels.append(np.asarray(label).reshape(-1))
    if not outputs:
        return np.zeros((0, 1)), np.zeros(0, dtype=int)
    return np.concatenate(outputs), np.concatenate(labels)


def calibrate(outputs: np.ndarray, labels: np.ndarray, regression: bool = False) -> Union[Calibrator, ErrorModel]:
    """What estimates the model's performance before labels arrive: a classifier's calibration maps, or a
    regression model's error model (core/estimation.py). The rows are put in one order first, so that the maps
    depend on the rows and not on the order TFX read them in (the fits' random splits are by position). Rows
    tied on (label, output) are alike to the fits, so the order among them does not matter; rounding the outputs
    first would tie rows that are not alike and leave them in the order they were read."""
    outputs, labels = np.asarray(outputs), np.asarray(labels)
    if len(labels):
        by_column = np.asarray(outputs, dtype=float).reshape(len(labels), -1)
        order = np.lexsort([*by_column.T[::-1], labels])
        outputs, labels = outputs[order], labels[order]
    if regression:
        return fit_error_model(outputs, labels)
    return fit_calibrator(outputs, labels) if len(labels) else Calibrator()


def export(model, serving_model_dir: str, tf_transform_output, label: str, info: Dict[str, Any],
           predict: Optional[Any] = None, calibrator: Optional[Union[Calibrator, ErrorModel]] = None) -> None:
    """Saves the SavedModel with adapt's signatures and writes the model info file beside it, and, given one,
    the model's calibration (a regression model's error model)."""
    model.save(serving_model_dir, save_format="tf", signatures=signatures(model, tf_transform_output, label, predict))
    contract = tf_transform_output.raw_metadata.schema   # the kept schema the model was trained under
    required = [name for name in required_features(contract) if name != label]
    extra = {}
    if calibrator is not None:
        write_calibration(serving_model_dir, calibrator.to_dict())
        extra["error_model" if isinstance(calibrator, ErrorModel) else "calibration"] = calibrator.summary()
    write_model_info(serving_model_dir, {"label": label, "raw_features": raw_feature_types(tf_transform_output, label),
                                         "required_features": required, "schema_version": schema_version(contract),
                                         **info, **extra})
