"""What one CSV cell holds for a column of a given type: the one reading that batch prediction and the data
contract's check before scoring share, so a value the check lets through is a value prediction can read.

Types are the model info's names: `int`, `float`, `string` (the schema's INT, FLOAT, BYTES).
"""
import math
from typing import Optional, Union

from core.contract import INT64_MAX, INT64_MIN
from core.data.missing import is_missing

SCHEMA_TYPE_NAMES = {"INT": "int", "FLOAT": "float", "BYTES": "string"}
Cell = Optional[Union[int, float, str]]


class CellError(ValueError):
    """A cell its column's type refuses; the message names the column and the value."""


def parse_cell(column: str, kind: str, text: str) -> Cell:
    """The value of one cell (None when missing), or a CellError."""
    if is_missing(text):
        return None
    if kind == "string":
        return text
    try:
        value = int(text) if kind == "int" else float(text)
    except ValueError:
        raise CellError(f"column {column!r} expects {kind}, got {text!r:.80}") from None
    if kind == "float" and not math.isfinite(value):
        raise CellError(f"column {column!r} expects a finite number, got {text!r}")
    if kind == "int" and not INT64_MIN <= value <= INT64_MAX:
        raise CellError(f"column {column!r} expects a 64-bit integer, got {text!r:.40}")
    return value
