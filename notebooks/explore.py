"""What the notebooks read: a workspace's spans, statistics, pipeline outputs, evaluations and history.

Thin helpers over the same modules the command line uses, so that each
notebook cell stays a line or two and shows a result, not plumbing. The
notebooks run from this folder and `import explore`; the notebook tests run
every one of them.
"""
import os
from typing import Any, Dict, List, Optional

from components.artifacts import read_report
from core.config import Config
from core.data import spans as span_files
from core.workspace import Workspace
from pipeline.definitions import names
from pipeline.definitions.names import BATCH_EVALUATION_PIPELINE, TRAINING_NODES, TRAINING_PIPELINE
from pipeline.lineage import metadata


def open_workspace(workdir: Optional[str] = None):
    """(workspace, config) for --workdir, $ADAPT_WORKDIR or ./adapt-workspace; it must exist already."""
    workspace = Workspace.open(workdir, create=False)
    config = workspace.load_config()
    if not config.metadata.mysql_host and not workspace.metadata_path.exists():
        raise FileNotFoundError(f"{workspace.root} has no metadata.sqlite: run `adapt demo` (or point "
                                f"ADAPT_WORKDIR at a workspace) first")
    return workspace, config


def spans(workspace: Workspace) -> List[Dict[str, Any]]:
    rows = []
    rejected = span_files.rejected_spans(workspace.data)
    for span in span_files.list_spans(workspace.data):
        source = span_files.read_source(workspace.data, span) or {}
        rows.append({"span": span, "batch": source.get("batch"), "rejected": span in rejected})
    return rows


def span_statistics(workspace: Workspace, span: int):
    """TFDV statistics of a span's train split: StatisticsGen's when the span was ingested, else computed."""
    from pipeline.local import drift
    config = workspace.load_config()
    statistics, _ = drift.statistics_for(drift.resolve(str(span), workspace, config), workspace, config)
    return statistics


def schema(workspace: Workspace):
    import tensorflow_data_validation as tfdv
    return tfdv.load_schema_text(str(workspace.schema_file))


def feature_table(statistics, features: List[str]) -> List[Dict[str, Any]]:
    """Per-feature summary (mean or top value) of one statistics proto, for plain-text display."""
    rows = []
    dataset = statistics.datasets[0]
    for feature in dataset.features:
        name = feature.path.step[0]
        if name not in features:
            continue
        if feature.HasField("num_stats"):
            rows.append({"feature": name, "kind": "numeric", "mean": feature.num_stats.mean,
                         "missing": feature.num_stats.common_stats.num_missing})
        else:
            top = feature.string_stats.top_values[0] if feature.string_stats.top_values else None
            rows.append({"feature": name, "kind": "categorical", "top": top.value if top else None,
                         "top_share": top.frequency / max(dataset.num_examples, 1) if top else None,
                         "missing": feature.string_stats.common_stats.num_missing})
    return rows


def drift_between_spans(workspace: Workspace, config: Config, baseline: int, current: int) -> Dict[str, Any]:
    from pipeline.local import drift
    return drift.compare(str(baseline), str(current), workspace, config)


def component_outputs(workspace: Workspace, pipeline: str = TRAINING_PIPELINE) -> List[Dict[str, Any]]:
    """The latest execution of each training component, with its state and output artifacts."""
    meta = metadata.Metadata.of(workspace, workspace.load_config())
    rows = []
    for node in TRAINING_NODES:
        executions = meta.node_executions(pipeline, node)
        if not executions:
            continue
        latest = executions[-1]
        state = metadata.mlmd.Execution.State.Name(latest.last_known_state)
        for artifact in meta.outputs(latest.id):
            rows.append({"component": node, "state": state, "runs": len(executions),
                         "artifact": meta.type_name(artifact.type_id), "uri": artifact.uri})
    return rows


def latest_evaluation_uri(workspace: Workspace) -> str:
    meta = metadata.Metadata.of(workspace, workspace.load_config())
    for execution in reversed(meta.node_executions(TRAINING_PIPELINE, names.EVALUATOR)):
        outputs = meta.outputs(execution.id, "evaluation")
        if outputs and os.path.exists(outputs[0].uri):
            return outputs[0].uri
    raise LookupError("no Evaluator output yet: train twice so a candidate meets a baseline")


def slice_metrics(evaluation_uri: str, feature: str, metric: str = "binary_accuracy") -> List[Dict[str, Any]]:
    """Candidate (and baseline, when there was one) metric per value of one slicing feature."""
    import tensorflow_model_analysis as tfma
    rows: Dict[Any, Dict[str, Any]] = {}
    for per_slice in tfma.load_metrics(evaluation_uri):
        keys = per_slice.slice_key.single_slice_keys
        if len(keys) != 1 or keys[0].column != feature:
            continue
        value = keys[0].bytes_value.decode() if keys[0].HasField("bytes_value") else (
            keys[0].int64_value if keys[0].HasField("int64_value") else keys[0].float_value)
        row = rows.setdefault(value, {feature: value})
        for entry in per_slice.metric_keys_and_values:
            if entry.key.is_diff or entry.key.name not in (metric, "example_count"):
                continue
            role = "baseline" if entry.key.model_name == "baseline" else "candidate"
            name = "examples" if entry.key.name == "example_count" else role
            if name == "examples" and role == "baseline":
                continue
            row[name] = entry.value.double_value.value
    return sorted(rows.values(), key=lambda r: str(r[feature]))


def batch_history(workspace: Workspace) -> List[Dict[str, Any]]:
    """One row per evaluated batch: serving version, the watched metric (`metric`, and its value under its name:
    accuracy, or a regression model's mae), drift, decision (from the batch-evaluation runs)."""
    meta = metadata.Metadata.of(workspace, workspace.load_config())
    rows: Dict[str, Dict[str, Any]] = {}
    for node, fields in ((names.BATCH_PREDICTION_GEN, None), (names.PERFORMANCE_EVALUATOR, "performance"),
                         (names.DRIFT_DETECTOR, "drift"), (names.SPAN_PREPARATOR, "span")):
        for execution in meta.node_executions(BATCH_EVALUATION_PIPELINE, node):
            outputs = meta.outputs(execution.id)
            if not outputs:
                continue
            artifact = outputs[0]
            batch = metadata.prop(artifact, "batch")
            row = rows.setdefault(batch, {"batch": batch, "evaluated_at": execution.create_time_since_epoch / 1e3})
            if node == names.BATCH_PREDICTION_GEN:
                row["serving_version"] = metadata.prop(artifact, "model_version")
                continue
            report = read_report(artifact.uri)
            if fields == "performance":   # the watched metric (accuracy, a regression model's mae) under its name
                metric = report.get("threshold_metric") or "accuracy"
                row["metric"], row[metric] = metric, report["metrics"].get(metric)
            elif fields == "drift":
                row["drifted_features"] = report["drifted_features"]
                row["drifted_importance"] = report.get("drifted_importance", 0.0)
            else:
                row["retrain"], row["reason"], row["span"] = report["retrain"], report["reason"], report["span"]
    return sorted(rows.values(), key=lambda r: r["evaluated_at"])
