"""Out-of-range shares: a batch's numeric values outside the schema's declared range, else the training range."""
import numpy as np
import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from core.drift.distributions import categorical_from_values, numeric_from_values
from pipeline.ui.quality import SCHEMA_RANGE, TRAINING_RANGE, declared_ranges, out_of_range_shares

RNG = np.random.default_rng(7)
TRAINING = {"fare": [numeric_from_values(RNG.uniform(0, 60, 800)), numeric_from_values(RNG.uniform(5, 100, 800))]}


def test_the_share_outside_the_training_range_within_the_sketchs_resolution_and_exactly_none_when_inside():
    values = np.concatenate([RNG.uniform(0, 100, 950), np.full(30, 150.0), np.full(20, -1.0)])   # 5% out
    batch = {"fare": numeric_from_values(values), "company": categorical_from_values(["a", "b"])}
    found = out_of_range_shares(batch, TRAINING, {})
    assert set(found) == {"fare"}   # categories have no range
    fare = found["fare"]
    assert fare.source == TRAINING_RANGE and fare.low == pytest.approx(0, abs=0.2) and fare.high > 99
    assert abs(fare.share - 0.05) <= fare.within + 1e-9 and fare.within <= 0.01
    inside = out_of_range_shares({"fare": numeric_from_values(RNG.uniform(10, 50, 500))}, TRAINING, {})["fare"]
    assert (inside.share, inside.within) == (0.0, 0.0)


def test_the_schemas_declared_range_wins_and_an_open_side_stays_open():
    schema = text_format.Parse("""
        feature { name: "fare" type: FLOAT float_domain { min: 0 } }
        feature { name: "code" type: INT int_domain { min: 1 max: 5 is_categorical: true } }
        feature { name: "trips" type: INT int_domain { min: 0 max: 9 } }
        feature { name: "miles" type: FLOAT }""", schema_pb2.Schema())
    declared = declared_ranges(schema)
    assert declared == {"fare": (0.0, None), "trips": (0.0, 9.0)}
    batch = {"fare": numeric_from_values(np.concatenate([RNG.uniform(0, 500, 900), np.full(100, -3.0)]))}
    fare = out_of_range_shares(batch, TRAINING, declared)["fare"]   # far above training's 100, but allowed
    assert fare.source == SCHEMA_RANGE and fare.allowed() == "0 to inf"
    assert abs(fare.share - 0.10) <= fare.within + 1e-9
