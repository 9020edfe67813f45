"""Executor of FeatureImportance."""
import json
from typing import List

import numpy as np
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import path_utils

from components.artifacts import holdout_examples, write_report
from core import importance
from core.contract import model_classes, read_model_info
from core.drift import distributions


def holdout_answers(outputs: np.ndarray, classes: List[str]) -> dict:
    """The model's answers on the holdout as a distribution (core/drift/distributions.py): its predicted classes,
    or, for a regression model, its predicted values; {} for no rows."""
    if not len(outputs):
        return {}
    if classes:
        found = distributions.categorical_from_values([classes[i] for i in importance.predicted_classes(outputs)])
    else:
        found = distributions.numeric_from_values(np.asarray(outputs, dtype=float).reshape(-1))
    return distributions.to_dict(found) if found is not None else {}


def measure(model_path: str, examples_artifacts, splits: List[str], limit: int) -> dict:
    info = read_model_info(model_path)
    examples = holdout_examples(examples_artifacts, splits, limit)
    loaded = []

    def predict(serialized):
        if not loaded:  # through the serving signature, as the model will answer batches
            from serving.model import recent_model
            loaded.append(recent_model(model_path))
        return np.array(loaded[0].predict_serialized(serialized))

    answers = holdout_answers(predict([e.SerializeToString() for e in examples]) if examples else np.zeros(0),
                              model_classes(info))
    recorded = importance.from_model_info(info)
    if recorded is not None:
        return {"importances": recorded, "method": info.get("importance_method") or "recorded by the model",
                "holdout_answers": answers}
    features = sorted(info["raw_features"])
    measured = importance.permutation_importance(examples, predict, info["label"], model_classes(info), features)
    metric = "accuracy" if model_classes(info) else "MAE"
    if not measured["importances"]:  # no shuffle made the model worse: nothing to prefer, every feature weighs the same
        measured["importances"] = importance.shares({name: 1.0 for name in features})
        return {**measured, "method": f"uniform: no feature's permutation worsened the holdout {metric}",
                "holdout_answers": answers}
    return {**measured, "method": "permutation on the holdout (accuracy lost)" if metric == "accuracy"
            else "permutation on the holdout (MAE added)", "holdout_answers": answers}


class Executor(base_executor.BaseExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        model = artifact_utils.get_single_instance(input_dict["model"])
        model_path = path_utils.serving_model_path(model.uri, path_utils.is_old_model_artifact(model))
        result = measure(model_path, input_dict["examples"], json.loads(exec_properties["splits"]),
                         int(exec_properties["max_rows"]))
        artifact = artifact_utils.get_single_instance(output_dict["importances"])
        ranked = sorted(result["importances"].items(), key=lambda item: -item[1])
        artifact.method = result["method"]
        artifact.top_features = ",".join(name for name, _ in ranked[:5])
        write_report(artifact, result)
