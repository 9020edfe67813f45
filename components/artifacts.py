"""Artifact types of adapt's custom components, recorded in ML Metadata like TFX's own.

Each carries its headline numbers as custom properties (set as attributes,
`artifact.batch = ...`), so registry and history queries read MLMD without
opening files; the details are a JSON file in the artifact's folder. Custom
rather than declared properties because the Kubeflow V2 compiler only
accepts declared properties on TFX's own artifact types.
"""
import json
import os
from typing import Any, Dict, List

from tfx.dsl.io import fileio
from tfx.types.artifact import Artifact

from components.report_files import REPORT_FILE


class ReportArtifact(Artifact):
    """An artifact whose FIELDS read and write as custom properties."""
    FIELDS: Dict[str, type] = {}

    def __setattr__(self, name: str, value: Any) -> None:
        kind = type(self).FIELDS.get(name)
        if kind is None:
            super().__setattr__(name, value)
        elif kind is int:
            self.set_int_custom_property(name, int(value))
        elif kind is float:
            self.set_float_custom_property(name, float(value))
        else:
            self.set_string_custom_property(name, str(value))

    def __getattr__(self, name: str) -> Any:
        if name in type(self).FIELDS:
            return self.get_custom_property(name)
        return super().__getattr__(name)


class FileList(ReportArtifact):
    """The instances of one incoming batch (FileListGen)."""
    TYPE_NAME = "adapt.FileList"
    FIELDS = {
        "batch": str,
        "num_instances": int,
        "has_labels": int,
    }


class BatchPredictions(ReportArtifact):
    """The serving model's predictions on a batch, next to their inputs (BatchPredictionGen)."""
    TYPE_NAME = "adapt.BatchPredictions"
    FIELDS = {
        "batch": str,
        "model_version": int,
        "num_predictions": int,
    }


class PerformanceReport(ReportArtifact):
    """The serving model's metrics on a labeled batch, and the retrain decision (PerformanceEvaluator)."""
    TYPE_NAME = "adapt.PerformanceReport"
    FIELDS = {
        "batch": str,
        "labeled": int,
        "retrain": int,
        "reason": str,
    }


class DriftReport(ReportArtifact):
    """Per-feature drift and skew of a batch against the serving model's training spans (DriftDetector)."""
    TYPE_NAME = "adapt.DriftReport"
    FIELDS = {
        "batch": str,
        "drifted": int,
        "drifted_features": str,
    }


class FeatureImportances(ReportArtifact):
    """How much a trained model relies on each raw feature, as shares (FeatureImportance)."""
    TYPE_NAME = "adapt.FeatureImportances"
    FIELDS = {
        "method": str,
        "top_features": str,
    }


class DataSpan(ReportArtifact):
    """A batch turned into a span, or the decision not to (SpanPreparator)."""
    TYPE_NAME = "adapt.DataSpan"
    FIELDS = {
        "batch": str,
        "span": int,
        "retrain": int,
        "reason": str,
        # with `economics:`, a retrain the rules asked for, priced (core/policy/economics.py: StatedPrice)
        "expected_gain": float,
        "retrain_cost": float,
        "verdict": str,
    }


class TrainingRun(ReportArtifact):
    """A training pipeline run started by PipelineTrigger, and how it ended."""
    TYPE_NAME = "adapt.TrainingRun"
    FIELDS = {
        "spans": str,
        "triggered": int,
        "outcome": str,
    }


def write_report(artifact: Artifact, report: Dict[str, Any]) -> None:
    fileio.makedirs(artifact.uri)
    with fileio.open(os.path.join(artifact.uri, REPORT_FILE), "w") as handle:
        handle.write(json.dumps(report, indent=2, sort_keys=True, default=str))


def read_report(artifact_or_uri) -> Dict[str, Any]:
    uri = artifact_or_uri if isinstance(artifact_or_uri, str) else artifact_or_uri.uri
    with fileio.open(os.path.join(uri, REPORT_FILE)) as handle:
        return json.loads(handle.read())


def holdout_examples(artifacts, splits: List[str], limit: int) -> list:
    """Up to `limit` tf.Examples from the named splits of every Examples artifact, in order."""
    import glob

    import tensorflow as tf
    from tfx.types import artifact_utils
    files = []
    for artifact in artifacts:
        for split in splits:
            split_names = artifact_utils.decode_split_names(artifact.split_names)
            if split in split_names:
                files += sorted(glob.glob(os.path.join(artifact_utils.get_split_uri([artifact], split), "*")))
    if not files:
        return []
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP").take(limit)
    return [tf.train.Example.FromString(record.numpy()) for record in dataset]
