"""Executor of PerformanceEvaluator."""
import json
import math
import os
from typing import Any, Dict, List, Optional, Sequence

from sklearn import metrics as sk_metrics
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from components.artifacts import read_report, write_report
from core.data.batches import Batch
from core.data.predictions import read_predictions


def compute_metrics(labels: Sequence[int], scores: Sequence[float], names: Sequence[str]) -> Dict[str, float]:
    predicted = [int(s >= 0.5) for s in scores]
    values: Dict[str, Optional[float]] = {}
    for name in names:
        if name == "accuracy":
            values[name] = sk_metrics.accuracy_score(labels, predicted)
        elif name == "precision":
            values[name] = sk_metrics.precision_score(labels, predicted, zero_division=0)
        elif name == "recall":
            values[name] = sk_metrics.recall_score(labels, predicted, zero_division=0)
        elif name == "auc":
            values[name] = sk_metrics.roc_auc_score(labels, scores) if len(set(labels)) == 2 else None
        elif name == "log_loss":
            values[name] = sk_metrics.log_loss(labels, scores, labels=[0, 1])
    return {k: round(float(v), 4) for k, v in values.items() if v is not None and math.isfinite(v)}


def decide(values: Dict[str, float], metric: str, threshold: float):
    if metric not in values:
        return None, f"{metric} is undefined on this batch; no performance decision"
    value = values[metric]
    if value < threshold:
        return True, f"{metric} {value:.3f} < threshold {threshold:.2f}"
    return False, f"{metric} {value:.3f} >= threshold {threshold:.2f}"


def evaluate(records: List[Dict[str, Any]], metric_names: Sequence[str], threshold_metric: str,
             threshold: float) -> Dict[str, Any]:
    labeled = [r for r in records if r.get("label") is not None]
    report: Dict[str, Any] = {"instances": len(records), "labeled_instances": len(labeled),
                              "threshold_metric": threshold_metric, "threshold": threshold, "metrics": {}}
    if not labeled:
        report.update(labeled=False, retrain=None, reason="no ground truth yet")
        return report
    names = list(dict.fromkeys(list(metric_names) + [threshold_metric]))
    report["metrics"] = compute_metrics([int(r["label"]) for r in labeled], [r["score"] for r in labeled], names)
    retrain, reason = decide(report["metrics"], threshold_metric, threshold)
    report.update(labeled=True, retrain=retrain, reason=reason)
    return report


class Executor(base_executor.BaseExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        listing = read_report(artifact_utils.get_single_instance(input_dict["file_list"]))
        predictions = artifact_utils.get_single_instance(input_dict["predictions"])
        records = read_predictions(predictions.uri)
        if listing.get("labels_file") and not listing["inline_labels"]:
            labels = Batch(listing["uri"], label=listing["label"],
                           labels_file=os.path.basename(listing["labels_file"])).labels_from_file()
            for record in records:
                record["label"] = labels.get(record["instance_id"])
        report = evaluate(records, json.loads(exec_properties["metrics"]), exec_properties["threshold_metric"],
                          float(exec_properties["threshold"]))
        report.update(batch=listing["batch"], model_version=predictions.model_version)
        artifact = artifact_utils.get_single_instance(output_dict["performance"])
        artifact.batch = listing["batch"]
        artifact.labeled = int(report["labeled"])
        artifact.retrain = -1 if report["retrain"] is None else int(report["retrain"])
        artifact.reason = report["reason"]
        for name, value in report["metrics"].items():
            artifact.set_float_custom_property(name, value)
        write_report(artifact, report)
