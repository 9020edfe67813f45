"""Executor of CalibratedTrainer: TFX's GenericExecutor, then the model info's calibration onto the artifact."""
from typing import Any, Dict

from tfx.components.trainer import executor as trainer_executor
from tfx.types import artifact_utils
from tfx.utils import path_utils

from core.contract import read_model_info


def calibration_properties(info: Dict[str, Any]) -> Dict[str, Any]:
    """{custom property: value} of a model info's calibration (empty when the package recorded none)."""
    calibration = info.get("calibration") or {}
    if calibration.get("ece_before") is None:
        return {}
    return {"calibrated": int(bool(calibration.get("calibrated"))), "ece_before": float(calibration["ece_before"]),
            "ece_after": float(calibration["ece_after"]), "calibration_rows": int(calibration.get("rows", 0)),
            "calibration_out_of_fold_rows": int(calibration.get("out_of_fold_rows", 0))}


class Executor(trainer_executor.GenericExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        super().Do(input_dict, output_dict, exec_properties)
        model = artifact_utils.get_single_instance(output_dict["model"])
        try:
            info = read_model_info(path_utils.serving_model_path(model.uri))
        except FileNotFoundError:
            return    # a package that writes no model info: TFX's Trainer as it is
        for name, value in calibration_properties(info).items():
            if isinstance(value, float):
                model.set_float_custom_property(name, value)
            else:
                model.set_int_custom_property(name, value)
