"""What the dashboard and the HTML report show, read from the workspace: ML Metadata, the components' reports, the
spans and the batch records. No TensorFlow: the statistics are read as protos, the rest is JSON.

- `batch_evaluations`: one row per batch-evaluation run, oldest first: the batch, the serving version, the
  watched metric realized (or its estimate before labels), drift, the decision and what the training did.
- `feature_distributions`: a feature's baseline (the serving model's spans) and batch distributions, on the
  same bins, for the chart a drifted feature opens.
- `models`, `history` and `data` reuse the registry, the history and the span files as `adapt models list`,
  `adapt history` and the scheduler read them; `runs` groups every component execution by pipeline run.
"""
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from components.report_files import read_local_report
from core import versions
from core.config import Config
from core.data import spans as span_files
from core.data.batch import STATE_FILE
from core.hyperparameters import INFO_KEY
from core.policy.economics import StatedPrice
from core.workspace import Workspace
from pipeline.definitions import names
from pipeline.lineage import history as history_module
from pipeline.lineage import queries, registry
from pipeline.lineage.graph import PIPELINE_RUN_CONTEXT_TYPE, Metadata, prop
from pipeline.presentation import drop_fields, partial_fields, price_fields
from pipeline.ui import logs as run_logs
from pipeline.ui.quality import OutOfRange, data_quality, declared_ranges, out_of_range_shares

REPLAY_REPORTS = ("replay", "demo")   # reports/<kind>-<policy>.json, written by pipeline/replay/reports.py
EXECUTION_STATES = {0: "unknown", 1: "new", 2: "running", 3: "complete", 4: "failed", 5: "cached", 6: "canceled"}


class Views:
    """One workspace, read once per page."""

    def __init__(self, workspace: Workspace, config: Config):
        self.workspace, self.config = workspace, config
        self._meta: Optional[Metadata] = None
        self._baseline_files: Optional[Dict[int, str]] = None
        self._features: Dict[str, Dict[str, Any]] = {}   # statistics file -> {feature: distribution}, read once
        self._declared: Optional[Dict[str, tuple]] = None   # the schema's numeric ranges, read once

    @property
    def meta(self) -> Optional[Metadata]:
        if self._meta is None and (self.config.metadata.mysql_host or self.workspace.metadata_path.exists()):
            self._meta = Metadata.of(self.workspace, self.config)
        return self._meta

    @property
    def serving_base(self) -> str:
        return self.workspace.serving_model_dir(self.config)

    def serving_version(self) -> Optional[int]:
        return versions.production_version(self.serving_base)

    # -- batches -------------------------------------------------------------------
    def _runs_of(self, pipeline: str, nodes) -> Dict[str, Dict[str, Any]]:
        """{run id: {node: execution}} of one pipeline's runs."""
        runs: Dict[str, Dict[str, Any]] = {}
        run_type = self.meta.store.get_context_type(PIPELINE_RUN_CONTEXT_TYPE).id
        for node in nodes:
            for execution in self.meta.node_executions(pipeline, node):
                for context in self.meta.store.get_contexts_by_execution(execution.id):
                    if context.type_id == run_type:
                        runs.setdefault(context.name, {})[node] = execution
        return runs

    def batch_evaluations(self) -> List[Dict[str, Any]]:
        """Every batch evaluation, oldest first (a batch whose labels came later appears twice)."""
        if self.meta is None:
            return []
        rows = []
        for run_id, executions in self._runs_of(names.BATCH_EVALUATION_PIPELINE, names.REPORTING_NODES).items():
            reports = {}
            for node, execution in executions.items():
                outputs = self.meta.outputs(execution.id)
                if outputs:
                    try:
                        reports[node] = read_local_report(outputs[0].uri)
                    except FileNotFoundError:
                        continue
            performance = reports.get(names.PERFORMANCE_EVALUATOR)
            if performance is None:
                continue
            drift = reports.get(names.DRIFT_DETECTOR, {})
            decision = reports.get(names.SPAN_PREPARATOR, {})
            trigger = reports.get(names.PIPELINE_TRIGGER, {})
            listed = reports.get(names.FILE_LIST_GEN, {})
            metric = performance.get("threshold_metric") or "accuracy"
            estimated = performance.get("estimated") or {}
            outcome = trigger.get("outcome", "")
            rows.append({
                # labels on some rows only: partial_<metric>, its band, labeled_rows; a fallen metric: drop_<part>
                # ('rows' follows: the batch's, which the estimate's are)
                **partial_fields(performance.get("partial") or {}, metric),
                **drop_fields(performance.get("drop_explained") or {}),
                **price_fields(StatedPrice.from_dict(decision.get("price"))),   # with `economics:`
                "partial": performance.get("partial") or {}, "drop_explained": performance.get("drop_explained") or {},
                "run_id": run_id, "batch": performance.get("batch") or drift.get("batch") or "?",
                "evaluated_at": executions[names.PERFORMANCE_EVALUATOR].create_time_since_epoch / 1000.0,
                "serving_version": performance.get("model_version"), "labeled": bool(performance.get("labeled")),
                "metric": metric, "value": (performance.get("metrics") or {}).get(metric),
                "metrics": performance.get("metrics") or {}, "estimate": estimated, "estimated": estimated.get(metric),
                "estimated_low": estimated.get(f"{metric}_low"), "estimated_high": estimated.get(f"{metric}_high"),
                "performance_reason": performance.get("reason", ""),
                "performance_rule": {key: performance.get(key) for key in (
                    "rule", "threshold_metric", "reference", "max_drop", "threshold", "estimated_max_drop")},
                "drifted": bool(drift.get("drifted")), "drifted_features": drift.get("drifted_features") or [],
                "drift_reason": drift.get("reason", ""), "drift_features": drift.get("features") or [],
                "drifted_importance": drift.get("drifted_importance"),
                "baseline_spans": drift.get("baseline_spans") or [],
                "drift_statistics": self._statistics_path(executions.get(names.DRIFT_DETECTOR)),
                "prediction_drift": drift.get("prediction_drift") or {},
                "retrain": decision.get("retrain"), "reason": decision.get("reason", ""), "span": decision.get("span"),
                "triggered": bool(trigger.get("triggered")), "training_outcome": outcome,
                "pushed_version": trigger.get("pushed_version"),
                "declined": bool(trigger.get("triggered")) and outcome.startswith("declined"),
                "rows": listed.get("num_instances") or performance.get("instances"),
                "reported_drift": drift.get("reported_drift") or [],
                "quality": data_quality(listed, drift.get("features") or [],
                                        listed.get("num_instances") or performance.get("instances")),
            })
        return sorted(rows, key=lambda r: r["evaluated_at"])

    def _statistics_path(self, execution) -> str:
        outputs = self.meta.outputs(execution.id) if execution is not None else []
        return str(Path(outputs[0].uri) / "FeatureStats.pb") if outputs else ""

    def batch(self, name: str) -> List[Dict[str, Any]]:
        """The evaluations of one batch, oldest first."""
        return [row for row in self.batch_evaluations() if row["batch"] == name]

    def feature_distributions(self, evaluation: Dict[str, Any], feature: str) -> Optional[Dict[str, Any]]:
        """{kind, labels, baseline, batch}: shares of the baseline spans' and the batch's values on the same bins
        (categories, or the baseline's deciles), None when either side has no statistics for the feature."""
        from core.drift import distributions
        paths = self._baseline_paths(evaluation)
        if not paths:
            return None
        found = [self._distributions(path).get(feature) for path in paths]
        found = [d for d in found if d is not None]
        current = self._distributions(evaluation["drift_statistics"]).get(feature)
        if not found or current is None or type(found[0]) is not type(current):
            return None
        baseline = distributions.merge(found)
        if isinstance(current, distributions.Categorical):
            labels, left, right = distributions.aligned_categorical(baseline, current)
            order = sorted(range(len(labels)), key=lambda i: -(left[i] + right[i]))[:30]   # the 30 most frequent
            return {"kind": "categorical", "labels": [labels[i] for i in order],
                    "baseline": _shares(left)[order].tolist(), "batch": _shares(right)[order].tolist()}
        left, right = distributions.aligned_numeric(baseline, current)
        edges = np.unique(baseline.quantiles(np.linspace(0.0, 1.0, 11)[1:-1]))
        labels = ([f"≤ {edges[0]:.4g}"] + [f"{a:.4g} – {b:.4g}" for a, b in zip(edges[:-1], edges[1:])]
                  + [f"> {edges[-1]:.4g}"])
        return {"kind": "numeric", "labels": labels, "baseline": left.tolist(), "batch": right.tolist()}

    def new_categories(self, evaluation: Dict[str, Any]) -> Dict[str, List[str]]:
        """{feature: values}: the batch's categories that none of the baseline spans' statistics hold."""
        from core.drift import distributions
        paths = self._baseline_paths(evaluation)
        if not paths:
            return {}
        found: Dict[str, List[str]] = {}
        for feature, current in self._distributions(evaluation["drift_statistics"]).items():
            if not isinstance(current, distributions.Categorical):
                continue
            known = set()
            for path in paths:
                baseline = self._distributions(path).get(feature)
                if isinstance(baseline, distributions.Categorical):
                    known |= set(baseline.counts)
            new = sorted(value for value, count in current.counts.items() if count > 0 and value not in known)
            if known and new:
                found[feature] = new
        return found

    def _baseline_paths(self, evaluation: Dict[str, Any]) -> List[str]:
        """The statistics files of the spans the evaluation's drift was measured against; [] when those or the
        batch's own statistics are missing."""
        if self.meta is None or not evaluation["drift_statistics"] or not Path(evaluation["drift_statistics"]).exists():
            return []
        if self._baseline_files is None:
            self._baseline_files = queries.span_statistics_files(self.meta)
        return [self._baseline_files[span] for span in evaluation["baseline_spans"] if span in self._baseline_files]

    def out_of_range(self, evaluation: Dict[str, Any]) -> Dict[str, OutOfRange]:
        """{numeric column: OutOfRange}: the batch's share outside the schema's declared range or, where it declares
        none, outside the values of the spans its drift was measured against (the serving model's)."""
        from core.drift import distributions
        paths = self._baseline_paths(evaluation)
        if not paths:
            return {}
        training: Dict[str, List[Any]] = {}
        for path in paths:
            for feature, found in self._distributions(path).items():
                if isinstance(found, distributions.Numeric):
                    training.setdefault(feature, []).append(found)
        return out_of_range_shares(self._distributions(evaluation["drift_statistics"]), training,
                                   self._declared_ranges())

    def _declared_ranges(self) -> Dict[str, tuple]:
        if self._declared is None:
            from google.protobuf import text_format
            from tensorflow_metadata.proto.v0 import schema_pb2
            path = self.workspace.schema_file
            self._declared = (declared_ranges(text_format.Parse(path.read_text(), schema_pb2.Schema()))
                              if path.is_file() else {})
        return self._declared

    def importances(self, version: Optional[int]) -> Dict[str, float]:
        """{feature: share} a pushed version relies on: what FeatureImportance recorded for it, else its model info
        file's own (read here as plain JSON: queries.serving_importances reads through TFX's file layer)."""
        from core.contract import MODEL_INFO_FILE
        from core.importance import from_model_info
        if self.meta is None or version is None:
            return {}
        model = queries.model_for_version(self.meta, self.serving_base, version)
        for execution in reversed(self.meta.consumers(model.id) if model is not None else []):
            if self.meta.execution_node(execution) == names.FEATURE_IMPORTANCE:
                outputs = self.meta.outputs(execution.id, "importances")
                try:
                    found = read_local_report(outputs[0].uri).get("importances") if outputs else None
                except FileNotFoundError:
                    found = None
                if found:
                    return found
        info = Path(self.serving_base) / str(version) / MODEL_INFO_FILE
        return (from_model_info(json.loads(info.read_text())) or {}) if info.is_file() else {}

    def _distributions(self, path: str) -> Dict[str, Any]:
        """{feature: distribution} of one statistics file; the report draws many features from the same spans."""
        from core.drift import distributions
        if path not in self._features:
            self._features[path] = distributions.features_of(_read_statistics(path))
        return self._features[path]

    # -- models, history, data, runs ---------------------------------------------------
    def models(self) -> List[Dict[str, Any]]:
        """The registry's rows, each with `run_id`: the training pipeline run whose Trainer made the model, and
        `hyperparameters`: what the trees' search chose or reused ({} when nothing was searched), as the Model
        artifact records it (`adapt models show`), else the pushed version's model info file."""
        if self.meta is None:
            return []
        rows = registry.list_models(self.workspace, self.config)
        run_type = self.meta.store.get_context_type(PIPELINE_RUN_CONTEXT_TYPE).id
        known = [row["model_id"] for row in rows if row.get("model_id") is not None]
        artifacts = {a.id: a for a in self.meta.store.get_artifacts_by_id(known)} if known else {}
        for row in rows:
            trainer = self.meta.producer(row["model_id"]) if row.get("model_id") is not None else None
            contexts = self.meta.store.get_contexts_by_execution(trainer.id) if trainer is not None else []
            row["run_id"] = next((c.name for c in contexts if c.type_id == run_type), "")
            recorded = prop(artifacts[row["model_id"]], INFO_KEY) if row.get("model_id") in artifacts else None
            row["hyperparameters"] = json.loads(recorded) if recorded else self._info_hyperparameters(row)
        return rows

    def _info_hyperparameters(self, row: Dict[str, Any]) -> Dict[str, Any]:
        from core.contract import MODEL_INFO_FILE
        info = Path(self.serving_base) / str(row.get("version")) / MODEL_INFO_FILE
        try:
            return (json.loads(info.read_text()).get(INFO_KEY) or {}) if row.get("version") and info.is_file() else {}
        except (OSError, ValueError):
            return {}

    def comparison(self, newer: Dict[str, Any], older: Dict[str, Any], rescore: bool):
        """Two models' rows scored on the newer one's holdout (pipeline/ui/comparisons.py): the cached result, else
        one scored now when `rescore`, else None."""
        from pipeline.ui import comparisons
        return comparisons.on_newer_holdout(self.workspace, newer, older, rescore)

    def history(self) -> List[Dict[str, Any]]:
        return history_module.history(self.workspace, self.config) if self.meta is not None else []

    def data(self) -> Dict[str, Any]:
        root = self.workspace.data
        rejected = set(span_files.rejected_spans(root))
        validated = queries.span_schema_versions(self.meta) if self.meta is not None else {}
        spans = []
        for span in span_files.list_spans(root):
            source = span_files.read_source(root, span)
            why = ""
            if span in rejected:
                rejection = span_files.span_dir(root, span) / span_files.REJECTED_FILE
                why = json.loads(rejection.read_text()).get("reason", "") if rejection.exists() else ""
            spans.append({"span": span, "batch": source.get("batch", ""), "rows": source.get("rows") or {},
                          "written_at": source.get("created_at"), "quarantined": span in rejected, "reason": why,
                          "schema_version": validated.get(span)})
        records = []
        folder = self.workspace.root / "batches"
        for state_file in sorted(folder.glob(f"*/{STATE_FILE}")) if folder.is_dir() else []:
            state = json.loads(state_file.read_text())
            records.append({"batch": state.get("batch", state_file.parent.name), "status": state.get("status", ""),
                            "span": state.get("span"), "reason": state.get("reason", ""),
                            "updated_at": state.get("updated_at"), "uri": state.get("batch_uri", "")})
        known = {record["uri"] for record in records}
        incoming = self.workspace.incoming
        waiting = [{"batch": path.name, "uri": str(path)} for path in sorted(incoming.iterdir())
                   if path.is_dir() and not path.name.startswith(".") and str(path.resolve()) not in known] \
            if incoming.is_dir() else []
        return {"spans": spans, "records": records, "waiting": waiting}

    def span_batches(self) -> Dict[int, str]:
        """{span: the batch it was written from}."""
        root = self.workspace.data
        return {span: span_files.read_source(root, span).get("batch", "") for span in span_files.list_spans(root)}

    def replays(self) -> Dict[str, List[Dict[str, Any]]]:
        """{policy: rows} of the replay reports in reports/ (`replay-<policy>.json`, `demo-<policy>.json`)."""
        found: Dict[str, List[Dict[str, Any]]] = {}
        folder = self.workspace.reports
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            kind, _, policy = path.stem.partition("-")
            if kind not in REPLAY_REPORTS or not policy:
                continue
            try:
                rows = json.loads(path.read_text())
            except ValueError:
                continue
            if isinstance(rows, list) and all(isinstance(r, dict) and "batch" in r for r in rows):
                found[replay_name(kind, policy)] = rows
        return found

    def runs(self) -> List[Dict[str, Any]]:
        """Every pipeline run, newest first: its components' seconds and states, and its log file."""
        if self.meta is None:
            return []
        logs = run_logs.logs_by_run(self.workspace.reports / "logs")
        found = []
        for pipeline, nodes in ((names.TRAINING_PIPELINE, names.TRAINING_NODES),
                                (names.BATCH_EVALUATION_PIPELINE, (names.FILE_LIST_GEN, names.BATCH_PREDICTION_GEN)
                                 + names.REPORTING_NODES[1:])):
            for run_id, executions in self._runs_of(pipeline, dict.fromkeys(nodes)).items():
                steps = sorted(executions.items(), key=lambda item: item[1].create_time_since_epoch)
                started = min(e.create_time_since_epoch for e in executions.values()) / 1000.0
                log = logs.get(run_id, "")
                ended = max(e.last_update_time_since_epoch for e in executions.values()) / 1000.0
                found.append({
                    "run_id": run_id, "pipeline": pipeline, "started_at": started, "seconds": round(ended - started, 1),
                    "components": [{"node": node, "state": EXECUTION_STATES.get(e.last_known_state, "?"),
                                    "seconds": round((e.last_update_time_since_epoch - e.create_time_since_epoch)
                                                     / 1000.0, 1)} for node, e in steps],
                    "failed": any(e.last_known_state == 4 for e in executions.values()),
                    "log": log, **self._what_ran(pipeline, executions, log),
                })
        return sorted(found, key=lambda r: -r["started_at"])

    def _what_ran(self, pipeline: str, executions: Dict[str, Any], log: str) -> Dict[str, str]:
        """{batch, spans}: the batch an evaluation run evaluated; the window a training run trained on and the
        batch that became its last span."""
        if pipeline == names.BATCH_EVALUATION_PIPELINE:
            batch = run_logs.batch_of_log(log) if log else None
            listing = executions.get(names.FILE_LIST_GEN)
            if batch is None and listing is not None:
                outputs = self.meta.outputs(listing.id)
                try:
                    batch = read_local_report(outputs[0].uri).get("batch") if outputs else None
                except FileNotFoundError:
                    batch = None
            return {"batch": batch or "", "spans": ""}
        spans = run_logs.spans_of_log(log) if log else None
        last = spans.split("-")[-1] if spans else ""
        source = span_files.read_source(self.workspace.data, int(last)) if last.isdigit() else {}
        return {"batch": source.get("batch", "") if source else "", "spans": spans or ""}


def replay_name(kind: str, stem: str) -> str:
    """A replay report's name on the page, its policy first: `labels-after-1-budget-60-static` (`adapt replay
    --labels-after 1 --label-budget 60 --policy static`) is 'static (labels after 1, budget 60)'."""
    variant = re.fullmatch(r"labels-after-(\d+)(?:-budget-(\d+))?-(.+)", stem)
    notes = [] if kind == "replay" else [kind]
    if variant:
        after, budget, stem = variant.groups()
        notes += [f"labels after {after}"] + ([f"budget {budget}"] if budget else [])
    return f"{stem} ({', '.join(notes)})" if notes else stem


def _shares(counts):
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    return counts / total if total > 0 else counts


def _read_statistics(path: str):
    from tensorflow_metadata.proto.v0 import statistics_pb2
    found = statistics_pb2.DatasetFeatureStatisticsList()
    found.ParseFromString(Path(path).read_bytes())
    return found


def headline(rows: List[Dict[str, Any]]) -> str:
    """The metric the evaluations watch: accuracy, or a regression model's error."""
    return next((r["metric"] for r in rows if r.get("metric")), "accuracy")
