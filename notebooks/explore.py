"""What the notebooks read: a workspace's spans, statistics, pipeline outputs, evaluations and history.

Thin helpers over the same modules the command line uses, so that each
notebook cell stays a line or two and shows a result, not plumbing. Nothing
here names a dataset's column: the label, the features, the slices, the
watched metric and the retrain rule come from the workspace (adapt.yaml, the
model package, the serving model's info file and its importances in ML
Metadata, the components' reports). The notebooks run from this folder and
`import explore`; the notebook tests run every one of them on several
workspaces.
"""
import os
from typing import Any, Dict, List, Optional

from ml_metadata.proto import metadata_store_pb2 as mlmd

from core import versions
from core.config import LOWER_IS_BETTER, Config
from core.contract import read_model_info
from core.data import spans as span_files
from core.workspace import Workspace
from pipeline.definitions import names
from pipeline.definitions.names import TRAINING_NODES, TRAINING_PIPELINE
from pipeline.lineage.graph import Metadata
from pipeline.lineage.queries import serving_importances
from pipeline.ui.views import Views


def open_workspace(workdir: Optional[str] = None):
    """(workspace, config) for --workdir, $ADAPT_WORKDIR or ./adapt-workspace; it must exist already."""
    workspace = Workspace.open(workdir, create=False)
    config = workspace.load_config()
    if not config.metadata.mysql_host and not workspace.metadata_path.exists():
        raise FileNotFoundError(f"{workspace.root} has no metadata.sqlite: run `adapt demo` (or point "
                                f"ADAPT_WORKDIR at a workspace) first")
    return workspace, config


def model_facts(workspace: Workspace, config: Config) -> Dict[str, Any]:
    """What the workspace says about its model, for the notebooks to show instead of naming columns.

    The label, task, classes, Evaluator slices and drift exclusions (adapt.yaml through the model package,
    core/contract.py); `metric`, the one a replay reports (accuracy, or a regression model's watched error);
    the serving version; `importances`, what it relies on (ML Metadata, else its info file); and `features`,
    its raw features (its info file, else model.features), most relied on first, drift exclusions left out.
    """
    package = workspace.model_package(config)
    base = workspace.serving_model_dir(config)
    version = versions.production_version(base)
    info: Dict[str, Any] = {}
    if version is not None:
        try:
            info = read_model_info(os.path.join(base, str(version)))
        except FileNotFoundError:
            pass
    importances = serving_importances(Metadata.of(workspace, config), base, version)
    raw = [name for name in (info.get("raw_features") or package.features)
           if name != package.label and name not in package.drift_exclude]
    ranked = sorted((name for name in importances if name in raw), key=lambda name: -importances[name])
    metric = config.performance.headline(package.task)
    return {"label": package.label, "task": package.task, "classes": package.classes, "slices": package.slices,
            "drift_exclude": package.drift_exclude, "metric": metric, "lower_is_better": metric in LOWER_IS_BETTER,
            "serving_version": version, "importances": importances,
            "features": ranked + [name for name in raw if name not in ranked]}


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


def feature_across_spans(workspace: Workspace, span_numbers: List[int], feature: str) -> Dict[str, Any]:
    """How one feature moves span by span: {"measure": "mean" (a number) or "top_share" (a category: the share
    of its most common value), "values": {span: value}}."""
    found: Dict[str, Any] = {"measure": None, "values": {}}
    for span in span_numbers:
        for row in feature_table(span_statistics(workspace, span), [feature]):
            found["measure"] = "mean" if row["kind"] == "numeric" else "top_share"
            found["values"][span] = row[found["measure"]]
    return found


def drift_between_spans(workspace: Workspace, config: Config, baseline: int, current: int) -> Dict[str, Any]:
    from pipeline.local import drift
    return drift.compare(str(baseline), str(current), workspace, config)


def component_outputs(workspace: Workspace, pipeline: str = TRAINING_PIPELINE) -> List[Dict[str, Any]]:
    """The latest execution of each training component, with its state and output artifacts."""
    meta = Metadata.of(workspace, workspace.load_config())
    rows = []
    for node in TRAINING_NODES:
        executions = meta.node_executions(pipeline, node)
        if not executions:
            continue
        latest = executions[-1]
        state = mlmd.Execution.State.Name(latest.last_known_state)
        for artifact in meta.outputs(latest.id):
            rows.append({"component": node, "state": state, "runs": len(executions),
                         "artifact": meta.type_name(artifact.type_id), "uri": artifact.uri})
    return rows


def latest_evaluation_uri(workspace: Workspace) -> str:
    meta = Metadata.of(workspace, workspace.load_config())
    for execution in reversed(meta.node_executions(TRAINING_PIPELINE, names.EVALUATOR)):
        outputs = meta.outputs(execution.id, "evaluation")
        if outputs and os.path.exists(outputs[0].uri):
            return outputs[0].uri
    raise LookupError("no Evaluator output yet: train twice so a candidate meets a baseline")


def slice_metrics(evaluation_uri: str, feature: str, metric: str = "accuracy") -> List[Dict[str, Any]]:
    """Candidate (and baseline, when there was one) metric per value of one slicing feature. `metric` is adapt's
    name (accuracy, mae, ...: pipeline/lineage/evaluation.py) or TFMA's (binary_accuracy, mean_absolute_error)."""
    import tensorflow_model_analysis as tfma
    from pipeline.lineage.evaluation import METRIC_NAMES

    def wanted(name: str) -> bool:
        return name == metric or METRIC_NAMES.get(name) == metric

    rows: Dict[Any, Dict[str, Any]] = {}
    for per_slice in tfma.load_metrics(evaluation_uri):
        keys = per_slice.slice_key.single_slice_keys
        if len(keys) != 1 or keys[0].column != feature:
            continue
        value = keys[0].bytes_value.decode() if keys[0].HasField("bytes_value") else (
            keys[0].int64_value if keys[0].HasField("int64_value") else keys[0].float_value)
        row = rows.setdefault(value, {feature: value})
        for entry in per_slice.metric_keys_and_values:
            if entry.key.is_diff or not (wanted(entry.key.name) or entry.key.name == "example_count"):
                continue
            role = "baseline" if entry.key.model_name == "baseline" else "candidate"
            name = "examples" if entry.key.name == "example_count" else role
            if name == "examples" and role == "baseline":
                continue
            row[name] = entry.value.double_value.value
    return sorted(rows.values(), key=lambda r: r[feature])   # one feature's values share a type: 2 before 10


def retrain_level(rule: Dict[str, Any], labeled: bool = True) -> Optional[float]:
    """Where the performance rule of one batch evaluation fires (core/policy/rules.py), on the value it judged.

    A labeled batch: its metric `max_drop` (relative) worse than the serving model's holdout score `reference`,
    or past the absolute `threshold` when one is set, whichever comes first (`tested_drop` fires past that
    tolerance only beyond chance: the level is its tolerance). A batch without labels: its estimate
    `estimated_max_drop` worse than the reference. None when no rule applies (no reference, threshold off)."""
    lower_is_better = rule.get("threshold_metric") in LOWER_IS_BETTER
    reference = float(rule.get("reference") or 0.0)
    threshold = float(rule.get("threshold") or 0.0) if labeled else 0.0   # an estimate is judged by its drop alone
    max_drop = float(rule.get("max_drop" if labeled else "estimated_max_drop") or 0.0)
    levels = [threshold] if threshold else []
    if reference and (labeled or max_drop):
        levels.append(reference * (1 + max_drop) if lower_is_better else reference * (1 - max_drop))
    if not levels:
        return None
    return min(levels) if lower_is_better else max(levels)


def batch_history(workspace: Workspace, config: Optional[Config] = None) -> List[Dict[str, Any]]:
    """One row per batch evaluation, oldest first (the dashboard's, pipeline/ui/views.py; a batch whose labels
    came later appears twice): serving version, the watched metric (`metric`, and its value under its name:
    accuracy, or a regression model's mae; its estimate before labels as estimated_<metric>), drift, the decision,
    the performance `rule` that judged it and `retrain_level`, where that rule fires (None: no rule applied)."""
    rows = []
    for evaluation in Views(workspace, config or workspace.load_config()).batch_evaluations():
        metric = evaluation["metric"]
        rows.append({"batch": evaluation["batch"], "evaluated_at": evaluation["evaluated_at"],
                     "serving_version": evaluation["serving_version"], "labeled": evaluation["labeled"],
                     "metric": metric, metric: evaluation["value"], f"estimated_{metric}": evaluation["estimated"],
                     "rule": (evaluation["performance_rule"].get("rule") or "relative_drop") if evaluation["labeled"]
                     else "estimated_drop",
                     "retrain_level": retrain_level(evaluation["performance_rule"], evaluation["labeled"]),
                     "drifted_importance": evaluation["drifted_importance"],
                     "drifted_features": evaluation["drifted_features"], "retrain": evaluation["retrain"],
                     "reason": evaluation["reason"], "span": evaluation["span"]})
    return rows
