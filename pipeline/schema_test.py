"""Schema curation: what is relaxed for real, drifting data and what stays strict."""
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from pipeline.config import Config
from pipeline.schema import curate

CONFIG = Config()


def _feature(schema, name, kind=schema_pb2.INT):
    feature = schema.feature.add(name=name, type=kind)
    feature.value_count.min = feature.value_count.max = 1
    feature.presence.min_fraction = 1.0
    feature.presence.min_count = 1
    return feature


def _stats(rows_with_value, rows_empty):
    """Statistics of one INT feature `trip_seconds` where some examples carry no value (an empty CSV cell)."""
    stats = statistics_pb2.DatasetFeatureStatisticsList()
    dataset = stats.datasets.add(num_examples=rows_with_value + rows_empty)
    feature = dataset.features.add(type=statistics_pb2.FeatureNameStatistics.INT)
    feature.path.step.append("trip_seconds")
    common = feature.num_stats.common_stats
    common.num_non_missing = rows_with_value + rows_empty
    common.min_num_values = 0 if rows_empty else 1
    common.max_num_values = 1
    common.avg_num_values = rows_with_value / (rows_with_value + rows_empty)
    common.tot_num_values = rows_with_value
    return stats


def test_empty_values_of_an_optional_feature_are_accepted_after_curation():
    schema = schema_pb2.Schema()
    _feature(schema, "trip_seconds")
    stats = _stats(rows_with_value=95, rows_empty=5)
    assert "trip_seconds" in tfdv.validate_statistics(stats, schema).anomaly_info  # as SchemaGen infers it
    curated = curate(schema, CONFIG)
    assert tfdv.validate_statistics(stats, curated).anomaly_info == {}
    feature = curated.feature[0]
    assert not feature.value_count.HasField("min") and feature.value_count.max == 1
    assert feature.presence.min_fraction == CONFIG.validation.min_feature_presence


def test_the_label_stays_strict():
    schema = schema_pb2.Schema()
    label = _feature(schema, "big_tipper")
    curate(schema, CONFIG)
    assert label.value_count.min == 1 and label.presence.min_fraction == 1.0
