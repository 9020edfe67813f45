"""SmallDataCsvExampleGen: TFX's CsvExampleGen that converts small CSV spans in memory, without a Beam pipeline."""
from components.small_data_example_gen.component import SmallDataCsvExampleGen

__all__ = ["SmallDataCsvExampleGen"]
