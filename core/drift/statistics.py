"""TFDV statistics of a batch's files (CSV, tf.Example TFRecord, or images by their pixel statistics), computed
as StatisticsGen computes them.

Beam and TFDV are imported where statistics are computed: the registry and the
history only need `split_statistics_path`.
"""
import csv
import os
import tempfile
from typing import List, Optional, Sequence

from core.data.in_memory import in_memory
from core.data.missing import blank_missing_line
from core.drift.settings import QUANTILE_BUCKETS

MEASURED_FORMATS = ("csv", "tfrecord", "files")
STATISTICS_FILE = "FeatureStats.pb"  # TFDV's file name, as StatisticsGen writes it per split


def stats_options(categorical_integers: Sequence[str] = (), quantile_buckets: int = QUANTILE_BUCKETS):
    """TFDV's options for every statistics adapt computes: StatisticsGen's per span, DriftDetector's per batch.

    `categorical_integers` are described by value counts instead of quantiles (the kept schema's
    `int_domain.is_categorical`); StatisticsGen reads them from the schema it is given.
    """
    import tensorflow_data_validation as tfdv
    from tensorflow_metadata.proto.v0 import schema_pb2
    schema = None
    if categorical_integers:
        schema = schema_pb2.Schema()
        for name in categorical_integers:
            schema.feature.add(name=name, type=schema_pb2.INT).int_domain.is_categorical = True
    return tfdv.StatsOptions(schema=schema, num_quantiles_histogram_buckets=quantile_buckets)


def matching_options(baseline_stats: Sequence):
    """Options that describe a batch as its baseline was: the same categorical integers and quantile buckets."""
    from core.drift.distributions import QUANTILES, categorical_integers
    categorical = sorted({name for stats in baseline_stats for name in categorical_integers(stats)})
    buckets = max((len(h.buckets) for stats in baseline_stats for f in stats.datasets[0].features
                   for h in f.num_stats.histograms if h.type == QUANTILES), default=QUANTILE_BUCKETS)
    return stats_options(categorical, buckets)


def split_statistics_path(statistics_uri: str, split: str = "train") -> str:
    """The statistics file of one split of an ExampleStatistics artifact."""
    return os.path.join(statistics_uri, f"Split-{split}", STATISTICS_FILE)


def csv_header(path: str) -> List[str]:
    from tfx.dsl.io import fileio

    from core.data.batch import clean_header
    with fileio.open(path) as handle:
        return clean_header(next(csv.reader([handle.readline()]), []))


def column_types(baseline_stats: Sequence):
    """A schema holding only the columns' types, as the baseline spans' statistics describe them: the kept schema's
    types, which every span was validated against. Decoding a batch's CSV with it needs no type-inference pass
    (which holds every parsed line until it is done); a column the baseline never had is left out."""
    from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2
    kinds = {statistics_pb2.FeatureNameStatistics.INT: schema_pb2.INT,
             statistics_pb2.FeatureNameStatistics.FLOAT: schema_pb2.FLOAT,
             statistics_pb2.FeatureNameStatistics.STRING: schema_pb2.BYTES,
             statistics_pb2.FeatureNameStatistics.BYTES: schema_pb2.BYTES}
    found = {}
    for stats in baseline_stats:
        for feature in stats.datasets[0].features if stats.datasets else []:
            name = feature.path.step[0] if feature.path.step else feature.name
            if feature.type in kinds:
                found.setdefault(name, kinds[feature.type])
    schema = schema_pb2.Schema()
    for name, kind in found.items():
        schema.feature.add(name=name, type=kind)
    return schema if found else None


def _read_csv(paths: Sequence[str], types=None):
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
                | "Decode" >> DecodeCSV(column_names=header, schema=types))
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


def in_memory_statistics(record_batch, options):
    """TFDV's statistics of one Arrow record batch, as GenerateStatistics computes them over the same rows."""
    from tensorflow_data_validation.statistics import stats_impl
    return stats_impl.generate_statistics_in_memory(record_batch, options)


def _csv_record_batch(paths: Sequence[str], types=None):
    """The rows of CSV files sharing one header as one Arrow record batch, decoded as `_read_csv`'s Beam steps
    decode them (tfx_bsl's CSV decoder: with the `types` schema, or types inferred over every row); None without
    rows."""
    import pyarrow as pa
    from tensorflow_metadata.proto.v0 import schema_pb2
    from tfx.dsl.io import fileio
    from tfx_bsl.coders import csv_decoder

    header = csv_header(paths[0])
    parser = csv_decoder.ParseCSVLine(",")
    parser.setup()
    parsed = []
    for path in paths:
        if csv_header(path) != header:
            raise ValueError(f"{path}: its header differs from {paths[0]}'s")
        with fileio.open(path, "rb") as handle:
            lines = handle.read().decode("utf-8").split("\n")[1:]
        if lines and lines[-1] == "":
            lines.pop()  # the final newline ends the last line; it starts none
        parsed += [next(parser.process(blank_missing_line(line[:-1] if line.endswith("\r") else line)))
                   for line in lines]
    if types is not None:
        columns = {feature.name: feature.type for feature in types.feature}
        kinds = {schema_pb2.INT: csv_decoder.ColumnType.INT, schema_pb2.FLOAT: csv_decoder.ColumnType.FLOAT,
                 schema_pb2.BYTES: csv_decoder.ColumnType.STRING}
        infos = [csv_decoder.ColumnInfo(name, kinds.get(columns.get(name), csv_decoder.ColumnType.IGNORE))
                 for name in header]
    else:
        inferrer = csv_decoder.ColumnTypeInferrer(header, skip_blank_lines=True)
        inferred = inferrer.create_accumulator()
        for cells, _ in parsed:
            inferred = inferrer.add_input(inferred, cells)
        infos = inferrer.extract_output(inferred)
    batches = list(csv_decoder.BatchedCSVRowsToRecordBatch(skip_blank_lines=True).process(parsed, infos))
    rows = [batch for batch in batches if batch.num_rows]
    return pa.Table.from_batches(rows).combine_chunks().to_batches()[0] if rows else None


def _tfrecord_record_batch(paths: Sequence[str]):
    """The records of TFRecord files as one Arrow record batch; None without rows, or when the files mix
    gzipped and plain ones (one reader reads one compression: Beam's source, which detects it per file, does)."""
    from tfx_bsl.public import tfxio
    if len({path.endswith(".gz") for path in paths}) > 1:
        return None
    return one_record_batch(tfxio.TFExampleRecord(file_pattern=list(paths), telemetry_descriptors=["adapt"]))


def one_record_batch(source):
    """All the records a tfx_bsl TFXIO source reads, as one Arrow record batch; None without rows, or when its
    batches found different features (Beam's combiners merge those)."""
    import pyarrow as pa
    from tfx_bsl.tfxio import dataset_options
    rows = [batch for batch in source.RecordBatches(dataset_options.RecordBatchesOptions(
        batch_size=1_000_000, shuffle=False, num_epochs=1)) if batch.num_rows]
    try:
        return pa.Table.from_batches(rows).combine_chunks().to_batches()[0] if rows else None
    except pa.ArrowInvalid:
        return None


def _file_sizes(paths: Sequence[str]) -> List[int]:
    from tfx.dsl.io import fileio
    return [fileio.stat(path).length for path in paths]


def batch_statistics(data_format: str, paths: Sequence[str], output_path: Optional[str] = None,
                     beam_args: Sequence[str] = (), options=None, types=None) -> str:
    """Statistics of CSV files sharing one header, of tf.Example TFRecord files, or of images, written to
    `output_path`. Small CSV and TFRecord data are described in memory (`in_memory`); the rest by a Beam
    pipeline with `beam_args`. `options`: TFDV StatsOptions, `stats_options()` when not given. `types`: a
    schema of the CSV columns' types (`column_types`), else they are inferred from the rows.
    """
    import apache_beam as beam
    import tensorflow_data_validation as tfdv
    from tfx.utils import io_utils

    if data_format not in MEASURED_FORMATS:
        raise ValueError(f"statistics are computed for {' and '.join(MEASURED_FORMATS)} files, not {data_format}")
    output_path = output_path or os.path.join(tempfile.mkdtemp(prefix="adapt-stats-"), STATISTICS_FILE)
    options = options or stats_options()
    if data_format in ("csv", "tfrecord") and not (data_format == "csv" and any(p.endswith(".gz") for p in paths)) \
            and in_memory(beam_args, _file_sizes(paths)):
        record_batch = _csv_record_batch(paths, types) if data_format == "csv" else _tfrecord_record_batch(paths)
        if record_batch is not None:
            io_utils.write_bytes_file(output_path, in_memory_statistics(record_batch, options).SerializeToString())
            return output_path
    source = _read_csv(paths, types) if data_format == "csv" else \
        {"tfrecord": _read_tfrecord, "files": _read_images}[data_format](paths)
    with beam.Pipeline(argv=list(beam_args)) as pipeline:
        _ = (pipeline
             | "ReadBatch" >> source
             | "Statistics" >> tfdv.GenerateStatistics(options)
             | "Write" >> tfdv.WriteStatisticsToBinaryFile(output_path))
    return output_path


def distinct_values(data_format: str, paths: Sequence[str], integer_features: Sequence[str],
                    beam_args: Sequence[str] = (), at_most: Optional[int] = None) -> dict:
    """{integer feature: its number of distinct values in these files}; with `at_most`, counting a feature stops
    at at_most + 1 (more than enough to say it is not discrete).

    CSV files are read here, row by row: the count takes milliseconds where a Beam pipeline takes seconds to
    start (this runs once, before a workspace's first training). Other formats are counted by TFDV."""
    if data_format == "csv" and not any(path.endswith(".gz") for path in paths):
        return _distinct_in_csv(paths, integer_features, at_most)
    found = _distinct_by_tfdv(data_format, paths, integer_features, beam_args)
    return found if at_most is None else {name: min(count, at_most + 1) for name, count in found.items()}


def _distinct_by_tfdv(data_format: str, paths: Sequence[str], integer_features: Sequence[str],
                      beam_args: Sequence[str] = ()) -> dict:
    import tensorflow_data_validation as tfdv

    from core.drift.distributions import feature_name
    output = batch_statistics(data_format, paths, beam_args=beam_args, options=stats_options(integer_features))
    return {feature_name(f): int(f.string_stats.unique) for f in tfdv.load_stats_binary(output).datasets[0].features
            if f.HasField("string_stats") and feature_name(f) in set(integer_features)}


def _distinct_in_csv(paths: Sequence[str], integer_features: Sequence[str], at_most: Optional[int]) -> dict:
    """The integer columns' distinct values as ExampleGen reads them: missing markers are gaps, "07" is 7."""
    from tfx.dsl.io import fileio

    from core.data.batch import clean_header
    from core.data.missing import is_missing
    seen = {name: set() for name in integer_features}
    for path in paths:
        with fileio.open(path) as handle:
            rows = csv.reader(handle)
            header = clean_header(next(rows, []))
            columns = [(header.index(name), seen[name]) for name in integer_features if name in header]
            for row in rows:
                for index, values in columns:
                    if index < len(row) and not is_missing(row[index]) and (at_most is None or
                                                                             len(values) <= at_most):
                        try:
                            values.add(int(row[index]))
                        except ValueError:
                            continue
    return {name: len(values) for name, values in seen.items() if values}
