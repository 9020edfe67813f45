"""Executor of PerformanceEvaluator: a Beam pipeline over the prediction shards, joined with a labels file, and
the confidence-based estimate over all of them."""
import json
import os
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import apache_beam as beam
from tfx.dsl.components.base import base_beam_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils

from components.artifacts import read_report, write_report
from components.performance_evaluator.metrics import (ErrorEstimationCombine, EstimationCombine, Metrics, MetricsCombine,
                                                      RegressionMetrics)
from core.config import LOWER_IS_BETTER
from core.contract import DEFAULT_CLASSES
from core.estimation import ErrorModel
from core.data.batches import Batch
from core.data.predictions import PREDICTIONS_PREFIX
from core.errors import BatchError


def relative_drop(value: float, reference: float, metric: str = "accuracy") -> Optional[float]:
    """How much worse than the reference a value is, as a share of the reference (negative: better): below it, or
    for an error metric (mae, rmse) above it."""
    if not reference:
        return None
    return (value - reference) / reference if metric in LOWER_IS_BETTER else (reference - value) / reference


def decide(values: Dict[str, float], rule: "Rule") -> Tuple[Optional[bool], str]:
    """Whether the performance rule asks for retraining, and why (naming the values it compared)."""
    metric = rule.metric
    if metric not in values:
        return None, f"{metric} is undefined on this batch; no performance decision"
    value = values[metric]
    fired, said = False, []
    drop = relative_drop(value, rule.reference, metric)
    worse = "above" if metric in LOWER_IS_BETTER else "below"
    if drop is not None:
        comparison = (f"{metric} {value:.3f} is {drop:.1%} {worse} the serving model's {rule.reference:.3f} on its "
                      f"holdout" if drop > 0 else f"{metric} {value:.3f} is not {worse} the serving model's "
                      f"{rule.reference:.3f} on its holdout")
        fired = drop > rule.max_drop
        said.append(f"{comparison} (max drop {rule.max_drop:.0%})")
    if rule.threshold:
        crossed = value > rule.threshold if metric in LOWER_IS_BETTER else value < rule.threshold
        fired = fired or crossed
        sign = ('>' if crossed else '<=') if metric in LOWER_IS_BETTER else ('<' if crossed else '>=')
        said.append(f"{metric} {value:.3f} {sign} threshold {rule.threshold:.2f}")
    if not said:
        return None, f"{metric} {value:.3f}; no reference or threshold to judge it by"
    return fired, "; ".join(said)


@dataclass(frozen=True)
class Rule:
    metric: str
    threshold: float = 0.0      # absolute floor, 0 = off
    reference: float = 0.0      # the serving model's value on its own holdout when pushed, 0 = unknown
    max_drop: float = 0.0       # relative drop below the reference that fires
    estimated_max_drop: float = 0.0   # the same, for the estimate of a batch without labels; 0 = off


NO_LABELS = "no ground truth yet"


def describe_estimate(estimated: Dict[str, Any], metric: str) -> str:
    band = (f" (band {estimated[metric + '_low']:.3f}-{estimated[metric + '_high']:.3f})"
            if f"{metric}_low" in estimated else "")
    calibrated = ", uncalibrated" if estimated.get("calibrated") is False else ""
    return f"estimated {metric} {estimated[metric]:.3f}{band}{calibrated}"


def decide_on_estimate(estimated: Dict[str, Any], rule: Rule) -> Tuple[Optional[bool], str]:
    """The rule on the estimate, for a batch without labels: fire when the estimate is more than
    `estimated_max_drop` worse than the reference and its band (accuracy's, a regression model's MAE's), when it
    has one, excludes the reference."""
    metric = rule.metric
    if metric not in estimated:
        return None, NO_LABELS
    said = describe_estimate(estimated, metric)
    drop = relative_drop(estimated[metric], rule.reference, metric)
    if drop is None or not rule.estimated_max_drop:
        return None, f"{NO_LABELS}; {said}"
    lower_is_better = metric in LOWER_IS_BETTER
    banded = f"{metric}_low" in estimated
    excluded = (not banded or (estimated[f"{metric}_low"] > rule.reference if lower_is_better
                               else estimated[f"{metric}_high"] < rule.reference))
    fired = drop > rule.estimated_max_drop and excluded
    worse = "above" if lower_is_better else "below"
    comparison = (f"{drop:.1%} {worse}" if drop > 0 else f"not {worse}") + \
        f" the serving model's {rule.reference:.3f} on its holdout"
    band = ("" if not banded else "; the band excludes it" if excluded else "; the band holds it")
    return fired, (f"{NO_LABELS}; {said} is {comparison}{band} "
                   f"(estimated max drop {rule.estimated_max_drop:.0%})")


def report_of(metrics: Metrics, instances: int, metric_names: Sequence[str], rule: Rule,
              estimated: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The batch's report: realized metrics and the rule's decision when labeled; the estimate always (when the
    batch has rows), and the rule on it when not labeled. Realized metrics are the authority once they exist."""
    estimated = estimated or {}
    report: Dict[str, Any] = {"instances": instances, "labeled_instances": metrics.count,
                              "threshold_metric": rule.metric, "threshold": rule.threshold,
                              "reference": rule.reference, "max_drop": rule.max_drop,
                              "estimated_max_drop": rule.estimated_max_drop, "drop": None, "metrics": {},
                              "estimated": estimated}
    if estimated and rule.metric in estimated:
        estimated["drop"] = relative_drop(estimated[rule.metric], rule.reference, rule.metric)
    if not metrics.count:
        retrain, reason = decide_on_estimate(estimated, rule)
        report.update(labeled=False, retrain=retrain, reason=reason)
        return report
    report["metrics"] = metrics.results(list(dict.fromkeys(list(metric_names) + [rule.metric])))
    if rule.metric in report["metrics"]:
        report["drop"] = relative_drop(report["metrics"][rule.metric], rule.reference, rule.metric)
    retrain, reason = decide(report["metrics"], rule)
    report.update(labeled=True, retrain=retrain, reason=reason)
    return report


ESTIMATED_PROPERTIES = ("accuracy", "accuracy_low", "accuracy_high", "auc", "mae", "mae_low", "mae_high", "rmse")


def estimate_properties(estimated: Dict[str, Any]) -> Dict[str, float]:
    """{estimated_<metric>: value} for ML Metadata: the estimate, its band, and whether it was calibrated."""
    properties = {f"estimated_{name}": float(value) for name, value in estimated.items()
                  if name in ESTIMATED_PROPERTIES}
    if properties and "calibrated" in estimated:
        properties["estimated_calibrated"] = float(bool(estimated.get("calibrated")))
    return properties


def labels_of(listing: Dict[str, Any]) -> Iterator[Tuple[str, Optional[str]]]:
    """(instance id, label) from the batch's labels file, streamed."""
    batch = Batch(listing["uri"], label=listing["label"], labels_file=os.path.basename(listing["labels_file"]))
    return batch.iter_labels_file({entry["name"]: entry["instances"] for entry in listing["files"]})


def join_label(item, labels_file: str):
    """One instance's prediction with the label the labels file gives it; an id without a prediction is an error."""
    instance_id, grouped = item
    predictions, labels = list(grouped["prediction"]), list(grouped["label"])
    if not predictions:
        raise BatchError(f"{labels_file} names unknown instance {instance_id!r}")
    label = next((value for value in labels if value is not None), None)
    if label is not None:
        yield {**predictions[0], "label": label}


def write_metrics(metrics, path: str) -> None:
    with fileio.open(path, "w") as handle:
        if isinstance(metrics, RegressionMetrics):
            handle.write(json.dumps(metrics.to_dict()))
            return
        handle.write(json.dumps({"classes": metrics.classes, "count": metrics.count,
                                 "log_loss_sum": metrics.log_loss_sum,
                                 "pairs": [[label, predicted, count] for (label, predicted), count in
                                           metrics.pairs.items()],
                                 "histograms": {str(k): v for k, v in metrics.histograms.items()}}))


def read_metrics(path: str):
    with fileio.open(path) as handle:
        values = json.loads(handle.read())
    if values.pop("task", None) == "regression":
        return RegressionMetrics(**values)
    return Metrics(values["classes"], {(label, predicted): count for label, predicted, count in values["pairs"]},
                   {key == "True": bins for key, bins in values["histograms"].items()}, values["log_loss_sum"],
                   values["count"])


def predicting_model(predictions_uri: str) -> Dict[str, Any]:
    """BatchPredictionGen's model.json: the version, classes and calibration of the model that predicted."""
    path = os.path.join(predictions_uri, "model.json")
    if not fileio.exists(path):
        return {}
    with fileio.open(path) as handle:
        return json.loads(handle.read())


def write_estimate(sums, path: str, calibration: Optional[Dict[str, Any]]) -> None:
    """The estimate, its band widened by the size of the holdout the calibration was judged on: raw
    probabilities that were kept as they are carry that holdout's sampling error just as well."""
    calibrated = bool(calibration and calibration.get("thresholds"))
    reference_rows = int((calibration or {}).get("rows") or 0)
    write_json({**sums.results(reference_rows=reference_rows), "calibrated": calibrated} if sums.rows else {}, path)


def write_error_estimate(sums, path: str, error_model: Dict[str, Any]) -> None:
    """A regression model's estimated MAE (with its band) and RMSE, and how many bins of predicted values its
    error model has (1: the holdout's own error, the predictions' place not telling)."""
    model = ErrorModel.from_dict(error_model)
    write_json({**sums.results(model), "error_bins": len(model.counts)} if sums.rows else {}, path)


def write_json(values: Dict[str, Any], path: str) -> None:
    with fileio.open(path, "w") as handle:
        handle.write(json.dumps(values))


def read_estimate(path: str) -> Dict[str, Any]:
    with fileio.open(path) as handle:
        return json.loads(handle.read())


class Executor(base_beam_executor.BaseBeamExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        listing = read_report(artifact_utils.get_single_instance(input_dict["file_list"]))
        predictions = artifact_utils.get_single_instance(input_dict["predictions"])
        artifact = artifact_utils.get_single_instance(output_dict["performance"])
        fileio.makedirs(artifact.uri)
        metrics_path = os.path.join(artifact.uri, "metrics.json")
        estimate_path = os.path.join(artifact.uri, "estimate.json")
        model = predicting_model(predictions.uri)
        regression = model.get("task") == "regression"
        classes = [] if regression else model.get("classes") or list(DEFAULT_CLASSES)
        calibration = model.get("calibration")
        labels_file = listing.get("labels_file") if not listing.get("inline_labels") else None
        with self._make_beam_pipeline() as pipeline:
            records = (pipeline
                       | "Predictions" >> beam.io.ReadFromText(os.path.join(predictions.uri, f"{PREDICTIONS_PREFIX}*"))
                       | "Parse" >> beam.Map(json.loads))
            if regression and (calibration or {}).get("error_model"):
                _ = (records
                     | "Estimate" >> beam.CombineGlobally(ErrorEstimationCombine(calibration))
                     | "WriteEstimate" >> beam.Map(write_error_estimate, estimate_path, calibration))
            elif regression:  # a model exported without an error model: nothing to estimate from
                _ = (pipeline | "NoEstimate" >> beam.Create([None])
                     | "WriteEstimate" >> beam.Map(lambda _: write_json({}, estimate_path)))
            else:
                _ = (records
                     | "Estimate" >> beam.CombineGlobally(EstimationCombine(classes, calibration))
                     | "WriteEstimate" >> beam.Map(write_estimate, estimate_path, calibration))
            if labels_file:
                labels = (pipeline
                          | "LabelsFile" >> beam.Create([listing])
                          | "Labels" >> beam.FlatMap(labels_of))
                labeled = ({"prediction": records | "ById" >> beam.Map(lambda r: (r["instance_id"], r)),
                            "label": labels}
                           | "Join" >> beam.CoGroupByKey()
                           | "WithLabel" >> beam.FlatMap(join_label, os.path.basename(labels_file)))
            else:
                labeled = records | "Labeled" >> beam.Filter(lambda r: r.get("label") is not None)
            _ = (labeled
                 | "Metrics" >> beam.CombineGlobally(MetricsCombine(classes))
                 | "Write" >> beam.Map(write_metrics, metrics_path))
        rule = Rule(exec_properties["threshold_metric"], float(exec_properties.get("threshold") or 0.0),
                    float(exec_properties.get("reference") or 0.0), float(exec_properties.get("max_drop") or 0.0),
                    float(exec_properties.get("estimated_max_drop") or 0.0))
        report = report_of(read_metrics(metrics_path), int(listing.get("num_instances", 0)),
                           json.loads(exec_properties["metrics"]), rule, read_estimate(estimate_path))
        report.update(batch=listing["batch"], model_version=predictions.model_version, classes=classes)
        artifact.batch = listing["batch"]
        artifact.labeled = int(report["labeled"])
        artifact.retrain = -1 if report["retrain"] is None else int(report["retrain"])
        artifact.reason = report["reason"]
        for name, value in report["metrics"].items():
            artifact.set_float_custom_property(name, value)
        for name, value in estimate_properties(report["estimated"]).items():
            artifact.set_float_custom_property(name, value)
        write_report(artifact, report)
