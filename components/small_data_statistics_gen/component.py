"""SmallDataStatisticsGen component.

Consumes: `examples` (Examples of a span, every split) and optionally `schema`, as TFX's StatisticsGen.
Emits: `statistics` (ExampleStatistics, one `FeatureStats.pb` per split), the same file StatisticsGen writes.
Short-circuits: when every split is small (core/data/in_memory.py: IN_MEMORY_BYTES of TFRecord files or less)
and the Beam arguments name no runner but the direct one, TFDV computes the statistics in this process
(`generate_statistics_in_memory`, the same generators) instead of building and running a Beam pipeline: on a
span of 1,200 rows 0.2 s instead of 2.3-2.8 s, the same statistics (components/small_data_statistics_gen/
executor_test.py). Larger splits, and any other runner, go through StatisticsGen's own Beam pipeline.
"""
from tfx.components import StatisticsGen
from tfx.dsl.components.base import executor_spec

from components.small_data_statistics_gen import executor


class SmallDataStatisticsGen(StatisticsGen):
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)
