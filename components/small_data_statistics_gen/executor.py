"""Executor of SmallDataStatisticsGen: StatisticsGen's, with small splits described in memory.

A Beam pipeline costs seconds to build and run whatever the data's size, and a
replay's span is a few thousand rows: there TFDV's in-memory path (the same
statistics generators, one Arrow record batch) takes a tenth of the time and
writes the same statistics.
"""
import os
from typing import List, Optional

import pyarrow as pa
from tfx.components.statistics_gen import executor as statistics_gen_executor
from tfx.components.util import tfxio_utils
from tfx.dsl.io import fileio
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, json_utils

from core.data.in_memory import in_memory
from core.drift.statistics import in_memory_statistics, one_record_batch


def split_sizes(examples, split: str) -> List[int]:
    folder = artifact_utils.get_split_uri([examples], split)
    return [fileio.stat(os.path.join(folder, name)).length for name in fileio.listdir(folder)] \
        if fileio.exists(folder) else []


class Executor(statistics_gen_executor.Executor):

    def Do(self, input_dict, output_dict, exec_properties):
        examples = artifact_utils.get_single_instance(input_dict[standard_component_specs.EXAMPLES_KEY])
        splits = [split for split in artifact_utils.decode_split_names(examples.split_names)
                  if split not in (json_utils.loads(exec_properties.get(
                      standard_component_specs.EXCLUDE_SPLITS_KEY, "null")) or [])]
        small = (splits and not exec_properties.get(standard_component_specs.SHARDED_STATS_OUTPUT_KEY)
                 and not json_utils.loads(exec_properties.get(standard_component_specs.SAMPLE_RATE_BY_SPLIT_KEY)
                                          or "null")
                 and not examples.has_custom_property("custom_split_pattern")
                 and all(in_memory(self._beam_pipeline_args, split_sizes(examples, split)) for split in splits))
        if not small:
            super().Do(input_dict, output_dict, exec_properties)
            return
        options = self._options(input_dict, exec_properties)
        rows = {split: self._record_batch(examples, split) for split in splits}
        if options.sample_rate or options.experimental_filter_read_paths or any(b is None for b in rows.values()):
            super().Do(input_dict, output_dict, exec_properties)
            return
        statistics = artifact_utils.get_single_instance(output_dict[standard_component_specs.STATISTICS_KEY])
        statistics.split_names = artifact_utils.encode_split_names(splits)
        statistics.span = examples.span
        statistics.set_string_custom_property(statistics_gen_executor.STATS_DASHBOARD_LINK, "")
        statistics.set_json_value_custom_property(
            statistics_gen_executor.SAMPLE_RATE_BY_SPLIT_PROPERTY_NAME,
            json_utils.dumps({split: 1.0 for split in splits}))
        for split, record_batch in rows.items():
            io_utils.write_bytes_file(
                os.path.join(artifact_utils.get_split_uri([statistics], split),
                             statistics_gen_executor.DEFAULT_FILE_NAME),
                in_memory_statistics(record_batch, options).SerializeToString())

    @staticmethod
    def _record_batch(examples, split: str) -> Optional[pa.RecordBatch]:
        """The split's rows as one Arrow record batch; None when it has none (StatisticsGen's path then)."""
        return one_record_batch(tfxio_utils.get_split_tfxio(examples=[examples], split=split,
                                                            telemetry_descriptors=["SmallDataStatisticsGen"]))

    @staticmethod
    def _options(input_dict, exec_properties):
        import tensorflow_data_validation as tfdv
        options = tfdv.StatsOptions()
        if exec_properties.get(standard_component_specs.STATS_OPTIONS_JSON_KEY):
            options = tfdv.StatsOptions.from_json(exec_properties[standard_component_specs.STATS_OPTIONS_JSON_KEY])
        if input_dict.get(standard_component_specs.SCHEMA_KEY):
            options.schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(
                artifact_utils.get_single_uri(input_dict[standard_component_specs.SCHEMA_KEY])))
        return options
