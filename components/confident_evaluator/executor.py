"""Executor of ConfidentEvaluator: TFX's Evaluator executor, then the promotion rule on the accuracy gain."""
import json
import os
from typing import Optional

from tfx.components.evaluator import constants
from tfx.components.evaluator import executor as evaluator_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils

from core.promotion import PROMOTION_FILE, Promotion

ACCURACY_METRICS = ("binary_accuracy", "sparse_categorical_accuracy")


def accuracy_gain(metrics_for_slices, confidence: float, min_gain: float) -> Optional[Promotion]:
    """The overall slice's accuracy difference (candidate minus baseline) with its standard error, or None when
    the evaluation holds no difference (no baseline)."""
    for per_slice in metrics_for_slices:
        if per_slice.slice_key.single_slice_keys:
            continue
        for entry in per_slice.metric_keys_and_values:
            if entry.key.is_diff and entry.key.name in ACCURACY_METRICS:
                interval = entry.confidence_interval
                has_interval = interval.HasField("standard_error")
                return Promotion(
                    "accuracy", gain=entry.value.double_value.value,
                    standard_error=interval.standard_error.double_value.value if has_interval else 0.0,
                    degrees_of_freedom=int(interval.degrees_of_freedom.value) if has_interval else 0,
                    confidence=confidence, min_gain=min_gain)
    return None


def decline(blessing, promotion: Promotion) -> None:
    """Turns a TFMA blessing into a refusal: the NOT_BLESSED file and property, as TFX's executor writes them."""
    blessed = os.path.join(blessing.uri, constants.BLESSED_FILE_NAME)
    if fileio.exists(blessed):
        fileio.remove(blessed)
    with fileio.open(os.path.join(blessing.uri, constants.NOT_BLESSED_FILE_NAME), "w") as handle:
        handle.write("")
    blessing.set_int_custom_property(constants.ARTIFACT_PROPERTY_BLESSED_KEY, constants.NOT_BLESSED_VALUE)


class Executor(evaluator_executor.Executor):

    def Do(self, input_dict, output_dict, exec_properties):
        confidence = float(exec_properties.pop("confidence", 0.0) or 0.0)
        min_gain = float(exec_properties.pop("min_gain", 0.0) or 0.0)
        super().Do(input_dict, output_dict, exec_properties)
        if not confidence or not input_dict.get("baseline_model"):
            return
        import tensorflow_model_analysis as tfma
        evaluation = artifact_utils.get_single_instance(output_dict["evaluation"])
        blessing = artifact_utils.get_single_instance(output_dict["blessing"])
        promotion = accuracy_gain(tfma.load_metrics(evaluation.uri), confidence, min_gain)
        if promotion is None:
            return
        with fileio.open(os.path.join(evaluation.uri, PROMOTION_FILE), "w") as handle:
            handle.write(json.dumps(promotion.to_dict()))
        blessing.set_float_custom_property("accuracy_gain", promotion.gain)
        blessing.set_float_custom_property("accuracy_gain_lower", promotion.lower)
        blessing.set_int_custom_property("proven_better", int(promotion.proven))
        if not promotion.proven and blessing.get_int_custom_property(constants.ARTIFACT_PROPERTY_BLESSED_KEY):
            decline(blessing, promotion)
