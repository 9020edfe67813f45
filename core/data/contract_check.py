"""A batch read against the data contract before anything scores it (FileListGen calls this first).

What the contract refuses stops the batch here, in one line naming the file and the column, so nothing is
predicted, no span is written and no training starts, and the batch can be evaluated again once fixed:
- a column the contract requires (the kept schema's presence: every column of the first batch) is missing;
- a value its column's type refuses (text in a numeric column, 2.5 in an integer code, inf);
- a data file that is empty or unreadable (ragged rows, not UTF-8, a corrupt TFRecord);
- in an image batch, a labels file naming an image that is not there, or an image that does not decode.
What the contract lets vary is reported, not refused: a column it marks optional (presence not required, as
`adapt schema accept` leaves a column that went missing) is scored as missing and shown as missing, and a column
it does not know is scored without it; its span is then quarantined by validation until `adapt schema accept`.
"""
from dataclasses import asdict, dataclass
from typing import Dict, Optional, Tuple

from tensorflow_metadata.proto.v0 import schema_pb2

from core.data.batch import Batch
from core.data.cells import SCHEMA_TYPE_NAMES, CellError, parse_cell
from core.data.images import check_image
from core.errors import BatchError


class ContractViolation(BatchError):
    """A batch the data contract refuses: one line naming the file and the column."""


@dataclass(frozen=True)
class ContractCheck:
    schema_version: int
    instances: Dict[str, int]             # instances in each data file, counted while reading
    missing_optional: Tuple[str, ...]     # columns the contract knows and lets go missing: scored as missing
    unknown: Tuple[str, ...]              # columns the contract does not know: scored without them

    def to_dict(self) -> Dict[str, object]:
        values = asdict(self)
        values.update(missing_optional=list(self.missing_optional), unknown=list(self.unknown))
        return values


def required(feature) -> bool:
    """Whether the schema requires the feature in every span (TFDV reports it missing otherwise)."""
    return feature.presence.min_count > 0 or feature.presence.min_fraction > 0


def _diff_hint(batch: Batch) -> str:
    return f"`adapt schema diff {batch.batch_id}` lists every difference"


def check_batch(batch: Batch, schema, schema_version: int, label: str) -> ContractCheck:
    """Reads the whole batch once against `schema` (a tensorflow_metadata Schema); a ContractViolation when the
    contract refuses it. The label may be absent (labels arrive later, or in a labels file)."""
    if batch.format == "files":
        return ContractCheck(schema_version, _check_images(batch), (), ())
    columns = batch.header()
    present = set(columns)
    contract = {feature.name: feature for feature in schema.feature}
    absent = sorted(name for name in contract if name not in present and name != label)
    refused = [name for name in absent if required(contract[name])]
    if refused:
        where = ", ".join(batch.data_files()) if batch.format == "csv" else "its records"
        raise ContractViolation(
            f"batch {batch.batch_id}: {where} {'has' if batch.format == 'csv' else 'have'} no column "
            f"{', '.join(map(repr, refused))}, which schema v{schema_version} requires; nothing was scored "
            f"({_diff_hint(batch)})")
    kinds = [(index, name, SCHEMA_TYPE_NAMES.get(schema_pb2.FeatureType.Name(contract[name].type)))
             for index, name in enumerate(columns) if name in contract]
    typed = [(index, name, kind) for index, name, kind in kinds if kind in ("int", "float")]
    instances = {name: 0 for name in batch.data_files()}
    for name, _, position, row in batch.iter_located_rows(columns):
        instances[name] += 1
        for index, column, kind in typed:
            try:
                parse_cell(column, kind, row[index])
            except CellError as err:
                raise ContractViolation(f"batch {batch.batch_id}: {name} {position}: {err}; "
                                        f"schema v{schema_version} refuses it, nothing was scored") from None
    empty = [name for name, count in instances.items() if count == 0]
    if empty:
        raise ContractViolation(f"batch {batch.batch_id}: no instances in {', '.join(empty)}")
    return ContractCheck(schema_version, instances, tuple(absent),
                         tuple(sorted(name for name in columns if name not in contract and name != label)))


def _check_images(batch: Batch) -> Dict[str, int]:
    """Every image decodes, and a labels file names only images the batch holds."""
    files = batch.data_files()
    if batch.has_labels_file():
        batch.labels_from_file()  # an image it names that the batch does not hold is an error naming it
    for name in files:
        with batch.open(name, "rb") as handle:
            check_image(handle.read(), f"batch {batch.batch_id}: {name}")
    return {name: 1 for name in files}


def optional_note(check: Optional[ContractCheck]) -> str:
    """What the contract let through, for the batch's reports ('' when the batch is whole)."""
    if check is None or not (check.missing_optional or check.unknown):
        return ""
    parts = []
    if check.missing_optional:
        parts.append(f"missing optional column(s) {', '.join(check.missing_optional)} (scored as missing)")
    if check.unknown:
        parts.append(f"column(s) the contract does not know: {', '.join(check.unknown)} (`adapt schema diff`)")
    return "; ".join(parts)
