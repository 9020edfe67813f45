"""Executor of DriftDetector."""
import json
import os

import tensorflow_data_validation as tfdv
from tfx.dsl.components.base import base_beam_executor
from tfx.types import artifact_utils

from components.artifacts import read_report, write_report
from core.data.predictions import iter_predictions
from core.drift.report import drift_report, no_baseline_report, prediction_drift
from core.drift.settings import DriftSettings
from core.drift.statistics import (MEASURED_FORMATS, STATISTICS_FILE, batch_statistics, column_types,
                                   matching_options)


class Executor(base_beam_executor.BaseBeamExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        listing = read_report(artifact_utils.get_single_instance(input_dict["file_list"]))
        artifact = artifact_utils.get_single_instance(output_dict["drift_report"])
        artifact.batch = listing["batch"]
        baselines = json.loads(exec_properties["baseline_statistics"] or "[]")
        baseline_stats = [tfdv.load_stats_binary(b["uri"]) for b in baselines]

        batch_stats_path = os.path.join(artifact.uri, STATISTICS_FILE)
        measured = listing["format"] in MEASURED_FORMATS
        if measured:
            batch_statistics(listing["format"], [f["path"] for f in listing["files"]], batch_stats_path,
                             beam_args=self._beam_pipeline_args, options=matching_options(baseline_stats),
                             types=column_types(baseline_stats))

        if not baselines or not measured:
            report = no_baseline_report(
                "no baseline statistics: the serving model was not trained in this workspace" if not baselines
                else f"drift is not measured on {listing['format']} batches")
        else:
            report = drift_report(baseline_stats, tfdv.load_stats_binary(batch_stats_path),
                                  DriftSettings.from_json(exec_properties["settings"]),
                                  json.loads(exec_properties.get("exclude") or "[]"), [b["span"] for b in baselines],
                                  importances=json.loads(exec_properties.get("importances") or "{}"),
                                  label=exec_properties.get("label") or "")
        predictions = input_dict.get("predictions") or []
        report["prediction_drift"] = prediction_drift(
            json.loads(exec_properties.get("holdout_answers") or "{}"),
            [record["prediction"] for record in iter_predictions(predictions[0].uri)] if predictions else [],
            DriftSettings.from_json(exec_properties["settings"]))
        report["batch"] = listing["batch"]
        artifact.drifted = int(report["drifted"])
        artifact.drifted_features = ",".join(report["drifted_features"])
        write_report(artifact, report)
