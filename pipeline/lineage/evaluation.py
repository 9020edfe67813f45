"""Reading what the Evaluator decided: metrics of candidate and baseline, and why a model was declined."""
import json
import os
from typing import Any, Dict, List, Optional, Tuple

import tensorflow_model_analysis as tfma

from core.promotion import PROMOTION_FILE

METRIC_NAMES = {"binary_accuracy": "accuracy", "sparse_categorical_accuracy": "accuracy", "auc": "auc",
                "precision": "precision", "recall": "recall",
                "example_count": "examples", "mean_absolute_error": "mae", "mean_squared_error": "mse",
                "root_mean_squared_error": "rmse", "r2_score": "r2"}


def overall_metrics(evaluation_uri: str) -> Dict[str, Dict[str, float]]:
    """{'candidate': {'accuracy': ..., 'auc': ...}, 'baseline': {...}} on the overall slice."""
    metrics: Dict[str, Dict[str, float]] = {}
    for per_slice in tfma.load_metrics(evaluation_uri):
        if per_slice.slice_key.single_slice_keys:
            continue
        for entry in per_slice.metric_keys_and_values:
            key = entry.key
            if key.is_diff or key.name not in METRIC_NAMES:
                continue
            role = "baseline" if key.model_name == "baseline" else "candidate"
            if entry.value.HasField("double_value"):
                metrics.setdefault(role, {})[METRIC_NAMES[key.name]] = round(entry.value.double_value.value, 4)
    return metrics


def promotion(evaluation_uri: str) -> Optional[Dict[str, Any]]:
    """The promotion rule's verdict (core/promotion.py) when the Evaluator measured it (a baseline existed), else
    None; `decides` says whether it could decline."""
    from tfx.dsl.io import fileio
    path = os.path.join(evaluation_uri, PROMOTION_FILE)
    if not fileio.exists(path):
        return None
    with fileio.open(path) as handle:
        return json.loads(handle.read())


def validation_failures(evaluation_uri: str) -> Tuple[bool, List[str]]:
    """(ok, failures) from the Evaluator's validation result and its promotion rule, each failure in words."""
    result = tfma.load_validation_result(evaluation_uri)
    failures, compared = [], False   # compared: TFMA failed the candidate against the serving model
    for per_slice in result.metric_validations_per_slice:
        for failure in per_slice.failures:
            name = METRIC_NAMES.get(failure.metric_key.name, failure.metric_key.name)
            value = failure.metric_value.double_value.value
            threshold = failure.metric_threshold
            if failure.metric_key.is_diff:
                compared = True
                change = threshold.change_threshold
                if change.HasField("relative"):  # a regression model's error, relative to the serving model's
                    allowed = change.relative.value
                    tolerance = f", {allowed:.1%} more tolerated" if allowed > 1e-6 else ""
                    failures.append(f"{name} {value:+.4f} against the serving model (higher is worse){tolerance}")
                    continue
                allowed = -change.absolute.value
                tolerance = f", {allowed:.4f} tolerated" if allowed > 1e-6 else ""
                failures.append(f"{name} {value:+.4f} against the serving model{tolerance}")
            elif threshold.value_threshold.HasField("upper_bound"):
                failures.append(f"{name} {value:.4f} is above the ceiling "
                                f"{threshold.value_threshold.upper_bound.value:.4f}")
            else:
                failures.append(f"{name} {value:.4f} is below the floor "
                                f"{threshold.value_threshold.lower_bound.value:.4f}")
    verdict = promotion(evaluation_uri)
    if verdict and verdict.get("declines", verdict.get("decides", True) and not verdict["proven"]) and \
            not (compared and not verdict.get("decides", True)):  # the point estimate's failure, said by TFMA already
        failures.append(verdict["description"])
    return result.validation_ok and not failures, failures
