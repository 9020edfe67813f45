"""TFDV statistics of CSV files (a batch, or a span's split) on Beam."""
import csv
import os
import tempfile
from typing import List, Optional, Sequence

import apache_beam as beam
import tensorflow_data_validation as tfdv
from tensorflow_data_validation.coders.csv_decoder import DecodeCSV
from tfx.dsl.io import fileio


def csv_header(path: str) -> List[str]:
    with fileio.open(path) as handle:
        return next(csv.reader([handle.readline()]), [])


def csv_statistics(paths: Sequence[str], output_path: Optional[str] = None, pipeline: Optional[beam.Pipeline] = None,
                   beam_args: Sequence[str] = ()):
    """Statistics of CSV files sharing one header, as StatisticsGen would compute them."""
    header = csv_header(paths[0])
    for path in paths[1:]:
        if csv_header(path) != header:
            raise ValueError(f"{path}: its header differs from {paths[0]}'s")
    output_path = output_path or os.path.join(tempfile.mkdtemp(prefix="adapt-stats-"), "FeatureStats.pb")
    owned = pipeline is None
    pipeline = pipeline or beam.Pipeline(argv=list(beam_args))
    _ = (pipeline
         | "Files" >> beam.Create(list(paths))
         | "Read" >> beam.io.ReadAllFromText(skip_header_lines=1)
         | "Decode" >> DecodeCSV(column_names=header)
         | "Statistics" >> tfdv.GenerateStatistics(tfdv.StatsOptions())
         | "Write" >> tfdv.WriteStatisticsToBinaryFile(output_path))
    if owned:
        pipeline.run().wait_until_finish()
    return output_path
