"""tf.Example TFRecord batches (plain or gzip) as instances and as CSV-shaped rows.

Spans are CSV (CsvExampleGen reads them), so a TFRecord batch that becomes a
span is written as rows: one column per feature, one value per cell. A
feature holding several values in one record cannot be a CSV cell; that is an
error naming the file, the record and the feature, and nothing is written.

Kept apart from batches.py because it imports TensorFlow, which the scheduler
must not; only executors call it.
"""
from typing import Dict, Iterator, List, Tuple

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


def examples_to_rows(examples_by_file: Dict[str, List[tf.train.Example]], where: str
                     ) -> Tuple[List[str], Dict[str, List[List[str]]]]:
    """One header (every feature of any record, sorted) and each file's rows; absent values are ""."""
    header = sorted({name for examples in examples_by_file.values() for example in examples
                     for name in example.features.feature})
    rows: Dict[str, List[List[str]]] = {}
    for name, examples in examples_by_file.items():
        rows[name] = []
        for index, example in enumerate(examples):
            row = []
            for feature in header:
                values = feature_values(example, feature)
                if len(values) > 1:
                    raise BatchError(f"{where}: {name} record {index}: feature {feature!r} holds {len(values)} "
                                     f"values; a span takes one value per feature")
                row.append(_cell(values[0]) if values else "")
            rows[name].append(row)
    return header, rows
