"""tf.Example TFRecord batches (plain or gzip) as instances and as CSV-shaped rows.

Table spans are CSV (CsvExampleGen reads them), so a TFRecord batch that becomes a
span is written as rows: one column per feature, one value per cell. A
feature holding several values in one record cannot be a CSV cell; that is an
error naming the file, the record and the feature, and nothing is written.

Kept apart from core/data/batch/ because it imports TensorFlow, which the scheduler
must not; only executors call it.
"""
from typing import Dict, Iterator, List

import numpy as np
import tensorflow as tf

from core.data.examples import feature_values
from core.errors import BatchError


def read_examples(path: str, where: str) -> Iterator[tf.train.Example]:
    """The tf.train.Examples of one TFRecord file; `where` ("batch X: file") prefixes every error."""
    compression = "GZIP" if path.lower().endswith(".gz") else ""
    records = tf.data.TFRecordDataset(path, compression_type=compression).as_numpy_iterator()
    index = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except (tf.errors.DataLossError, tf.errors.InvalidArgumentError, tf.errors.NotFoundError) as err:
            raise BatchError(f"{where}: not a readable TFRecord file after {index} records ({err.message})") from None
        example = tf.train.Example()
        try:
            example.ParseFromString(record)
        except Exception:  # protobuf's DecodeError differs between its implementations
            raise BatchError(f"{where}: record {index} is not a tf.train.Example") from None
        yield example
        index += 1


def _cell(value) -> str:
    if isinstance(value, float):
        return str(np.float32(value))  # shortest text that reads back as the same float32
    return str(value)


def header_of(paths: Dict[str, str], where: str) -> List[str]:
    """Every feature any record of these files has, sorted (a first pass over the files)."""
    names = set()
    for name, path in paths.items():
        for example in read_examples(path, f"{where}: {name}"):
            names.update(example.features.feature)
    return sorted(names)


def example_to_row(example: tf.train.Example, header: List[str], where: str) -> List[str]:
    """One record as a CSV-shaped row over `header`; absent values are ""."""
    row = []
    for feature in header:
        values = feature_values(example, feature)
        if len(values) > 1:
            raise BatchError(f"{where}: feature {feature!r} holds {len(values)} values; a span takes one value "
                             f"per feature")
        row.append(_cell(values[0]) if values else "")
    return row


def iter_rows(path: str, header: List[str], where: str) -> Iterator[List[str]]:
    """The rows of one TFRecord file, read as a stream."""
    for index, example in enumerate(read_examples(path, where)):
        yield example_to_row(example, header, f"{where} record {index}")
