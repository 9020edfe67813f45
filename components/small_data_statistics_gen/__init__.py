"""SmallDataStatisticsGen: TFX's StatisticsGen that describes small splits in memory, without a Beam pipeline."""
from components.small_data_statistics_gen.component import SmallDataStatisticsGen

__all__ = ["SmallDataStatisticsGen"]
