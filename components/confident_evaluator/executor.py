"""Executor of ConfidentEvaluator: TFX's Evaluator executor, then the promotion rule on the paired accuracy gain
(regression: the paired reduction of the absolute error, as a share of the serving model's MAE)."""
import json
import os

import numpy as np
from tfx.components.evaluator import constants
from tfx.components.evaluator import executor as evaluator_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils
from tfx.utils import path_utils

from components.artifacts import holdout_examples
from core import importance
from core.contract import is_regression, model_classes, read_model_info
from core.promotion import PROMOTION_FILE, REPORTED_CONFIDENCE, Promotion, paired_gain

MAX_ROWS = 200_000   # the holdout rows both models answer (a holdout is a few test splits: far fewer)


def model_path(artifact) -> str:
    return path_utils.serving_model_path(artifact.uri, path_utils.is_old_model_artifact(artifact))


def rows_right(path: str, serialized, labels: np.ndarray) -> np.ndarray:
    """Which rows the model at `path` classifies correctly, through its serving signature."""
    from serving.model import recent_model
    model = recent_model(path)
    return importance.predicted_classes(np.array(model.predict_serialized(serialized))) == labels


def absolute_errors(path: str, serialized, labels: np.ndarray) -> np.ndarray:
    """Each row's |prediction - label| for the regression model at `path`."""
    from serving.model import recent_model
    model = recent_model(path)
    return np.abs(np.array(model.predict_serialized(serialized)).reshape(-1) - labels)


def judge(candidate: str, baseline: str, examples, confidence: float, min_gain: float,
          max_drop: float = 0.0) -> Promotion:
    """The candidate's accuracy gain over the serving model on the holdout rows with a class label; confidence 0
    measures it at REPORTED_CONFIDENCE, and only a gain not above -max_drop declines."""
    info = read_model_info(candidate)
    if is_regression(info):
        return judge_regression(candidate, baseline, examples, info["label"], confidence, min_gain, max_drop)
    labels = importance.label_indices(examples, info["label"], model_classes(info))
    kept = [example.SerializeToString() for example, label in zip(examples, labels) if label >= 0]
    labels = labels[labels >= 0]
    return paired_gain(rows_right(candidate, kept, labels), rows_right(baseline, kept, labels),
                       confidence or REPORTED_CONFIDENCE, min_gain, decides=bool(confidence), max_drop=max_drop)


def judge_regression(candidate: str, baseline: str, examples, label: str, confidence: float, min_gain: float,
                     max_drop: float) -> Promotion:
    """Per row, how much less the candidate errs than the serving model, in shares of the serving model's MAE:
    the mean is the relative MAE reduction, and min_gain and max_drop keep their meaning as shares."""
    labels = importance.label_values(examples, label)
    kept = [example.SerializeToString() for example, value in zip(examples, labels) if np.isfinite(value)]
    labels = labels[np.isfinite(labels)]
    candidate_errors = absolute_errors(candidate, kept, labels)
    baseline_errors = absolute_errors(baseline, kept, labels)
    scale = float(baseline_errors.mean()) if len(labels) and baseline_errors.mean() > 0 else 1.0
    return paired_gain(-candidate_errors / scale, -baseline_errors / scale, confidence or REPORTED_CONFIDENCE,
                       min_gain, metric="relative MAE reduction", decides=bool(confidence), max_drop=max_drop)


def decline(blessing) -> None:
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
        max_drop = float(exec_properties.pop("max_accuracy_drop", 0.0) or 0.0)
        splits = json.loads(exec_properties.get("example_splits") or "null") or ["eval"]
        super().Do(input_dict, output_dict, exec_properties)
        if not input_dict.get("baseline_model"):
            return
        evaluation = artifact_utils.get_single_instance(output_dict["evaluation"])
        blessing = artifact_utils.get_single_instance(output_dict["blessing"])
        examples = holdout_examples(input_dict["examples"], splits, MAX_ROWS)
        promotion = judge(model_path(artifact_utils.get_single_instance(input_dict["model"])),
                          model_path(artifact_utils.get_single_instance(input_dict["baseline_model"])),
                          examples, confidence, min_gain, max_drop)
        with fileio.open(os.path.join(evaluation.uri, PROMOTION_FILE), "w") as handle:
            handle.write(json.dumps(promotion.to_dict()))
        blessing.set_float_custom_property("accuracy_gain", promotion.gain)
        blessing.set_float_custom_property("accuracy_gain_lower", promotion.lower)
        blessing.set_int_custom_property("proven_better", int(promotion.proven))
        if promotion.declines and blessing.get_int_custom_property(constants.ARTIFACT_PROPERTY_BLESSED_KEY):
            decline(blessing)
