"""Drift decisions on TFDV statistics: quiet on chance at every sample size, loud on real drift, weighted by
what the model relies on."""
import random

import numpy as np
import pandas as pd
import pytest
import tensorflow_data_validation as tfdv

import core  # noqa: F401
from core.config import Config
from core.drift import comparison, distributions, statistics
from core.drift.report import drift_report
from core.drift.settings import DriftSettings
from core.drift.statistics import batch_statistics, stats_options
from models.taxi import DRIFT_EXCLUDE as TAXI_EXCLUDE
from tests.helpers import rows_to_examples, taxi_rows, write_csv, write_tfrecord

SETTINGS = Config().drift_settings()


def _stats(frame, categorical=()):
    return tfdv.generate_statistics_from_dataframe(frame, stats_options(categorical))


def _table(before, after, **kwargs):
    return comparison.drift_table(comparison.merged_features([before]), comparison.merged_features([after]),
                                  SETTINGS, **kwargs)


def _row(rows, feature):
    return next(r for r in rows if r["feature"] == feature)


def _code(shares, size, seed):
    """An integer code with these shares of 0, 1, 2, ... in random order."""
    values = np.repeat(np.arange(len(shares)), np.round(np.array(shares) * size).astype(int))
    return np.random.default_rng(seed).permutation(values)


def test_l_infinity_matches_tfdv_drift_comparator():
    before = pd.DataFrame({"payment_type": ["Cash"] * 70 + ["Credit Card"] * 25 + ["Unknown"] * 5})
    after = pd.DataFrame({"payment_type": ["Cash"] * 55 + ["Credit Card"] * 45})
    schema = tfdv.infer_schema(_stats(before))
    tfdv.get_feature(schema, "payment_type").drift_comparator.infinity_norm.threshold = 0.01
    anomalies = tfdv.validate_statistics(_stats(after), schema, previous_statistics=_stats(before))
    tfdv_value = anomalies.drift_skew_info[0].drift_measurements[0].value
    ours = _row(_table(_stats(before), _stats(after)), "payment_type")["distances"]["linf"]
    assert ours == pytest.approx(tfdv_value, abs=1e-4) == pytest.approx(0.2, abs=1e-4)


def test_spans_merge_weighted_by_their_row_counts():
    first = _stats(pd.DataFrame({"p": ["a"] * 90 + ["b"] * 10, "x": [float(i) for i in range(100)]}))
    second = _stats(pd.DataFrame({"p": ["b"] * 300, "x": [float(i) + 100 for i in range(300)]}))
    merged = comparison.merged_features([first, second])
    assert merged["p"].counts == {"a": 90.0, "b": 310.0}
    assert merged["x"].count == 400
    assert merged["x"].cdf_at(99.0) == pytest.approx(0.25, abs=0.01)  # a quarter of the rows are below 100


def test_binary_features_are_compared_as_categories():
    stats = _stats(pd.DataFrame({"label": [0] * 80 + [1] * 20}))
    label = distributions.features_of(stats)["label"]
    assert isinstance(label, distributions.Categorical)
    assert label.counts == {"0": pytest.approx(80.0), "1": pytest.approx(20.0)}


def test_a_discrete_feature_declared_categorical_is_compared_by_exact_counts_and_identical_shares_never_drift():
    # The case of the issue: 4.5 / 6.0 / 89.5 %; quantiles read it as PSI 0.80. Counts of equal shares: chi2 = 0.
    before = _stats(pd.DataFrame({"code": _code([0.045, 0.06, 0.895], 2000, 1)}), ["code"])
    after = _stats(pd.DataFrame({"code": _code([0.045, 0.06, 0.895], 20000, 2)}), ["code"])
    assert distributions.features_of(before)["code"].counts == {"0": 90.0, "1": 120.0, "2": 1790.0}
    row = _row(_table(before, after), "code")
    assert (row["method"], row["kind"]) == ("chi2", "categorical")
    assert row["value"] == pytest.approx(0.0, abs=1e-9) and row["p_value"] == pytest.approx(1.0)
    assert not row["drifted"] and row["distances"]["psi"] == pytest.approx(0.0, abs=1e-6)
    # A move well under one point (4.5/6.0/89.5 -> 4.2/5.7/90.1) between two yearly batches is chance.
    moved = _stats(pd.DataFrame({"code": _code([0.042, 0.057, 0.901], 2000, 3)}), ["code"])
    assert not _row(_table(before, moved), "code")["drifted"]


def test_a_spike_keeps_its_point_mass():
    rng = np.random.default_rng(0)
    values = np.where(rng.random(5000) < 0.3, 0.0, rng.exponential(size=5000))
    spike = distributions.features_of(_stats(pd.DataFrame({"x": values})))["x"]
    assert spike.cdf_at(0.0) == pytest.approx(np.mean(values <= 0.0), abs=1.0 / statistics.QUANTILE_BUCKETS + 0.001)
    assert spike.cdf_at(-1e-9) == 0.0


def test_the_same_shift_is_chance_at_200_rows_and_drift_at_20000():
    rng = np.random.default_rng(5)
    def sample(size, shift):
        return _stats(pd.DataFrame({"x": rng.normal(size=size) + shift}))
    small = _row(_table(sample(200, 0.0), sample(200, 0.1)), "x")
    large = _row(_table(sample(20000, 0.0), sample(20000, 0.1)), "x")
    assert not small["drifted"] and large["drifted"]
    assert (small["baseline_rows"], small["batch_rows"], large["batch_rows"]) == (200, 200, 20000)
    assert small["threshold"] == large["threshold"] == SETTINGS.false_alarm_rate


def test_many_features_of_one_distribution_raise_no_alarm():
    rng = np.random.default_rng(11)
    def sample(size):
        return _stats(pd.DataFrame({f"x{i}": rng.normal(size=size) for i in range(30)}))
    rows = _table(sample(3000), sample(3000))
    assert len(rows) == 30 and not any(r["drifted"] for r in rows)
    assert min(r["p_value"] for r in rows) < min(r["adjusted_p_value"] for r in rows)  # adjusted for 30 tests


def test_drift_on_a_feature_the_model_does_not_use_is_reported_and_never_fires():
    rng = np.random.default_rng(3)
    before = _stats(pd.DataFrame({"used": rng.normal(size=2000), "unused": rng.normal(size=2000),
                                  "row_id": np.arange(2000)}))
    after = _stats(pd.DataFrame({"used": rng.normal(size=2000), "unused": rng.normal(size=2000) + 1.0,
                                 "row_id": np.arange(2000) + 5000}))
    report = drift_report([before], after, SETTINGS, skip=["row_id"], baseline_spans=[1],
                          importances={"used": 0.9, "other": 0.1})
    assert not report["drifted"] and report["drifted_features"] == []
    assert report["reported_drift"] == ["row_id", "unused"]
    assert _row(report["features"], "unused")["importance"] == 0.0 and not _row(report["features"], "row_id")["decides"]
    assert "drifted but not deciding: row_id, unused" in report["reason"]
    fired = drift_report([before], after, SETTINGS, skip=["row_id"], baseline_spans=[1],
                         importances={"used": 0.5, "unused": 0.5})
    assert fired["drifted"] and fired["drifted_features"] == ["unused"] and fired["drifted_importance"] == 0.5
    below = drift_report([before], after, DriftSettings(min_importance=0.6), skip=["row_id"], baseline_spans=[1],
                         importances={"used": 0.5, "unused": 0.5})
    assert not below["drifted"] and "drift too small for the model to feel" in below["reason"]
    tiny = drift_report([before], after, DriftSettings(min_weighted_psi=1.0), skip=["row_id"], baseline_spans=[1],
                        importances={"used": 0.5, "unused": 0.5})
    assert not tiny["drifted"] and tiny["drifted_features"] == ["unused"] and 0.2 < tiny["weighted_psi"] < 1.0


def test_a_column_the_batch_lacks_is_a_row_saying_so_and_named_in_the_reason():
    rng = np.random.default_rng(4)
    before = _stats(pd.DataFrame({"used": rng.normal(size=500), "plan": rng.normal(size=500),
                                  "label": rng.integers(0, 2, size=500)}))
    after = _stats(pd.DataFrame({"used": rng.normal(size=500), "surprise": rng.normal(size=500)}))
    report = drift_report([before], after, SETTINGS, skip=[], baseline_spans=[1],
                          importances={"used": 0.7, "plan": 0.3}, label="label")
    missing, new = _row(report["features"], "plan"), _row(report["features"], "surprise")
    assert (missing["kind"], missing["note"], missing["batch_rows"], missing["baseline_rows"]) == \
        ("missing", "missing from the batch", 0, 500)
    assert missing["decides"] and missing["importance"] == 0.3 and not missing["drifted"]
    assert (new["kind"], new["note"], new["batch_rows"]) == ("new", "not in the baseline", 500)
    assert "label" not in [row["feature"] for row in report["features"]]   # the label is not a missing feature
    assert report["reason"].endswith("; missing from the batch: plan") and not report["drifted"]
    two_spans = drift_report([before, before], after, SETTINGS, skip=[], baseline_spans=[1, 2], label="label")
    assert "plan" in [row["feature"] for row in two_spans["skew"]]   # the skew (newest span alone) shows it too


def _quarter_stats(tmp_path, name, rows, options=None):
    header, data = rows
    path = write_csv(tmp_path / f"{name}.csv", header, data)
    return tfdv.load_stats_binary(batch_statistics("csv", [str(path)], str(tmp_path / f"{name}.pb"), options=options))



def test_two_random_halves_of_one_quarter_do_not_drift(tmp_path):
    header, rows = taxi_rows("2014-Q2")
    random.Random(7).shuffle(rows)
    half = len(rows) // 2
    options = stats_options(["trip_start_day", "trip_start_month"])
    report = drift_report([_quarter_stats(tmp_path, "a", (header, rows[:half]), options)],
                          _quarter_stats(tmp_path, "b", (header, rows[half:]), options), SETTINGS, TAXI_EXCLUDE, [],
                          label="big_tipper")
    assert not report["drifted"], report["reason"]
    assert not [r for r in report["features"] + report["skew"] if r["drifted"] and r["decides"]]
    assert {r["feature"] for r in report["features"]} >= {"fare", "payment_type", "trip_miles", "trip_start_day"}
    assert _row(report["features"], "trip_start_day")["method"] == "chi2"
    assert report["label_shift"]["measured"] and not report["label_shift"]["drifted"]


def test_2013_q1_against_2015_q4_drifts_on_payment_type_and_the_label_shifts(tmp_path):
    report = drift_report([_quarter_stats(tmp_path, "q1", taxi_rows("2013-Q1"))],
                          _quarter_stats(tmp_path, "q4", taxi_rows("2015-Q4")), SETTINGS, TAXI_EXCLUDE, [],
                          label="big_tipper")
    assert report["drifted"] and "payment_type" in report["drifted_features"]
    assert "big_tipper" not in {r["feature"] for r in report["features"]}  # the label is a signal of its own
    payment = _row(report["features"], "payment_type")
    assert payment["distances"]["linf"] == pytest.approx(0.18, abs=0.02)  # cash share 76% -> 58%
    assert payment["adjusted_p_value"] < 1e-6 and "payment_type" in report["reason"]
    shift = report["label_shift"]
    assert shift["drifted"] and shift["batch_shares"]["1"] > shift["baseline_shares"]["1"] + 0.05
    assert report["skew"] == []   # one baseline: its skew would be the drift table again


def test_a_tfrecord_batch_is_measured_as_its_csv_twin(tmp_path):
    header, rows = taxi_rows("2015-Q4")
    path = write_tfrecord(tmp_path / "q4.tfrecord.gz", rows_to_examples(header, rows), gzipped=True)
    as_tfrecord = tfdv.load_stats_binary(batch_statistics("tfrecord", [str(path)], str(tmp_path / "q4-tfr.pb")))
    baseline = [_quarter_stats(tmp_path, "q1", taxi_rows("2013-Q1"))]
    from_csv = drift_report(baseline, _quarter_stats(tmp_path, "q4", (header, rows)), SETTINGS, TAXI_EXCLUDE, [])
    from_tfrecord = drift_report(baseline, as_tfrecord, SETTINGS, TAXI_EXCLUDE, [])
    assert from_tfrecord["drifted_features"] == from_csv["drifted_features"] and from_csv["drifted"]
    assert len(from_tfrecord["features"]) == len(from_csv["features"])
    values = {r["feature"]: r["value"] for r in from_csv["features"]}
    for row in from_tfrecord["features"]:
        assert row["value"] == pytest.approx(values[row["feature"]], abs=1e-3), row


def test_a_batch_is_described_as_its_baseline_was():
    before = _stats(pd.DataFrame({"code": [0, 1, 2] * 50, "x": np.arange(150.0)}), ["code"])
    options = statistics.matching_options([before])
    assert options.num_quantiles_histogram_buckets == statistics.QUANTILE_BUCKETS
    after = tfdv.generate_statistics_from_dataframe(pd.DataFrame({"code": [0, 1] * 75, "x": np.arange(150.0)}),
                                                    options)
    assert isinstance(distributions.features_of(after)["code"], distributions.Categorical)
