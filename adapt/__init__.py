"""The import names of adapt's artifact types.

On Kubeflow Pipelines and Vertex AI, TFX's executor entrypoint (kubeflow_v2_run_executor) finds the class of a
custom artifact by importing its type name: the compiled spec carries only `title: adapt.DataSpan`. ML Metadata
keeps these names in every workspace, so they stay, and this package makes them import. The classes themselves
live in components/artifacts.py.
"""
from components.artifacts import (BatchPredictions, DataSpan, DriftReport, FeatureImportances, FileList,
                                  PerformanceReport, TrainingRun)

__all__ = ["BatchPredictions", "DataSpan", "DriftReport", "FeatureImportances", "FileList", "PerformanceReport",
           "TrainingRun"]
