import pandas as pd
import pytest
import tensorflow_data_validation as tfdv
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import io_utils

import components  # noqa: F401
from components.strict_example_validator.executor import DataValidationError, Executor


def _statistics_artifact(tmp_path, frame, name):
    artifact = standard_artifacts.ExampleStatistics()
    artifact.uri = str(tmp_path / name)
    artifact.split_names = artifact_utils.encode_split_names(["train", "eval"])
    artifact.span = 3
    stats = tfdv.generate_statistics_from_dataframe(frame)
    for split in ("train", "eval"):
        io_utils.write_bytes_file(str(tmp_path / name / f"Split-{split}" / "FeatureStats.pb"),
                                  stats.SerializeToString())
    return artifact


def _schema_artifact(tmp_path, frame):
    artifact = standard_artifacts.Schema()
    artifact.uri = str(tmp_path / "schema")
    schema = tfdv.infer_schema(tfdv.generate_statistics_from_dataframe(frame))
    io_utils.write_pbtxt_file(str(tmp_path / "schema" / "schema.pbtxt"), schema)
    return artifact


def _validate(tmp_path, good, new):
    anomalies = standard_artifacts.ExampleAnomalies()
    anomalies.uri = str(tmp_path / "anomalies")
    Executor().Do({"statistics": [_statistics_artifact(tmp_path, new, "stats")],
                   "schema": [_schema_artifact(tmp_path, good)]},
                  {"anomalies": [anomalies]}, {"exclude_splits": "[]"})
    return anomalies


GOOD = pd.DataFrame({"fare": [1.5, 2.0, 3.25], "payment_type": ["Cash", "Cash", "Credit Card"],
                     "big_tipper": [0, 1, 0]})


def test_clean_span_passes(tmp_path):
    anomalies = _validate(tmp_path, GOOD, GOOD)
    assert anomalies.split_names


def test_text_in_a_numeric_column_stops_the_run_naming_the_feature(tmp_path):
    bad = GOOD.assign(fare=["cheap", "1.0", "2.0"])
    with pytest.raises(DataValidationError) as raised:
        _validate(tmp_path, GOOD, bad)
    message = str(raised.value)
    assert message.startswith("the data violates the schema")
    assert "fare:" in message and "[train]" in message


def test_missing_label_column_stops_the_run(tmp_path):
    with pytest.raises(DataValidationError, match="big_tipper: .*(missing|dropped)"):
        _validate(tmp_path, GOOD, GOOD.drop(columns=["big_tipper"]))
