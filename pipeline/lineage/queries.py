"""The questions the runners, the registry and the dashboard ask of the lineage graph (pipeline/lineage/graph.py):
which spans were ingested and described, what a serving version is (its Trainer model, its metrics when pushed,
its importances), and what the retraining events recorded.

Only ml_metadata is imported at the top, not TFX or TensorFlow, so that listing models stays fast.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional

from ml_metadata.proto import metadata_store_pb2 as mlmd

from core.drift.statistics import split_statistics_path
from pipeline.definitions import names
from pipeline.lineage.graph import Metadata, prop
from pipeline.lineage.records import RetrainingEvent


def ingested_spans(meta: Metadata, pipeline: str = names.TRAINING_PIPELINE) -> Dict[int, mlmd.Artifact]:
    """Latest Examples artifact per span that ExampleGen produced in this pipeline."""
    spans: Dict[int, mlmd.Artifact] = {}
    for artifact in meta.node_artifacts(pipeline, names.EXAMPLE_GEN, "Examples"):
        spans[int(prop(artifact, "span", 0))] = artifact
    return spans


def span_statistics(meta: Metadata, pipeline: str = names.TRAINING_PIPELINE) -> Dict[int, mlmd.Artifact]:
    """Latest ExampleStatistics per span (StatisticsGen runs once per span).

    Statistics artifacts carry no span number; it comes from the Examples
    artifact the StatisticsGen execution read.
    """
    stats: Dict[int, mlmd.Artifact] = {}
    for execution in meta.node_executions(pipeline, names.STATISTICS_GEN):
        examples = meta.inputs(execution.id, "examples")
        outputs = meta.outputs(execution.id, "statistics")
        if examples and outputs and outputs[0].state == mlmd.Artifact.LIVE:
            stats[int(prop(examples[0], "span", 0))] = outputs[0]
    return stats


def span_schema_versions(meta: Metadata, pipeline: str = names.TRAINING_PIPELINE) -> Dict[int, Optional[int]]:
    """{span: the data contract's version it was last validated against (the Schema artifact ExampleValidator
    read states it)}, for spans that passed validation."""
    from core.data.schema import version_in_folder
    statistics_span = {artifact.id: span for span, artifact in span_statistics(meta, pipeline).items()}
    found: Dict[int, Optional[int]] = {}
    for execution in meta.node_executions(pipeline, names.EXAMPLE_VALIDATOR):
        if execution.last_known_state not in (mlmd.Execution.COMPLETE, mlmd.Execution.CACHED):
            continue
        statistics, schema = meta.inputs(execution.id, "statistics"), meta.inputs(execution.id, "schema")
        if statistics and schema and statistics[0].id in statistics_span:
            found[statistics_span[statistics[0].id]] = version_in_folder(schema[0].uri)
    return found


def custom_config(execution: Optional[mlmd.Execution]) -> Dict[str, Any]:
    """The custom_config an execution (a Trainer's: spans, training_mode, ...) ran with; {} for none."""
    return json.loads(prop(execution, "custom_config", "{}") or "{}") if execution is not None else {}


def span_statistics_files(meta: Metadata) -> Dict[int, str]:
    """{span: its train split's TFDV statistics file}, for every span StatisticsGen described."""
    return {span: split_statistics_path(artifact.uri) for span, artifact in span_statistics(meta).items()}


def retraining_events(meta: Metadata, model_name: str) -> List[mlmd.Execution]:
    """adapt.RetrainingEvent executions of one model, oldest first."""
    return [e for e in meta.adapt_executions(RetrainingEvent.TYPE) if prop(e, "model_name") == model_name]


def events_by_model(meta: Metadata, model_name: str) -> Dict[int, mlmd.Execution]:
    """{Trainer Model artifact id: the newest retraining event that judged it}."""
    events = retraining_events(meta, model_name)
    found: Dict[int, mlmd.Execution] = {}
    if not events:
        return found
    by_id = {e.id: e for e in events}
    for event in meta.store.get_events_by_execution_ids(list(by_id)):
        if event.type == mlmd.Event.INPUT:
            current = found.get(event.artifact_id)
            execution = by_id[event.execution_id]
            if current is None or execution.create_time_since_epoch >= current.create_time_since_epoch:
                found[event.artifact_id] = execution
    return found


def pushed_metrics(meta: Metadata, model_name: str, version: Optional[int]) -> Dict[str, float]:
    """What `version` scored on its own holdout when it was pushed ({} when not recorded)."""
    for event in reversed(retraining_events(meta, model_name)):
        if version is not None and prop(event, "pushed_version") == version and prop(event, "updated") == 1:
            return json.loads(prop(event, "candidate_metrics", "{}") or "{}")
    return {}


def last_decline(meta: Metadata, model_name: str, production_version: Optional[int]) -> Dict[str, Any]:
    """The evidence of the newest retraining event when it was a candidate declined against the serving version.

    {} when the newest event pushed, stopped on bad data, or judged another serving version.
    """
    events = retraining_events(meta, model_name)
    if not events:
        return {}
    newest = events[-1]
    declined = prop(newest, "updated") == 0 and str(prop(newest, "outcome", "")).startswith("declined")
    if not declined or prop(newest, "production_version") != production_version:
        return {}
    return json.loads(prop(newest, "evidence", "{}") or "{}")


def push_records(meta: Metadata, pipeline: str = names.TRAINING_PIPELINE) -> List[Dict[str, Any]]:
    """Every Pusher execution with its PushedModel and the Model it was given, oldest first."""
    records = []
    for execution in meta.node_executions(pipeline, names.PUSHER):
        pushed = meta.outputs(execution.id, "pushed_model")
        models = meta.inputs(execution.id, "model")
        if not pushed or not models:
            continue
        records.append({"execution": execution, "pushed_model": pushed[0], "model": models[0]})
    return records


def model_for_version(meta: Metadata, serving_base: str, version: int,
                      pipeline: str = names.TRAINING_PIPELINE) -> Optional[mlmd.Artifact]:
    """The Trainer Model artifact that was pushed as `version` into `serving_base`."""
    wanted = os.path.join(serving_base, str(version))
    for record in reversed(push_records(meta, pipeline)):
        pushed = record["pushed_model"]
        if prop(pushed, "pushed") == 1 and os.path.normpath(str(prop(pushed, "pushed_destination", ""))) == \
                os.path.normpath(wanted):
            return record["model"]
    return None


def importance_report(meta: Metadata, model: Optional[mlmd.Artifact]) -> Dict[str, Any]:
    """What FeatureImportance recorded for a Trainer model: importances and its answers on the holdout ({} when
    it did not run)."""
    from components.artifacts import read_report
    if model is None:
        return {}
    for execution in reversed(meta.consumers(model.id)):
        if meta.execution_node(execution) == names.FEATURE_IMPORTANCE:
            outputs = meta.outputs(execution.id, "importances")
            if outputs and outputs[0].state == mlmd.Artifact.LIVE:
                return read_report(outputs[0].uri)
    return {}


def model_importances(meta: Metadata, model: Optional[mlmd.Artifact]) -> Dict[str, float]:
    """The feature importances FeatureImportance recorded for a Trainer model ({} when none were)."""
    return importance_report(meta, model).get("importances") or {}


def serving_holdout_answers(meta: Metadata, serving_base: str, version: Optional[int]) -> Dict[str, Any]:
    """The serving model's answers on its holdout (a distribution, core/drift/distributions.py), {} unknown."""
    if version is None:
        return {}
    return importance_report(meta, model_for_version(meta, serving_base, version)).get("holdout_answers") or {}


def serving_importances(meta: Metadata, serving_base: str, version: Optional[int]) -> Dict[str, float]:
    """What the serving model relies on: its importances in MLMD, else those its info file records, else {}."""
    from core.contract import read_model_info
    from core.importance import from_model_info
    if version is None:
        return {}
    found = model_importances(meta, model_for_version(meta, serving_base, version))
    if found:
        return found
    try:
        return from_model_info(read_model_info(os.path.join(serving_base, str(version)))) or {}
    except FileNotFoundError:
        return {}
