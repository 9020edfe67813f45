"""adapt's own records in ML Metadata, beside what TFX records: one dataclass per execution type, each declaring
its type name and its properties once.

A record is written as an execution of its type (`write`), in the model's `adapt.ModelHistory` context, linked to
the artifacts it concerns; `adapt history`, the registry and the dashboard read them back (pipeline/lineage/
history.py, queries.py). The type names and property names are what existing stores hold: renaming one would
leave the records already written unread. A property added here is added to an existing store's type
(`can_add_fields`); a property is never removed.
"""
from __future__ import annotations

import time
import typing
import uuid
from dataclasses import field, fields, make_dataclass
from typing import Any, Dict, Iterable, Optional

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mlmd

from core.policy.economics import StatedPrice

HISTORY_CONTEXT_TYPE = "adapt.ModelHistory"  # one context per model, holding all its records
_KINDS = {str: mlmd.STRING, int: mlmd.INT, float: mlmd.DOUBLE}


def _record_type(type_name: str, doc: str, **kinds: type) -> type:
    """A frozen dataclass taking keywords: `model_name` and the properties `kinds` names (str, int or float), each
    None when not recorded; its TYPE is the MLMD type name."""
    declared = [("model_name", str)] + [(name, Optional[kind], field(default=None)) for name, kind in kinds.items()]
    record_type = make_dataclass(type_name.split(".")[-1], declared, frozen=True, kw_only=True,
                                 namespace={"TYPE": type_name, "__doc__": doc})
    record_type.__module__ = __name__
    return record_type


RetrainingEvent = _record_type(
    "adapt.RetrainingEvent", "One training run (pipeline/local/training.py): what started it and why, the spans, and "
    "how it ended; structured values (metrics, evidence, holdout, window choice) are JSON.",
    trigger=str, reason=str, spans=str, outcome=str, updated=int, pushed_version=int, production_version=int,
    baseline_version=int, compute_seconds=float, candidate_metrics=str, baseline_metrics=str, training_mode=str,
    pipeline_run=str, evidence=str, holdout=str, window_choice=str,
    inputs=str,  # pipeline/local/outcome.py: inputs_fingerprint of the run
    schema_version=int,  # the data contract's version the run trained under
    # with `economics:`, the decision's price (core/policy/economics.py: StatedPrice; also in `evidence`)
    expected_gain=float, retrain_cost=float, verdict=str)
Rollback = _record_type("adapt.Rollback", "`adapt models rollback`: the serving version set back by hand.",
                        from_version=int, to_version=int, reason=str)
Canary = _record_type("adapt.Canary", "A canary started, promoted or aborted (`action`).", action=str, version=int,
                      stable_version=int, traffic=float, shadow=int, reason=str)
SchemaChange = _record_type("adapt.SchemaChange", "A new version of the data contract accepted (`adapt schema "
                            "accept`); `changes` is a JSON list.", from_version=int, to_version=int, reason=str,
                            who=str, batch=str, span=int, changes=str)
Alert = _record_type("adapt.Alert", "An alert sent (pipeline/lineage/alerts.py), delivered or not.", event=str,
                     text=str, delivered=int, status=str)

LabelRequested = _record_type(
    "adapt.LabelRequest", "`adapt labels request`: rows of a batch chosen to be labeled (active testing) by the "
    "serving version: the batch's rows, the budget, the rows chosen, the sample's uniform share and seed, the request "
    "with each chosen row's inclusion probability (`weights_file`), the file for reviewers (`to_label`) and the "
    "label estimator whose weights drew the rows (`sampling`, core/labeling/estimators.py).",
    batch=str, model_version=int, rows=int, budget=int, chosen=int, uniform_share=float, seed=int, weights_file=str,
    to_label=str, sampling=str)


def price_properties(evidence: Dict[str, Any]) -> Dict[str, Any]:
    """A retraining event's price properties from the evidence its decision passed on ({} when not priced)."""
    stated = StatedPrice.from_dict(evidence.get("price"))
    if stated is None:
        return {}
    return {"expected_gain": stated.expected_gain, "retrain_cost": stated.cost, "verdict": stated.verdict}


RECORDS = (RetrainingEvent, Rollback, Canary, SchemaChange, Alert, LabelRequested)
Record = Any  # an instance of one of RECORDS


def properties(record_type: type) -> Dict[str, int]:
    """{property name: its MLMD kind (STRING, INT, DOUBLE)}, from the record type's fields."""
    return {item.name: next(_KINDS[kind] for kind in typing.get_args(item.type) or (item.type,) if kind in _KINDS)
            for item in fields(record_type)}


def execution_type(record_type: type) -> mlmd.ExecutionType:
    """The MLMD execution type a record is written as."""
    kind = mlmd.ExecutionType(name=record_type.TYPE)
    for name, value_kind in properties(record_type).items():
        kind.properties[name] = value_kind
    return kind


def _set(value_proto: mlmd.Value, kind: int, value) -> None:
    if kind == mlmd.INT:
        value_proto.int_value = int(value)
    elif kind == mlmd.DOUBLE:
        value_proto.double_value = float(value)
    else:
        value_proto.string_value = str(value)


def _history_context(store: metadata_store.MetadataStore, model_name: str) -> mlmd.Context:
    context_type_id = store.put_context_type(mlmd.ContextType(name=HISTORY_CONTEXT_TYPE))
    existing = store.get_context_by_type_and_name(HISTORY_CONTEXT_TYPE, model_name)
    if existing is not None:
        return existing
    context = mlmd.Context(type_id=context_type_id, name=model_name)
    [context.id] = store.put_contexts([context])
    return context


def write(store: metadata_store.MetadataStore, record: Record, inputs: Iterable[mlmd.Artifact] = (),
          outputs: Iterable[mlmd.Artifact] = ()) -> int:
    """Records `record` as a complete execution linked to `inputs` and `outputs`; its execution id."""
    declared = execution_type(type(record))
    type_id = store.put_execution_type(declared, can_add_fields=True)
    execution = mlmd.Execution(type_id=type_id, last_known_state=mlmd.Execution.COMPLETE)
    # MLMD names are unique per type: two processes may record in the same millisecond
    execution.name = f"{record.model_name}-{int(time.time() * 1000)}-{uuid.uuid4().hex[:8]}"
    for name, kind in declared.properties.items():
        value = getattr(record, name)
        if value is not None:
            _set(execution.properties[name], kind, value)
    events = [(artifact, mlmd.Event(type=mlmd.Event.INPUT)) for artifact in inputs]
    events += [(artifact, mlmd.Event(type=mlmd.Event.OUTPUT)) for artifact in outputs]
    context = _history_context(store, record.model_name)
    execution_id, _, _ = store.put_execution(execution, events, [context], reuse_context_if_already_exist=True)
    return execution_id
