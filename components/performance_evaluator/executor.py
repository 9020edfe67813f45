"""Executor of PerformanceEvaluator: a Beam pipeline over the prediction shards, joined with a labels file, and
the confidence-based estimate over all of them."""
import json
import os
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple

import apache_beam as beam
from tfx.dsl.components.base import base_beam_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils

from components.artifacts import read_report, write_report
from components.performance_evaluator.metrics import (ErrorEstimationCombine, EstimationCombine, Metrics, MetricsCombine,
                                                      RegressionMetrics)
from components.performance_evaluator.partial import LabeledLossesCombine
from core.contract import DEFAULT_CLASSES
from core.error_estimation import ErrorModel
from core.data.batch import Batch
from core.data.predictions import PREDICTIONS_PREFIX
from core.errors import BatchError
from core.estimation import EstimationSums
from core.labeling.estimate import PartialEstimate
from core.labeling.estimators import DEFAULT_ESTIMATOR
from core.labeling.explain import explain_drop
from core.labeling.weights import recorded_inclusion_probabilities
from core.policy.rules import BatchScores, PerformanceSettings, judge, relative_drop


def report_of(metrics: Metrics, instances: int, metric_names: Sequence[str], settings: PerformanceSettings,
              estimated: Optional[Dict[str, Any]] = None, partial: Optional[PartialEstimate] = None,
              realized_shares: Optional[Dict[str, float]] = None) -> Dict[str, Any]:
    """The batch's report: realized metrics when labeled, the estimate always (when the batch has rows), each with
    its drop below the serving model's holdout score, and the performance rule's verdict (core/policy/rules.py).

    A batch labeled on some rows only (`partial`) reports its accuracy (MAE) as the unbiased estimate from them,
    "from N of M rows" with its band; a batch whose metric fell carries the drop split by cause."""
    estimated = estimated or {}
    report: Dict[str, Any] = {"instances": instances, "labeled_instances": metrics.count,
                              "threshold_metric": settings.metric, "threshold": settings.threshold,
                              "reference": settings.reference, "max_drop": settings.max_drop,
                              "estimated_max_drop": settings.estimated_max_drop, "rule": settings.rule,
                              "reference_rows": settings.reference_rows, "drop": None, "metrics": {},
                              "estimated": estimated}
    if estimated and settings.metric in estimated:
        estimated["drop"] = relative_drop(estimated[settings.metric], settings.reference, settings.metric)
    if metrics.count:
        report["metrics"] = metrics.results(list(dict.fromkeys(list(metric_names) + [settings.metric])))
        if partial is not None:
            report["partial"] = partial.to_dict()
            if partial.metric in report["metrics"]:
                report["metrics"][partial.metric] = round(partial.value, 4)
        if settings.metric in report["metrics"]:
            report["drop"] = relative_drop(report["metrics"][settings.metric], settings.reference, settings.metric)
    verdict = judge(BatchScores(report["metrics"], estimated, labeled=bool(metrics.count), rows=metrics.count,
                                spreads=metrics.spreads()), settings)
    report.update(labeled=bool(metrics.count), retrain=verdict.retrain, reason=verdict.reason)
    if partial is not None:
        report["reason"] += f" ({partial.metric} from {partial.labeled_rows} of {partial.rows} rows)"
    explained = drop_explained(report, metrics, settings, partial, realized_shares)
    if explained is not None:
        report["drop_explained"] = explained
    return report


def drop_explained(report: Dict[str, Any], metrics, settings: PerformanceSettings,
                   partial: Optional[PartialEstimate], realized_shares: Optional[Dict[str, float]]):
    """The drop below the reference split into input shift, class shares and the rest (core/labeling/explain.py),
    when the realized metric fell and there is an estimate to split it by; None otherwise. The per-class accuracy
    weighting the class shares is the labeled rows' own (the holdout's is not recorded)."""
    metric, estimated = settings.metric, report["estimated"]
    if not (report.get("drop") or 0) > 0 or metric not in estimated or metric not in ("accuracy", "mae"):
        return None
    realized = report["metrics"][metric]
    errors = {"estimated_error": (estimated[f"{metric}_high"] - estimated[f"{metric}_low"]) / 6
              if f"{metric}_low" in estimated else 0.0}
    if partial is not None:
        errors["realized_error"] = partial.standard_error
    elif metric == "accuracy":
        errors["realized_error"] = (realized * (1 - realized) / metrics.count) ** 0.5
    else:
        errors["realized_error"] = metrics.spreads().get("mae", 0.0) / metrics.count ** 0.5
    if settings.reference_rows and metric == "accuracy":
        errors["reference_error"] = (settings.reference * (1 - settings.reference) / settings.reference_rows) ** 0.5
    classes = {}
    if isinstance(metrics, Metrics) and estimated.get("class_shares"):
        per_class = {}
        for (label, predicted), count in metrics.pairs.items():
            right, total = per_class.get(label, (0, 0))
            per_class[label] = (right + count * (label == predicted), total + count)
        total = sum(n for _, n in per_class.values())
        classes = {"class_accuracy": {label: right / n for label, (right, n) in per_class.items()},
                   "expected_shares": estimated["class_shares"], "labeled_rows": metrics.count,
                   "realized_shares": realized_shares or {label: n / total for label, (_, n) in per_class.items()}}
    return explain_drop(metric, settings.reference, estimated[metric], realized, **errors, **classes).to_dict()


ESTIMATED_PROPERTIES = ("accuracy", "accuracy_low", "accuracy_high", "auc", "mae", "mae_low", "mae_high", "rmse")


def estimate_properties(estimated: Dict[str, Any]) -> Dict[str, float]:
    """{estimated_<metric>: value} for ML Metadata: the estimate, its band, and whether it was calibrated."""
    properties = {f"estimated_{name}": float(value) for name, value in estimated.items()
                  if name in ESTIMATED_PROPERTIES}
    if properties and "calibrated" in estimated:
        properties["estimated_calibrated"] = float(bool(estimated.get("calibrated")))
    return properties


def labels_batch(listing: Dict[str, Any]) -> Batch:
    return Batch(listing["uri"], label=listing["label"], labels_file=os.path.basename(listing["labels_file"]))


def labels_of(listing: Dict[str, Any]) -> Iterator[Tuple[str, Optional[str]]]:
    """(instance id, label) from the batch's labels file, streamed."""
    return labels_batch(listing).iter_labels_file({entry["name"]: entry["instances"] for entry in listing["files"]})


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


def write_estimate(sums, path: str, calibration: Optional[Dict[str, Any]], classes: Sequence[str] = ()) -> None:
    """The estimate, its band widened by the size of the holdout the calibration was judged on: raw
    probabilities that were kept as they are carry that holdout's sampling error just as well; and the class
    shares the calibrated probabilities expect."""
    calibrated = bool(calibration and calibration.get("thresholds"))
    reference_rows = int((calibration or {}).get("rows") or 0)
    shares = {name: round(float(sums.positives[k].sum() / sums.rows), 6) for k, name in enumerate(classes)
              } if sums.rows and len(classes) == sums.classes else {}
    write_json({**sums.results(reference_rows=reference_rows), "calibrated": calibrated, "class_shares": shares}
               if sums.rows else {}, path)


def expected_mean_loss(sums, calibration: Optional[Dict[str, Any]]) -> Optional[float]:
    """The serving model's expected mean loss over the batch (1 - the confidence-based accuracy; a regression
    model's estimated MAE), unrounded: the difference estimator's base. None without an estimate."""
    if sums is None or not sums.rows:
        return None
    if isinstance(sums, EstimationSums):
        return 1.0 - sums.confidence / sums.rows
    return sums.mae(ErrorModel.from_dict(calibration or {})).value


def write_partial(losses, path: str, rows: int, regression: bool, estimator: str = DEFAULT_ESTIMATOR,
                  expected_mean: Optional[float] = None) -> None:
    """The unbiased estimate of a partially labeled batch ({} when fully labeled or unlabeled) by the named
    estimator (core/labeling/estimators.py), and the class shares its labeled rows, weighted, estimate."""
    estimate = losses.estimate(rows, regression, estimator=estimator, expected_mean=expected_mean)
    write_json({} if estimate is None else {"estimate": estimate.to_dict(),
                                            "class_shares": losses.sums(rows).class_shares()}, path)


def read_partial(path: str):
    values = read_estimate(path)
    if not values:
        return None, None
    return PartialEstimate(**values["estimate"]), values["class_shares"] or None


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
        partial_path = os.path.join(artifact.uri, "partial_labels.json")
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
                estimate = records | "Estimate" >> beam.CombineGlobally(ErrorEstimationCombine(calibration))
                _ = estimate | "WriteEstimate" >> beam.Map(write_error_estimate, estimate_path, calibration)
            elif regression:  # a model exported without an error model: nothing to estimate from
                estimate = pipeline | "NoEstimate" >> beam.Create([None])
                _ = estimate | "WriteEstimate" >> beam.Map(lambda _: write_json({}, estimate_path))
            else:
                estimate = records | "Estimate" >> beam.CombineGlobally(EstimationCombine(classes, calibration))
                _ = estimate | "WriteEstimate" >> beam.Map(write_estimate, estimate_path, calibration, classes)
            expected_mean = estimate | "ExpectedLoss" >> beam.Map(expected_mean_loss, calibration)
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
            probabilities = recorded_inclusion_probabilities(labels_batch(listing)) if labels_file else {}
            _ = (labeled
                 | "LabeledLosses" >> beam.CombineGlobally(LabeledLossesCombine(regression, probabilities, calibration))
                 | "WritePartial" >> beam.Map(write_partial, partial_path, int(listing.get("num_instances", 0)),
                                              regression, exec_properties.get("label_estimator") or DEFAULT_ESTIMATOR,
                                              beam.pvalue.AsSingleton(expected_mean)))
        settings = PerformanceSettings(exec_properties["threshold_metric"],
                                       float(exec_properties.get("threshold") or 0.0),
                                       float(exec_properties.get("reference") or 0.0),
                                       float(exec_properties.get("max_drop") or 0.0),
                                       float(exec_properties.get("estimated_max_drop") or 0.0),
                                       rule=exec_properties.get("rule") or PerformanceSettings.rule,
                                       reference_rows=int(exec_properties.get("reference_rows") or 0),
                                       false_alarm_rate=float(exec_properties.get("false_alarm_rate") or
                                                              PerformanceSettings.false_alarm_rate))
        partial, realized_shares = read_partial(partial_path)
        report = report_of(read_metrics(metrics_path), int(listing.get("num_instances", 0)),
                           json.loads(exec_properties["metrics"]), settings, read_estimate(estimate_path),
                           partial, realized_shares)
        report.update(batch=listing["batch"], model_version=predictions.model_version, classes=classes)
        artifact.batch = listing["batch"]
        artifact.labeled = int(report["labeled"])
        artifact.retrain = -1 if report["retrain"] is None else int(report["retrain"])
        artifact.reason = report["reason"]
        for name, value in report["metrics"].items():
            artifact.set_float_custom_property(name, value)
        for name, value in estimate_properties(report["estimated"]).items():
            artifact.set_float_custom_property(name, value)
        if report.get("partial"):   # the metric above is an estimate from some rows: its band and how many
            for name in ("low", "high", "labeled_rows"):
                artifact.set_float_custom_property(f"partial_{name}", float(report["partial"][name]))
        write_report(artifact, report)
