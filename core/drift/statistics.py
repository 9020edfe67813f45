"""TFDV statistics of a batch's files (CSV, tf.Example TFRecord, or images by their pixel statistics), computed
as StatisticsGen computes them.

Beam and TFDV are imported where statistics are computed: the registry and the
history only need `split_statistics_path`.
"""
import csv
import os
import tempfile
from typing import List, Optional, Sequence

from core.data.missing import blank_missing_line

MEASURED_FORMATS = ("csv", "tfrecord", "files")
STATISTICS_FILE = "FeatureStats.pb"  # TFDV's file name, as StatisticsGen writes it per split


def split_statistics_path(statistics_uri: str, split: str = "train") -> str:
    """The statistics file of one split of an ExampleStatistics artifact."""
    return os.path.join(statistics_uri, f"Split-{split}", STATISTICS_FILE)


def csv_header(path: str) -> List[str]:
    from tfx.dsl.io import fileio

    from core.data.batches import clean_header
    with fileio.open(path) as handle:
        return clean_header(next(csv.reader([handle.readline()]), []))


def _read_csv(paths: Sequence[str]):
    import apache_beam as beam
    from tensorflow_data_validation.coders.csv_decoder import DecodeCSV

    header = csv_header(paths[0])
    for path in paths[1:]:
        if csv_header(path) != header:
            raise ValueError(f"{path}: its header differs from {paths[0]}'s")

    @beam.ptransform_fn
    def read(root):
        return (root
                | "Files" >> beam.Create(list(paths))
                | "Read" >> beam.io.ReadAllFromText(skip_header_lines=1)
                | "BlankMissing" >> beam.Map(blank_missing_line)  # NA, null... are gaps, as in spans
                | "Decode" >> DecodeCSV(column_names=header))
    return read()


def _read_tfrecord(paths: Sequence[str]):
    from tfx_bsl.public import tfxio
    # Compression is detected per file from its suffix (.gz).
    return tfxio.TFExampleRecord(file_pattern=list(paths), telemetry_descriptors=["adapt"]).BeamSource()


def image_record(path: str):
    """One image's pixel statistics as the one-row Arrow record batch TFDV reads (a list of one value each)."""
    import pyarrow as pa
    from tfx.dsl.io import fileio

    from core.data.images import pixel_statistics
    with fileio.open(path, "rb") as handle:
        values = pixel_statistics(handle.read(), path)
    return pa.RecordBatch.from_arrays([pa.array([[value]], type=pa.list_(pa.float32())) for value in values.values()],
                                      list(values))


def _read_images(paths: Sequence[str]):
    import apache_beam as beam

    @beam.ptransform_fn
    def read(root):
        return root | "Files" >> beam.Create(list(paths)) | "PixelStatistics" >> beam.Map(image_record)
    return read()


def batch_statistics(data_format: str, paths: Sequence[str], output_path: Optional[str] = None,
                     pipeline=None, beam_args: Sequence[str] = ()) -> str:
    """Statistics of CSV files sharing one header, or of tf.Example TFRecord files, written to `output_path`.

    Adds its steps to `pipeline` when given; otherwise runs its own Beam pipeline with `beam_args`.
    """
    import apache_beam as beam
    import tensorflow_data_validation as tfdv

    if data_format not in MEASURED_FORMATS:
        raise ValueError(f"statistics are computed for {' and '.join(MEASURED_FORMATS)} files, not {data_format}")
    source = {"csv": _read_csv, "tfrecord": _read_tfrecord, "files": _read_images}[data_format](paths)
    output_path = output_path or os.path.join(tempfile.mkdtemp(prefix="adapt-stats-"), STATISTICS_FILE)
    owned = pipeline is None
    pipeline = pipeline or beam.Pipeline(argv=list(beam_args))
    _ = (pipeline
         | "ReadBatch" >> source
         | "Statistics" >> tfdv.GenerateStatistics(tfdv.StatsOptions())
         | "Write" >> tfdv.WriteStatisticsToBinaryFile(output_path))
    if owned:
        pipeline.run().wait_until_finish()
    return output_path
