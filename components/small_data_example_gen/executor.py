"""Executor of SmallDataCsvExampleGen: CsvExampleGen's, with small spans converted in memory.

The conversion is CsvExampleGen's, step by step (its line reader for quoted
newlines, tfx_bsl's parser and type inference over every row, its per-cell
features), without the Beam pipeline around it; the direct runner keeps a
split's rows in file order, so the records are written in that order too.
"""
import os
from typing import List

import tensorflow as tf
from tfx.components.example_gen import utils, write_split
from tfx.components.example_gen.csv_example_gen import executor as csv_executor
from tfx.components.util import examples_utils
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, proto_utils
from tfx_bsl.coders import csv_decoder

from core.data.in_memory import in_memory

_TF_EXAMPLE_FORMATS = (None, example_gen_pb2.FORMAT_TF_EXAMPLE)
_GZIPPED_TFRECORDS = (None, example_gen_pb2.FILE_FORMAT_UNSPECIFIED, example_gen_pb2.FORMAT_TFRECORDS_GZIP)


def csv_records(files: List[str]) -> List[bytes]:
    """The files' rows as serialized tf.Examples, as CsvExampleGen's `_CsvToExample` makes them."""
    column_names = io_utils.load_csv_column_names(files[0])
    if any(io_utils.load_csv_column_names(path) != column_names for path in files[1:]):
        raise RuntimeError(f"files in the same split have different headers: {', '.join(files)}")
    reader = csv_executor._ReadCsvRecordsFromTextFile()  # noqa: SLF001 — CsvExampleGen's own reader
    parser = csv_decoder.ParseCSVLine(delimiter=",")
    parser.setup()
    rows = [cells for path in files for line in reader.process(path) for cells, _ in parser.process(line)]
    inferrer = csv_decoder.ColumnTypeInferrer(column_names, skip_blank_lines=True)
    types = inferrer.create_accumulator()
    for cells in rows:
        types = inferrer.add_input(types, cells)
    column_infos = inferrer.extract_output(types)
    to_example = csv_executor._ParsedCsvToTfExample()  # noqa: SLF001
    return [example.SerializeToString() for cells in rows for example in to_example.process(cells, column_infos)]


class Executor(csv_executor.Executor):

    def Do(self, input_dict, output_dict, exec_properties):
        input_config = example_gen_pb2.Input()
        proto_utils.json_to_proto(exec_properties[standard_component_specs.INPUT_CONFIG_KEY], input_config)
        output_config = example_gen_pb2.Output()
        proto_utils.json_to_proto(exec_properties[standard_component_specs.OUTPUT_CONFIG_KEY], output_config)
        files = {split.name: fileio.glob(os.path.join(exec_properties[standard_component_specs.INPUT_BASE_KEY],
                                                      split.pattern)) for split in input_config.splits}
        small = (len(input_config.splits) > 1 and not output_config.split_config.splits
                 and all(files.values())
                 and exec_properties.get(standard_component_specs.OUTPUT_DATA_FORMAT_KEY) in _TF_EXAMPLE_FORMATS
                 and exec_properties.get(standard_component_specs.OUTPUT_FILE_FORMAT_KEY) in _GZIPPED_TFRECORDS
                 and in_memory(self._beam_pipeline_args,
                               [fileio.stat(path).length for paths in files.values() for path in paths]))
        if not small:
            super().Do(input_dict, output_dict, exec_properties)
            return
        examples = artifact_utils.get_single_instance(output_dict[standard_component_specs.EXAMPLES_KEY])
        examples.split_names = artifact_utils.encode_split_names(
            utils.generate_output_split_names(input_config, output_config))
        for split, paths in files.items():
            folder = artifact_utils.get_split_uri([examples], split)
            fileio.makedirs(folder)
            records = csv_records(paths)
            with tf.io.TFRecordWriter(os.path.join(folder, f"{write_split.DEFAULT_FILE_NAME}-00000-of-00001.gz"),
                                      "GZIP") as writer:
                for record in records:
                    writer.write(record)
        if exec_properties.get(standard_component_specs.OUTPUT_DATA_FORMAT_KEY):
            examples_utils.set_payload_format(examples,
                                              exec_properties[standard_component_specs.OUTPUT_DATA_FORMAT_KEY])
        if exec_properties.get(standard_component_specs.OUTPUT_FILE_FORMAT_KEY):
            examples_utils.set_file_format(examples, write_split.to_file_format_str(
                exec_properties[standard_component_specs.OUTPUT_FILE_FORMAT_KEY]))
