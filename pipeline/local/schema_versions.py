"""`adapt schema`: the data contract's versions. What a batch changes (diff), accepting the change as the next
version (accept), and what changed between the versions two models were trained under (models_diff).

Consumes a batch folder (or `span-N`) and the workspace's current version (schema/CURRENT). The batch's span,
when it has one (a quarantined span has), is read; otherwise the batch's own files (a preview before
`adapt evaluate-batch`). TFDV computes its statistics and finds the changes (core/data/schema_changes.py).

`diff` writes nothing. `accept` writes, in this order: schema/v<N+1>/schema.pbtxt and CHANGE.json (who, why,
when, the batch, the changes), a `model.features` line for each new column with its inferred role (models.tabular
workspaces; a comment says why), schema/CURRENT (from here on spans are validated against the new version), an
adapt.SchemaChange execution in ML Metadata (`adapt history`), and last it releases the batch's quarantined span
(core/data/spans.py), so that the next training takes it. It refuses, writing nothing, when the batch changes
nothing, when the change is a type change without --allow-type-change, or touches the label.
"""
import csv
import getpass
import json
import os
import re
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from core.config import Config
from core.data import schema as contract
from core.data import spans
from core.data.profile import profile_column
from core.errors import UsageError
from core.workspace import SCHEMA_CHANGE_FILE, Workspace


@dataclass
class Target:
    """What `adapt schema` reads: a batch's span, or the batch's own files when it has no span yet."""

    name: str
    batch_id: str
    span: Optional[int]
    data_format: str
    files: List[str]
    quarantined: bool


def resolve(workspace: Workspace, config: Config, reference: str) -> Target:
    match = re.fullmatch(r"span-?(\d+)", reference.strip())
    if match:
        span = int(match.group(1))
        if span not in spans.list_spans(workspace.data):
            raise UsageError(f"no span {span} in {workspace.data}")
        batch_id = str(spans.read_source(workspace.data, span).get("batch", ""))
    else:
        path = reference if os.sep in reference or os.path.isdir(reference) else str(workspace.incoming / reference)
        if not os.path.isdir(path):
            raise UsageError(f"no batch folder {reference!r} (a path, a name in {workspace.incoming}, or span-N)")
        batch = workspace.batch(path, label=config.model.label)
        batch_id = batch.batch_id
        span = spans.span_for_batch(workspace.data, batch_id)
        if span is None:
            return Target(f"batch {batch_id} (no span yet)", batch_id, None, batch.format,
                          [batch.file_path(name) for name in batch.data_files()], False)
    data_format, train = spans.span_files(workspace.data, span, "train")
    _, test = spans.span_files(workspace.data, span, "test")
    quarantined = span in spans.rejected_spans(workspace.data)
    return Target(f"span {span}" + (f" (batch {batch_id})" if batch_id else ""), batch_id, span, data_format,
                  train + test, quarantined)


def _statistics(config: Config, target: Target, current):
    import tensorflow_data_validation as tfdv

    from core.drift.statistics import batch_statistics, stats_options
    from pipeline.local.beam import executor_beam_args
    options = stats_options(contract.categorical_integers(current), config.drift.quantile_buckets)
    path = batch_statistics(target.data_format, target.files, beam_args=executor_beam_args(config.beam.args),
                            options=options)
    return tfdv.load_stats_binary(path)


def _current(workspace: Workspace):
    if not workspace.schema_file.exists():
        raise UsageError(f"no schema kept yet in {workspace.schema_dir}: train once (`adapt train`) first")
    return contract.load_schema(workspace.schema_file)


def _changes(config: Config, target: Target, current, statistics) -> list:
    from core.data.schema_changes import changes
    found = changes(current, statistics)
    if target.span is None and config.model.label:  # a batch whose labels come in labels.csv
        found = [change for change in found if change.feature != config.model.label]
    return found


def diff(workspace: Workspace, config: Config, reference: str) -> Dict[str, Any]:
    """What the batch changes against the current version, without writing anything."""
    target = resolve(workspace, config, reference)
    current = _current(workspace)
    found = _changes(config, target, current, _statistics(config, target, current))
    return {"target": target.name, "span": target.span, "quarantined": target.quarantined,
            "schema_version": workspace.schema_version, "changes": [change.to_dict() for change in found]}


def _column_cells(target: Target, column: str, at_most: int = 5000) -> List[str]:
    cells: List[str] = []
    for path in target.files:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = csv.reader(handle)
            header = next(rows, [])
            if column not in header:
                continue
            at = header.index(column)
            for row in rows:
                if len(cells) >= at_most:
                    return cells
                cells.append(row[at] if at < len(row) else "")
    return cells


def _roles(target: Target, columns: List[str]) -> Dict[str, Any]:
    """{column: its profile (role and why)}, as `adapt init` infers them; only for tables."""
    if target.data_format != "csv":
        return {}
    return {column: profile_column(column, _column_cells(target, column)) for column in columns}


def accept(workspace: Workspace, config: Config, reference: str, reason: str,
           allow_type_change: bool = False) -> Dict[str, Any]:
    """Writes the next version with exactly what the batch changes, records it, and releases the batch's span."""
    from core.data.schema_changes import NEW_COLUMN, TYPE_CHANGE, next_version
    from pipeline.lineage.graph import Metadata
    from pipeline.lineage.records import SchemaChange
    if not reason.strip():
        raise UsageError("--reason is required: say why the contract changes (it is recorded with the version)")
    target = resolve(workspace, config, reference)
    current = _current(workspace)
    statistics = _statistics(config, target, current)
    found = _changes(config, target, current, statistics)
    if not found:
        raise UsageError(f"{target.name} meets schema v{workspace.schema_version}: nothing to accept")
    version = workspace.schema_version + 1
    updated = next_version(current, statistics, found, version, label=workspace.model_package(config).label,
                           allow_type_change=allow_type_change, min_domain_mass=config.validation.min_domain_mass)
    roles = {}
    if config.model.features:   # models.tabular: each new (or retyped) column needs a role
        retyped = [c.feature for c in found if c.kind in (NEW_COLUMN, TYPE_CHANGE)]
        roles = _roles(target, retyped)
    who = os.environ.get("ADAPT_USER") or getpass.getuser()
    record = {"version": version, "from_version": version - 1, "reason": reason, "who": who, "at": time.time(),
              "batch": target.batch_id, "span": target.span, "changes": [change.to_dict() for change in found],
              "features": {name: profile.role for name, profile in roles.items()}}
    target_file = workspace.schema_version_file(version)
    contract.write_schema(updated, target_file)
    (target_file.parent / SCHEMA_CHANGE_FILE).write_text(json.dumps(record, indent=2))
    for name, profile in roles.items():
        workspace.set_model_feature(name, profile.role, f"schema v{version}: {profile.why}; edit to change")
    workspace.point_schema_at(version)
    Metadata.of(workspace, config).record(SchemaChange(
        model_name=config.model.name, from_version=version - 1, to_version=version, reason=reason, who=who,
        batch=target.batch_id, span=target.span, changes=json.dumps(record["changes"])))
    released = None
    if target.span is not None and target.quarantined:
        released = spans.release(workspace.data, target.span, {"schema_version": version, "reason_released": reason})
    return {**record, "schema_file": str(target_file), "released_span": target.span if released else None}


def models_diff(workspace: Workspace, config: Config, first: int, second: int) -> Dict[str, Any]:
    """What was accepted between the versions of the contract models `first` and `second` were trained under."""
    from pipeline.lineage import registry
    rows = {row["version"]: row for row in registry.list_models(workspace, config, with_metrics=False)}
    versions = {}
    for model in (first, second):
        if model not in rows:
            raise UsageError(f"no pushed version {model} of {config.model.name}")
        versions[model] = rows[model].get("schema_version") or 1
    return {"models": {str(k): v for k, v in versions.items()},
            "changes": workspace.schema_changes_between(*sorted(versions.values()))}
