"""Executor of CalibratedTrainer: TFX's GenericExecutor, then the model info's calibration, hyperparameters and
label scale onto the artifact."""
import json
from typing import Any, Dict

from tfx.components.trainer import executor as trainer_executor
from tfx.types import artifact_utils
from tfx.utils import path_utils

from core.contract import read_model_info
from core.hyperparameters import INFO_KEY as HYPERPARAMETERS
from core.label_scale import INFO_KEY as LABEL_SCALE


def calibration_properties(info: Dict[str, Any]) -> Dict[str, Any]:
    """{custom property: value} of a model info's calibration (empty when the package recorded none)."""
    calibration = info.get("calibration") or {}
    if calibration.get("ece_before") is None:
        return {}
    return {"calibrated": int(bool(calibration.get("calibrated"))), "ece_before": float(calibration["ece_before"]),
            "ece_after": float(calibration["ece_after"]), "calibration_rows": int(calibration.get("rows", 0)),
            "calibration_out_of_fold_rows": int(calibration.get("out_of_fold_rows", 0))}


def hyperparameter_properties(info: Dict[str, Any]) -> Dict[str, Any]:
    """{custom property: value} of the hyperparameters the trees grew with (core/hyperparameters.py): the whole
    choice as JSON, and whether this training searched them (empty when no search ever chose any)."""
    chosen = info.get(HYPERPARAMETERS)
    if not chosen:
        return {}
    return {HYPERPARAMETERS: json.dumps(chosen, sort_keys=True),
            "hyperparameters_searched": int(bool(chosen.get("searched")))}


def label_scale_properties(info: Dict[str, Any]) -> Dict[str, Any]:
    """{custom property: value} of the scale a regression label was trained on (core/label_scale.py): the scale,
    and the whole choice as JSON (empty for a model that recorded none: a classifier, or trained before)."""
    chosen = info.get(LABEL_SCALE)
    if not chosen:
        return {}
    return {LABEL_SCALE: str(chosen.get("scale")), "label_scale_choice": json.dumps(chosen, sort_keys=True)}


class Executor(trainer_executor.GenericExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        super().Do(input_dict, output_dict, exec_properties)
        model = artifact_utils.get_single_instance(output_dict["model"])
        try:
            info = read_model_info(path_utils.serving_model_path(model.uri))
        except FileNotFoundError:
            return    # a package that writes no model info: TFX's Trainer as it is
        for name, value in {**calibration_properties(info), **hyperparameter_properties(info),
                            **label_scale_properties(info)}.items():
            if isinstance(value, float):
                model.set_float_custom_property(name, value)
            elif isinstance(value, str):
                model.set_string_custom_property(name, value)
            else:
                model.set_int_custom_property(name, value)
