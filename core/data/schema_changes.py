"""What a batch changes in the data contract, in words, and the next version of the contract with those changes.

TFDV is the source. `changes` validates the batch's statistics against the current schema twice: as it is (what
makes ExampleValidator refuse the batch: `blocks`) and read strictly, without the tolerance for values outside a
domain (so a new category below that tolerance is listed too, not blocking). `next_version` starts from TFDV's
`update_schema` over the strict reading (new columns, larger domains, relaxed presence) and then applies adapt's
rules for a contract that evolves by approval:
- a new column enters as optional (no presence required: older spans do not have it) and not required in
  serving requests;
- a column that went missing, or is present in fewer rows, stays in the contract as optional;
- a type change is applied only when allowed (it breaks the serving contract of the models trained before);
- nothing about the label changes here: new classes change what the model predicts (a new model, not a new
  contract version).
"""
import copy
from dataclasses import dataclass
from typing import Dict, List, Optional

import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2

from core.data.schema import REQUIRED_TAG, with_version
from core.errors import AdaptError

NEW_COLUMN, MISSING_COLUMN, NEW_CATEGORIES = "new column", "missing column", "new categories"
TYPE_CHANGE, PRESENCE, VALUE_RANGE, OTHER = "type change", "presence", "value range", "other"
_KINDS = {
    "SCHEMA_NEW_COLUMN": NEW_COLUMN,
    "SCHEMA_MISSING_COLUMN": MISSING_COLUMN,
    "ENUM_TYPE_UNEXPECTED_STRING_VALUES": NEW_CATEGORIES,
    "ENUM_TYPE_UNEXPECTED_STRING_VALUES_DISTRIBUTION": NEW_CATEGORIES,
    "UNEXPECTED_DATA_TYPE": TYPE_CHANGE,
    "ENUM_TYPE_BYTES_NOT_STRING": TYPE_CHANGE,
    "ENUM_TYPE_INVALID_UTF8": TYPE_CHANGE,
    "INT_TYPE_NOT_INT_STRING": TYPE_CHANGE,
    "FLOAT_TYPE_NOT_FLOAT_STRING": TYPE_CHANGE,
    "FEATURE_TYPE_LOW_FRACTION_PRESENT": PRESENCE,
    "FEATURE_TYPE_LOW_NUMBER_PRESENT": PRESENCE,
    "FEATURE_TYPE_NOT_PRESENT": PRESENCE,
    "FEATURE_TYPE_NO_VALUES": PRESENCE,
    "FEATURE_TYPE_LOW_NUMBER_VALUES": PRESENCE,
    "INT_TYPE_SMALL_INT": VALUE_RANGE,
    "INT_TYPE_BIG_INT": VALUE_RANGE,
    "FLOAT_TYPE_SMALL_FLOAT": VALUE_RANGE,
    "FLOAT_TYPE_BIG_FLOAT": VALUE_RANGE,
}


class SchemaChangeRefused(AdaptError):
    """A change the contract does not take without an explicit decision (a type change, the label)."""


@dataclass(frozen=True)
class Change:
    feature: str
    kind: str        # NEW_COLUMN, MISSING_COLUMN, NEW_CATEGORIES, TYPE_CHANGE, PRESENCE, VALUE_RANGE or OTHER
    detail: str      # TFDV's words
    blocks: bool     # the current version refuses the batch for it (ExampleValidator quarantines the span)

    def to_dict(self) -> Dict[str, object]:
        return {"feature": self.feature, "change": self.kind, "detail": self.detail, "blocks": self.blocks}


def strict(schema):
    """The schema read without the tolerance for values outside a domain (min_domain_mass)."""
    tight = copy.deepcopy(schema)
    for feature in tight.feature:
        feature.ClearField("distribution_constraints")
    return tight


def _anomalies(statistics, schema) -> Dict[str, List[tuple]]:
    found = tfdv.validate_statistics(statistics, schema)
    return {name: [(anomalies_pb2.AnomalyInfo.Type.Name(reason.type), reason.description or info.description)
                   for reason in info.reason] for name, info in found.anomaly_info.items()}


def changes(schema, statistics) -> List[Change]:
    """What `statistics` (a batch's, or a span's) change against `schema`, one row per feature and kind."""
    blocking = _anomalies(statistics, schema)
    listed: Dict[tuple, Change] = {}
    for feature, reasons in sorted(_anomalies(statistics, strict(schema)).items()):
        for reason, detail in reasons:
            kind = _KINDS.get(reason, OTHER)
            blocks = any(_KINDS.get(other, OTHER) == kind for other, _ in blocking.get(feature, []))
            key = (feature, kind)
            if key not in listed:
                listed[key] = Change(feature, kind, detail.strip(), blocks)
    return list(listed.values())


def _feature(schema, name: str):
    return next((feature for feature in schema.feature if feature.name == name), None)


def _optional(feature, min_domain_mass: float) -> None:
    feature.ClearField("presence")
    feature.presence.min_fraction = 0.0
    feature.presence.min_count = 0
    if feature.HasField("value_count"):
        feature.value_count.ClearField("min")
    tags = [tag for tag in feature.annotation.tag if tag != REQUIRED_TAG]
    del feature.annotation.tag[:]
    feature.annotation.tag.extend(tags)
    if feature.HasField("domain") or feature.HasField("string_domain"):
        feature.distribution_constraints.min_domain_mass = min_domain_mass
    feature.ClearField("lifecycle_stage")


def next_version(schema, statistics, found: List[Change], version: int, label: str = "",
                 allow_type_change: bool = False, min_domain_mass: float = 1.0):
    """The schema `version` with exactly the changes `found` (from `changes`) accepted."""
    if label and any(change.feature == label for change in found):
        detail = next(change.detail for change in found if change.feature == label)
        raise SchemaChangeRefused(f"the label {label!r} changed ({detail}): a schema version does not change what "
                                  "the model predicts; start a new model with `adapt init`")
    typed = [change for change in found if change.kind == TYPE_CHANGE]
    if typed and not allow_type_change:
        names = ", ".join(sorted({change.feature for change in typed}))
        raise SchemaChangeRefused(f"a type change ({names}) breaks the serving contract of the models trained "
                                  "before it; run again with --allow-type-change to accept it")
    updated = tfdv.update_schema(strict(schema), statistics, infer_feature_shape=False)
    inferred = tfdv.infer_schema(statistics, infer_feature_shape=False)
    for original in schema.feature:  # update_schema ran on the strict reading: put each tolerance back
        feature = _feature(updated, original.name)
        if feature is not None and original.HasField("distribution_constraints"):
            feature.distribution_constraints.CopyFrom(original.distribution_constraints)
    for change in found:
        feature = _feature(updated, change.feature)
        if change.kind == TYPE_CHANGE and feature is not None:
            fresh = _feature(inferred, change.feature)
            feature.type = fresh.type
            for field in ("domain", "string_domain", "int_domain", "float_domain", "bool_domain"):
                feature.ClearField(field)
            if fresh.HasField("string_domain"):
                feature.string_domain.CopyFrom(fresh.string_domain)
            elif fresh.HasField("domain"):
                domain = next(d for d in inferred.string_domain if d.name == fresh.domain)
                feature.string_domain.CopyFrom(domain)
                feature.string_domain.ClearField("name")
            _optional(feature, min_domain_mass)
        elif change.kind in (NEW_COLUMN, MISSING_COLUMN, PRESENCE) and feature is not None:
            _optional(feature, min_domain_mass)
    return with_version(updated, version)


def new_columns(found: List[Change]) -> List[str]:
    return [change.feature for change in found if change.kind == NEW_COLUMN]


def feature_type(schema, name: str) -> Optional[str]:
    feature = _feature(schema, name)
    return schema_pb2.FeatureType.Name(feature.type) if feature is not None else None
