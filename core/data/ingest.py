"""A batch becomes a span: CSV and TFRecord batches as CSV rows, image batches as tf.Example TFRecords.

The one place that knows which span format each batch format becomes;
SpanPreparator, `adapt init`, `adapt data` and `adapt replay` call it.
"""
from pathlib import Path
from typing import Dict, Optional, Sequence

from core.data import images, spans
from core.data.batch import Batch


def write_batch_span(batch: Batch, data_root: Path, test_fraction: float, source: Dict,
                     span: Optional[int] = None, floats: Sequence[str] = ()) -> int:
    """Writes the batch's labeled instances as the next span (or as `span`); returns its number. `floats`: columns
    to store as FLOAT even when this batch holds whole numbers only (`adapt init`'s numeric measurements)."""
    if batch.format == "files":
        labeled = images.labeled_images(batch)
        return spans.write_staged_span(
            data_root, lambda staging: images.write_split_files(staging, labeled, batch.label, test_fraction),
            source=source, span=span)
    header, rows = batch.labeled_rows()
    # ExampleGen types each split's column alone: decide FLOAT on the whole batch, and keep what earlier spans were
    floats = sorted(set(spans.float_columns(header, batch.labeled_rows()[1])) |
                    ((set(spans.recorded_float_columns(data_root)) | set(floats)) & set(header)))
    return spans.write_span(data_root, header, rows, test_fraction=test_fraction, source=source, span=span,
                            floats=floats)
