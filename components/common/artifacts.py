"""Artifact types of adapt's custom components, recorded in ML Metadata like TFX's own.

Each carries its headline numbers as properties, so registry and history
queries read MLMD without opening files; the details are JSON files in the
artifact's folder.
"""
import json
import os
from typing import Any, Dict

from tfx.dsl.io import fileio
from tfx.types.artifact import Artifact, Property, PropertyType

REPORT_FILE = "report.json"


class FileList(Artifact):
    """The instances of one incoming batch (FileListGen)."""
    TYPE_NAME = "adapt.FileList"
    PROPERTIES = {
        "batch": Property(type=PropertyType.STRING),
        "num_instances": Property(type=PropertyType.INT),
        "has_labels": Property(type=PropertyType.INT),
    }


class BatchPredictions(Artifact):
    """The serving model's predictions on a batch, next to their inputs (BatchPredictionGen)."""
    TYPE_NAME = "adapt.BatchPredictions"
    PROPERTIES = {
        "batch": Property(type=PropertyType.STRING),
        "model_version": Property(type=PropertyType.INT),
        "num_predictions": Property(type=PropertyType.INT),
    }


class PerformanceReport(Artifact):
    """The serving model's metrics on a labeled batch, and the retrain decision (PerformanceEvaluator)."""
    TYPE_NAME = "adapt.PerformanceReport"
    PROPERTIES = {
        "batch": Property(type=PropertyType.STRING),
        "labeled": Property(type=PropertyType.INT),
        "retrain": Property(type=PropertyType.INT),
        "reason": Property(type=PropertyType.STRING),
    }


class DriftReport(Artifact):
    """Per-feature drift and skew of a batch against the serving model's training spans (DriftDetector)."""
    TYPE_NAME = "adapt.DriftReport"
    PROPERTIES = {
        "batch": Property(type=PropertyType.STRING),
        "drifted": Property(type=PropertyType.INT),
        "drifted_features": Property(type=PropertyType.STRING),
    }


class DataSpan(Artifact):
    """A batch turned into a span, or the decision not to (SpanPreparator)."""
    TYPE_NAME = "adapt.DataSpan"
    PROPERTIES = {
        "batch": Property(type=PropertyType.STRING),
        "span": Property(type=PropertyType.INT),
        "retrain": Property(type=PropertyType.INT),
        "reason": Property(type=PropertyType.STRING),
    }


class TrainingRun(Artifact):
    """A training pipeline run started by PipelineTrigger, and how it ended."""
    TYPE_NAME = "adapt.TrainingRun"
    PROPERTIES = {
        "spans": Property(type=PropertyType.STRING),
        "triggered": Property(type=PropertyType.INT),
        "outcome": Property(type=PropertyType.STRING),
    }


def write_report(artifact: Artifact, report: Dict[str, Any]) -> None:
    fileio.makedirs(artifact.uri)
    with fileio.open(os.path.join(artifact.uri, REPORT_FILE), "w") as handle:
        handle.write(json.dumps(report, indent=2, sort_keys=True, default=str))


def read_report(artifact_or_uri) -> Dict[str, Any]:
    uri = artifact_or_uri if isinstance(artifact_or_uri, str) else artifact_or_uri.uri
    with fileio.open(os.path.join(uri, REPORT_FILE)) as handle:
        return json.loads(handle.read())
