"""Drift and skew tables on TFDV statistics: consistent with TFDV, quiet on noise, loud on real drift."""
import random

import pandas as pd
import pytest
import tensorflow_data_validation as tfdv

import core  # noqa: F401
from core.config import Config
from core.drift import comparison, distributions
from core.drift.report import drift_report
from core.drift.statistics import batch_statistics
from models.taxi import DRIFT_EXCLUDE as TAXI_EXCLUDE
from tests.helpers import rows_to_examples, taxi_rows, write_csv, write_tfrecord

CONFIG = Config()
THRESHOLDS = CONFIG.drift_thresholds()


def _stats(frame):
    return tfdv.generate_statistics_from_dataframe(frame)


def test_l_infinity_matches_tfdv_drift_comparator():
    before = pd.DataFrame({"payment_type": ["Cash"] * 70 + ["Credit Card"] * 25 + ["Unknown"] * 5})
    after = pd.DataFrame({"payment_type": ["Cash"] * 55 + ["Credit Card"] * 45})
    schema = tfdv.infer_schema(_stats(before))
    tfdv.get_feature(schema, "payment_type").drift_comparator.infinity_norm.threshold = 0.01
    anomalies = tfdv.validate_statistics(_stats(after), schema, previous_statistics=_stats(before))
    tfdv_value = anomalies.drift_skew_info[0].drift_measurements[0].value
    rows = comparison.drift_table(comparison.merged_features([_stats(before)]),
                                  comparison.merged_features([_stats(after)]), lambda f, m: 0.1)
    ours = next(r["value"] for r in rows if r["metric"] == "linf")
    assert ours == pytest.approx(tfdv_value, abs=1e-4) == pytest.approx(0.2, abs=1e-4)


def test_spans_merge_weighted_by_their_row_counts():
    first = _stats(pd.DataFrame({"p": ["a"] * 90 + ["b"] * 10, "x": [float(i) for i in range(100)]}))
    second = _stats(pd.DataFrame({"p": ["b"] * 300, "x": [float(i) + 100 for i in range(300)]}))
    merged = comparison.merged_features([first, second])
    assert merged["p"].counts == {"a": 90.0, "b": 310.0}
    assert merged["x"].count == 400
    assert merged["x"].cdf_at(99.0) == pytest.approx(0.25, abs=0.03)  # a quarter of the rows are below 100


def test_binary_features_are_compared_as_categories():
    stats = _stats(pd.DataFrame({"label": [0] * 80 + [1] * 20}))
    label = distributions.features_of(stats)["label"]
    assert isinstance(label, distributions.Categorical)
    assert label.counts == {"0": pytest.approx(80.0), "1": pytest.approx(20.0)}


def _quarter_stats(tmp_path, name, rows):
    header, data = rows
    path = write_csv(tmp_path / f"{name}.csv", header, data)
    return tfdv.load_stats_binary(batch_statistics("csv", [str(path)], str(tmp_path / f"{name}.pb")))


def test_two_random_halves_of_one_quarter_do_not_drift(tmp_path):
    header, rows = taxi_rows("2014-Q2")
    random.Random(7).shuffle(rows)
    half = len(rows) // 2
    report = drift_report([_quarter_stats(tmp_path, "a", (header, rows[:half]))],
                          _quarter_stats(tmp_path, "b", (header, rows[half:])), THRESHOLDS, TAXI_EXCLUDE, [])
    assert not report["drifted"], report["reason"]
    assert not [r for r in report["skew"] if r["drifted"]]
    assert {r["feature"] for r in report["features"]} >= {"fare", "payment_type", "trip_miles", "big_tipper"}


def test_2013_q1_against_2015_q4_drifts_on_payment_type_and_big_tips(tmp_path):
    report = drift_report([_quarter_stats(tmp_path, "q1", taxi_rows("2013-Q1"))],
                          _quarter_stats(tmp_path, "q4", taxi_rows("2015-Q4")), THRESHOLDS, TAXI_EXCLUDE, [])
    assert report["drifted"]
    assert {"payment_type", "big_tipper"} <= set(report["drifted_features"])
    payment = next(r for r in report["features"] if r["feature"] == "payment_type" and r["metric"] == "linf")
    assert payment["value"] == pytest.approx(0.18, abs=0.02)  # cash share 76% -> 58%
    assert "payment_type" in report["reason"]
    assert any(r["feature"] == "payment_type" and r["drifted"] for r in report["skew"])


def test_a_tfrecord_batch_is_measured_as_its_csv_twin(tmp_path):
    header, rows = taxi_rows("2015-Q4")
    path = write_tfrecord(tmp_path / "q4.tfrecord.gz", rows_to_examples(header, rows), gzipped=True)
    as_tfrecord = tfdv.load_stats_binary(batch_statistics("tfrecord", [str(path)], str(tmp_path / "q4-tfr.pb")))
    baseline = [_quarter_stats(tmp_path, "q1", taxi_rows("2013-Q1"))]
    from_csv = drift_report(baseline, _quarter_stats(tmp_path, "q4", (header, rows)), THRESHOLDS,
                            TAXI_EXCLUDE, [])
    from_tfrecord = drift_report(baseline, as_tfrecord, THRESHOLDS, TAXI_EXCLUDE, [])
    assert from_tfrecord["drifted_features"] == from_csv["drifted_features"] and from_csv["drifted"]
    assert len(from_tfrecord["features"]) == len(from_csv["features"])
    values = {(r["feature"], r["metric"]): r["value"] for r in from_csv["features"]}
    for row in from_tfrecord["features"]:
        assert row["value"] == pytest.approx(values[(row["feature"], row["metric"])], abs=1e-3), row
