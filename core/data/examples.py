"""Turning request instances (JSON) and CSV rows into tf.Examples the model parses.

The model's `assets.extra/adapt_model.json` lists its raw features with their
types (int, float, string). A value of the wrong type is a `RequestError`
naming the feature and the value; a missing value or JSON null is left out of
the example, as a missing CSV field is. Binary strings (an image's bytes)
travel in JSON as TF Serving writes them, `{"b64": "<base64>"}`.
"""
from __future__ import annotations

import base64
import binascii
import math
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import tensorflow as tf

from core.contract import INT64_MAX, INT64_MIN
from core.data.cells import CellError, parse_cell
from core.errors import RequestError


def _check_scalar(feature: str, kind: str, value: Any):
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RequestError(f"feature {feature!r} expects an integer, got {value!r}")
        if isinstance(value, float) and not value.is_integer():
            raise RequestError(f"feature {feature!r} expects an integer, got {value!r}")
        if not INT64_MIN <= value <= INT64_MAX:
            raise RequestError(f"feature {feature!r} expects a 64-bit integer, got {value!r:.40}")
        return int(value)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RequestError(f"feature {feature!r} expects a number, got {value!r}")
        if not math.isfinite(value):
            raise RequestError(f"feature {feature!r} expects a finite number, got {value!r}")
        return float(value)
    if isinstance(value, bytes):
        return value
    if isinstance(value, Mapping) and set(value) == {"b64"} and isinstance(value["b64"], str):
        try:
            return base64.b64decode(value["b64"], validate=True)
        except binascii.Error:
            raise RequestError(f"feature {feature!r}: its b64 value is not base64") from None
    if not isinstance(value, str):
        raise RequestError(f"feature {feature!r} expects a string, got {value!r:.80}")
    return value.encode("utf-8")


def instance_to_example(instance: Mapping[str, Any], raw_types: Mapping[str, str],
                        ignore: Iterable[str] = ()) -> tf.train.Example:
    if not isinstance(instance, Mapping):
        raise RequestError(f"each instance must be an object of feature values, got {instance!r:.80}")
    ignored = set(ignore)
    example = tf.train.Example()
    for feature, value in instance.items():
        if feature in ignored:
            continue
        kind = raw_types.get(feature)
        if kind is None:
            raise RequestError(f"unknown feature {feature!r}; the model takes {', '.join(sorted(raw_types))}")
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        if len(values) != 1:  # adapt's models take one value per feature (a [v] list is accepted, as TF Serving does)
            raise RequestError(f"feature {feature!r} expects one value, got {len(values)}")
        checked = [_check_scalar(feature, kind, v) for v in values if v is not None]
        slot = example.features.feature[feature]
        if kind == "int":
            slot.int64_list.value.extend(checked)
        elif kind == "float":
            slot.float_list.value.extend(checked)
        else:
            slot.bytes_list.value.extend(checked)
    return example


def csv_row_to_instance(header: Sequence[str], row: Sequence[str], raw_types: Mapping[str, str],
                        where: str = "") -> Dict[str, Any]:
    """Parses one CSV row by the model's feature types; columns the model does not take are dropped."""
    instance: Dict[str, Any] = {}
    for column, text in zip(header, row):
        kind = raw_types.get(column)
        if kind is None:
            continue
        try:
            instance[column] = parse_cell(column, kind, text)
        except CellError as err:
            raise RequestError(f"{where}{err}") from None
    return instance


def feature_values(example: tf.train.Example, feature: str) -> List[Any]:
    """Python values of one feature of an example (strings decoded); [] when absent or empty."""
    if feature not in example.features.feature:
        return []
    slot = example.features.feature[feature]
    kind = slot.WhichOneof("kind")
    values: List[Any] = list(getattr(slot, kind).value) if kind else []
    if kind == "bytes_list":
        values = [v.decode("utf-8", errors="replace") for v in values]
    return values


def example_to_instance(example: tf.train.Example, raw_types: Mapping[str, str]) -> Dict[str, Any]:
    """The inverse, for building JSON requests from eval examples (single values become scalars; bytes that are
    not UTF-8 text become {"b64": ...})."""
    instance: Dict[str, Any] = {}
    for feature in raw_types:
        values = feature_values(example, feature)
        if raw_types[feature] == "string" and values:
            raw = list(example.features.feature[feature].bytes_list.value)
            values = [_json_text(r) for r in raw]
        if values:
            instance[feature] = values[0] if len(values) == 1 else values
    return instance


def _json_text(value: bytes) -> Any:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return {"b64": base64.b64encode(value).decode("ascii")}


def columns_to_instances(inputs: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """TF Serving's columnar `inputs` format ({feature: [v1, v2, ...]}) to row instances."""
    if not isinstance(inputs, Mapping) or not inputs:
        raise RequestError("`inputs` must be a non-empty object of feature columns")
    lengths = {name: len(column) if isinstance(column, list) else None for name, column in inputs.items()}
    if any(length is None for length in lengths.values()):
        bad = next(name for name, length in lengths.items() if length is None)
        raise RequestError(f"`inputs` column {bad!r} must be a list")
    if len(set(lengths.values())) != 1:
        raise RequestError(f"`inputs` columns have different lengths: {lengths}")
    count = next(iter(lengths.values()))
    return [{name: column[i] for name, column in inputs.items()} for i in range(count)]


def first_output(outputs: Dict[str, Any], name: Optional[str] = None):
    return outputs[name] if name else next(iter(outputs.values()))
