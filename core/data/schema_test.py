"""Schema curation: what is relaxed for real, drifting data and what stays strict."""
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from core.config import Config
from core.contract import ModelPackage
from core.data.schema import curate

CONFIG = Config()
TAXI = ModelPackage(module="models.taxi", label="big_tipper", open_domain_features=["company"])


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
    curated = curate(schema, CONFIG, TAXI)
    assert tfdv.validate_statistics(stats, curated).anomaly_info == {}
    feature = curated.feature[0]
    assert not feature.value_count.HasField("min") and feature.value_count.max == 1
    assert feature.presence.min_fraction == CONFIG.validation.min_feature_presence


def test_the_label_stays_strict():
    schema = schema_pb2.Schema()
    label = _feature(schema, "big_tipper")
    curate(schema, CONFIG, TAXI)
    assert label.value_count.min == 1 and label.presence.min_fraction == 1.0


def _string_stats(name, counts):
    """Statistics of one STRING feature with the given value counts."""
    stats = statistics_pb2.DatasetFeatureStatisticsList()
    total = sum(counts.values())
    dataset = stats.datasets.add(num_examples=total)
    feature = dataset.features.add(type=statistics_pb2.FeatureNameStatistics.STRING)
    feature.path.step.append(name)
    strings = feature.string_stats
    strings.common_stats.num_non_missing = total
    strings.common_stats.min_num_values = strings.common_stats.max_num_values = 1
    strings.common_stats.tot_num_values = total
    strings.unique = len(counts)
    for value, count in counts.items():
        strings.rank_histogram.buckets.add(label=value, sample_count=count)
        strings.top_values.add(value=value, frequency=count)
    return stats


def _string_feature(schema, name, values):
    feature = _feature(schema, name, kind=schema_pb2.BYTES)
    feature.domain = name
    schema.string_domain.add(name=name, value=values)
    return feature


# 2016-Q1 of the taxi stream: companies that did not exist in 2013-Q1 carry ~11 % of the trips.
NEW_COMPANIES_2016 = {"Taxi Affiliation Services": 60, "Dispatch Taxi Affiliation": 29,
                      "KOAM Taxi Association": 5, "Top Cab Affiliation": 4, "Chicago Medallion Leasing INC": 2}


def test_new_companies_do_not_stop_retraining_once_company_is_an_open_domain():
    schema = schema_pb2.Schema()
    _string_feature(schema, "company", ["Taxi Affiliation Services", "Dispatch Taxi Affiliation"])
    stats = _string_stats("company", NEW_COMPANIES_2016)
    strict = curate(schema_pb2.Schema.FromString(schema.SerializeToString()), CONFIG,
                    ModelPackage(module="models.taxi", label="big_tipper"))
    assert "company" in tfdv.validate_statistics(stats, strict).anomaly_info  # 11 % unknown > 10 % allowed
    curated = curate(schema, CONFIG, TAXI)
    assert tfdv.validate_statistics(stats, curated).anomaly_info == {}
    assert not curated.feature[0].HasField("domain") and not curated.string_domain
    assert curated.feature[0].type == schema_pb2.BYTES


def test_a_closed_domain_still_rejects_unknown_values_beyond_the_allowed_share():
    schema = schema_pb2.Schema()
    _string_feature(schema, "payment_type", ["Cash", "Credit Card"])
    curated = curate(schema, CONFIG, TAXI)
    assert curated.feature[0].distribution_constraints.min_domain_mass == CONFIG.validation.min_domain_mass
    mostly_known = _string_stats("payment_type", {"Cash": 60, "Credit Card": 35, "Mobile": 5})
    mostly_new = _string_stats("payment_type", {"Cash": 50, "Credit Card": 30, "Prcard": 20})
    assert tfdv.validate_statistics(mostly_known, curated).anomaly_info == {}
    assert "payment_type" in tfdv.validate_statistics(mostly_new, curated).anomaly_info


def test_a_string_label_must_be_one_of_the_classes():
    schema = schema_pb2.Schema()
    _string_feature(schema, "species", ["Adelie", "Gentoo"])
    penguins = ModelPackage(module="models.tabular", label="species", classes=["Adelie", "Chinstrap", "Gentoo"])
    curated = curate(schema, CONFIG, penguins)
    assert list(curated.string_domain[0].value) == ["Adelie", "Chinstrap", "Gentoo"]
    known = _string_stats("species", {"Adelie": 50, "Chinstrap": 20, "Gentoo": 30})
    assert tfdv.validate_statistics(known, curated).anomaly_info == {}
    one_unknown = _string_stats("species", {"Adelie": 99, "Emperor": 1})
    assert "species" in tfdv.validate_statistics(one_unknown, curated).anomaly_info


def test_an_integer_label_is_pinned_to_the_range_of_its_classes():
    schema = schema_pb2.Schema()
    label = _feature(schema, "grade")
    curate(schema, CONFIG, ModelPackage(module="models.tabular", label="grade", classes=["0", "1", "2"]))
    assert (label.int_domain.min, label.int_domain.max) == (0, 2)


def test_features_in_every_row_of_the_first_span_are_required_in_requests():
    from core.data.schema import required_features
    schema = schema_pb2.Schema()
    _feature(schema, "fare")
    optional = _feature(schema, "trip_seconds")
    optional.presence.min_fraction = 0.97
    with_empty_cells = _feature(schema, "company", schema_pb2.BYTES)  # in every row, but some rows hold no value
    with_empty_cells.ClearField("value_count")
    _feature(schema, "big_tipper")
    curated = curate(schema, CONFIG, TAXI)
    assert required_features(curated) == ["fare"]
    again = schema_pb2.Schema()
    _feature(again, "fare")
    ignoring_fare = Config.from_dict({"model": {"features": {"fare": "ignore"}}})  # the model never reads it
    assert required_features(curate(again, ignoring_fare, TAXI)) == []
    assert all(f.presence.min_fraction <= CONFIG.validation.min_feature_presence for f in curated.feature
               if f.name != "big_tipper")


def test_a_feature_never_filled_in_the_first_span_does_not_reject_a_later_one():
    schema = schema_pb2.Schema()
    empty = schema.feature.add(name="pickup_census_tract", type=schema_pb2.BYTES)
    empty.presence.min_count = 0
    as_inferred = schema_pb2.Schema.FromString(schema.SerializeToString())
    curated = curate(schema, CONFIG, TAXI)
    assert curated.feature[0].lifecycle_stage == schema_pb2.DEPRECATED
    later = statistics_pb2.DatasetFeatureStatisticsList()
    dataset = later.datasets.add(num_examples=100)
    feature = dataset.features.add(type=statistics_pb2.FeatureNameStatistics.INT)
    feature.path.step.append("pickup_census_tract")
    feature.num_stats.common_stats.num_non_missing = 1
    feature.num_stats.common_stats.min_num_values = feature.num_stats.common_stats.max_num_values = 1
    assert "pickup_census_tract" in tfdv.validate_statistics(later, as_inferred).anomaly_info
    assert tfdv.validate_statistics(later, curated).anomaly_info == {}
