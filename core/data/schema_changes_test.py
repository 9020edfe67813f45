"""The contract's changes in words, and the next version with exactly them (TFDV on small generated tables)."""
import numpy as np
import pandas as pd
import pytest
import tensorflow_data_validation as tfdv

from core.data import schema_changes
from core.data.schema import REQUIRED_TAG, schema_version, with_version


def _statistics(frame):
    return tfdv.generate_statistics_from_dataframe(frame)


@pytest.fixture(scope="module")
def contract():
    rng = np.random.default_rng(0)
    first = pd.DataFrame({"x": rng.normal(size=400), "n": rng.integers(0, 9, 400),
                          "colour": rng.choice(["red", "blue"], 400), "y": rng.choice(["yes", "no"], 400)})
    schema = tfdv.infer_schema(_statistics(first), infer_feature_shape=False)
    for feature in schema.feature:
        feature.annotation.tag.append(REQUIRED_TAG)
        if feature.name == "colour":
            feature.distribution_constraints.min_domain_mass = 0.9
    return with_version(schema, 1), rng


def test_a_new_column_and_a_new_category_are_listed_and_both_block(contract):
    schema, rng = contract
    batch = pd.DataFrame({"x": rng.normal(size=300), "n": rng.integers(0, 9, 300),
                          "colour": rng.choice(["red", "blue", "green"], 300), "y": rng.choice(["yes", "no"], 300),
                          "weight": rng.normal(size=300)})
    found = {(c.feature, c.kind): c for c in schema_changes.changes(schema, _statistics(batch))}
    assert set(found) == {("weight", "new column"), ("colour", "new categories")}, found
    assert found[("colour", "new categories")].blocks and "green" in found[("colour", "new categories")].detail
    assert found[("weight", "new column")].blocks


def test_a_category_below_the_tolerance_is_listed_but_does_not_block(contract):
    schema, rng = contract
    colours = np.where(rng.random(300) < 0.02, "green", rng.choice(["red", "blue"], 300))
    batch = pd.DataFrame({"x": rng.normal(size=300), "n": rng.integers(0, 9, 300), "colour": colours,
                          "y": rng.choice(["yes", "no"], 300)})
    [change] = schema_changes.changes(schema, _statistics(batch))
    assert (change.feature, change.kind, change.blocks) == ("colour", "new categories", False)


def test_the_next_version_takes_exactly_the_changes_a_new_column_as_optional(contract):
    schema, rng = contract
    batch = pd.DataFrame({"x": rng.normal(size=300), "n": rng.integers(0, 9, 300),
                          "colour": rng.choice(["red", "blue", "green"], 300), "y": rng.choice(["yes", "no"], 300),
                          "weight": rng.normal(size=300)})
    statistics = _statistics(batch)
    found = schema_changes.changes(schema, statistics)
    updated = schema_changes.next_version(schema, statistics, found, 2, label="y", min_domain_mass=0.9)
    assert schema_version(updated) == 2 and schema_version(schema) == 1
    assert schema_changes.changes(updated, statistics) == []   # the batch now meets the contract
    weight = next(f for f in updated.feature if f.name == "weight")
    assert weight.presence.min_fraction == 0 and REQUIRED_TAG not in weight.annotation.tag
    colour = next(f for f in updated.feature if f.name == "colour")
    assert colour.distribution_constraints.min_domain_mass == 0.9 and REQUIRED_TAG in colour.annotation.tag
    untouched = {f.name: f for f in schema.feature}
    assert next(f for f in updated.feature if f.name == "x") == untouched["x"]


def test_a_type_change_needs_the_flag_and_the_label_never_changes(contract):
    schema, rng = contract
    batch = pd.DataFrame({"x": rng.normal(size=200), "n": [f"code-{i % 5}" for i in range(200)],
                          "colour": rng.choice(["red", "blue"], 200), "y": rng.choice(["yes", "no"], 200)})
    statistics = _statistics(batch)
    found = schema_changes.changes(schema, statistics)
    assert [(c.feature, c.kind) for c in found] == [("n", "type change")]
    with pytest.raises(schema_changes.SchemaChangeRefused, match="--allow-type-change"):
        schema_changes.next_version(schema, statistics, found, 2, label="y")
    updated = schema_changes.next_version(schema, statistics, found, 2, label="y", allow_type_change=True)
    assert schema_changes.feature_type(updated, "n") == "BYTES" and schema_changes.changes(updated, statistics) == []
    relabelled = pd.DataFrame({**{k: batch[k] for k in ("x", "colour")}, "n": rng.integers(0, 9, 200),
                               "y": rng.choice(["yes", "no", "maybe"], 200)})
    statistics = _statistics(relabelled)
    with pytest.raises(schema_changes.SchemaChangeRefused, match="label 'y'"):
        schema_changes.next_version(schema, statistics, schema_changes.changes(schema, statistics), 2, label="y")
