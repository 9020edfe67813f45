"""A batch's labels: inline (the label column of its rows) or from a labels file added to the folder later.

A labels file names its instances by an `instance_id` column (values like `data.csv:0`; an image batch: or a
`file` column), by the ids the model server returned (`request_id`, for a batch made from the prediction log,
which carries REQUEST_IDS_FILE to translate them), or else by row order, which must then cover every instance.
"""
from __future__ import annotations

import csv
import itertools
from dataclasses import KW_ONLY, dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

from core.data.batch.reading import BatchFiles
from core.data.missing import is_missing
from core.errors import BatchError

REQUEST_IDS_FILE = "_REQUEST_IDS.csv"  # a batch made from the prediction log: its rows by request id


def label_text(value: Any) -> Optional[str]:
    """A label as the text its class is named by: "1.0" and 1 are "1", "yes" stays "yes"; empty is None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value).strip()
    if is_missing(text):
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


@dataclass
class LabeledBatch(BatchFiles):
    """A batch folder's files joined with their labels (`label`: the label column)."""

    _: KW_ONLY
    label: str = ""

    def has_inline_labels(self) -> bool:
        """Whether the data carries the label column (a TFRecord batch: any record has the feature).

        For a TFRecord batch this reads every record with TensorFlow: executors only.
        """
        kind = self.format
        if kind == "csv":
            return all(self.label in self.csv_header(name) for name in self.data_files())
        if kind == "tfrecord":
            return self.label in self.header()  # one streamed pass over the records' feature names
        return False

    def has_labels_file(self) -> bool:
        return self.exists(self.labels_file)

    def instance_ids(self, counts: Optional[Dict[str, int]] = None) -> Iterator[str]:
        """'<file>:<row or record>' for every instance, in file order (how labels files line up); an image of a
        file-list batch is its file name.

        `counts` ({file: instances}, as FileListGen lists them) saves reading the data files again.
        """
        if self.format == "files":
            yield from self.data_files()
            return
        for name in self.data_files():
            for row in range((counts or {}).get(name) if counts and name in counts else self.instances_in(name)):
                yield f"{name}:{row}"

    def iter_labels_file(self, counts: Optional[Dict[str, int]] = None) -> Iterator[Tuple[str, Optional[str]]]:
        """(instance id, label) from the labels file, read as a stream: by its instance_id column (a batch made from
        the prediction log: or request_id; images: or file), else by row order.

        Row order must cover every instance; ids the batch does not have are
        caught by `labels_from_file` (or by the join that consumes this).
        """
        where = f"batch {self.batch_id}: {self.labels_file}"
        with self.open(self.labels_file, "rt") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            if self.label not in columns:
                raise BatchError(f"{where} has no {self.label!r} column (columns: {', '.join(columns) or 'none'})")
            key = "instance_id" if "instance_id" in columns else "request_id" if "request_id" in columns else \
                "file" if "file" in columns and self.format == "files" else None
            if key:
                by_request = self.request_ids()
                for row in reader:
                    yield by_request.get(row[key], row[key]), label_text(row[self.label])
                return
            labels = instances = 0
            for row, instance_id in itertools.zip_longest(reader, self.instance_ids(counts)):
                labels, instances = labels + (row is not None), instances + (instance_id is not None)
                if row is not None and instance_id is not None:
                    yield instance_id, label_text(row[self.label])
            if labels != instances:
                raise BatchError(f"{where} has {labels} labels for {instances} instances; add an instance_id "
                                 f"column (values like data.csv:0) to label a subset")

    def request_ids(self) -> Dict[str, str]:
        """{request's instance id: instance id} of a batch made from the prediction log (REQUEST_IDS_FILE), so that
        its labels may name rows by the ids the server returned; {} for any other batch."""
        if not self.exists(REQUEST_IDS_FILE):
            return {}
        with self.open(REQUEST_IDS_FILE, "rt") as handle:
            return {row["request_id"]: row["instance_id"] for row in csv.DictReader(handle)}

    def labeled_in_file(self) -> int:
        """How many rows the labels file labels (an empty label is no label)."""
        return sum(1 for _, label in self.iter_labels_file() if label is not None)

    def labels_from_file(self) -> Dict[str, Optional[str]]:
        """{instance id: label} from the labels file (see iter_labels_file); an unknown instance id is an error."""
        labels = dict(self.iter_labels_file())
        known = set(self.instance_ids())
        unknown = next((instance_id for instance_id in labels if instance_id not in known), None)
        if unknown is not None:
            raise BatchError(f"batch {self.batch_id}: {self.labels_file} names unknown instance {unknown!r}")
        return labels

    def labeled_rows(self) -> Tuple[List[str], Iterator[List[str]]]:
        """Header and, as a stream, the rows with their label (inline, else from the labels file); unlabeled rows
        left out. Only the labels file's labels are held in memory."""
        header = self.header()
        inline = self.label in header
        labels = {} if inline else (self.labels_from_file() if self.has_labels_file() else {})
        column = header.index(self.label) if inline else None

        def rows() -> Iterator[List[str]]:
            for name, index, row in self.iter_rows(header):
                if inline:
                    if label_text(row[column]) is not None:
                        yield row
                elif labels.get(f"{name}:{index}") is not None:
                    yield row + [labels[f"{name}:{index}"]]
        return (header if inline else header + [self.label]), rows()
