"""DriftDetector's executor on real taxi quarters: the batch is described as its baseline was, weighed by the
serving model's importances, and a workspace without a baseline says why it did not compare."""
import json

import tensorflow_data_validation as tfdv

import components  # noqa: F401
from components.artifacts import BatchPredictions, DriftReport, FileList, read_report, write_report
from components.drift_detector.executor import Executor
from components.file_list_gen.executor import list_batch
from core.config import Config
from core.data.batch import Batch
from core.drift.statistics import batch_statistics, stats_options
from tests.helpers import artifact, taxi_rows, write_csv

SETTINGS = Config().drift_settings().to_json()


def _run(tmp_path, baselines, importances, quarter="2015-Q4", predictions=(), holdout_answers=None):
    header, rows = taxi_rows(quarter)
    write_csv(tmp_path / "batch" / quarter / "data.csv", header, rows)
    listing = artifact(FileList, tmp_path / "list")
    write_report(listing, list_batch(Batch(str(tmp_path / "batch" / quarter), label="big_tipper")))
    output = artifact(DriftReport, tmp_path / "drift")
    inputs = {"file_list": [listing]}
    if predictions:
        answered = artifact(BatchPredictions, tmp_path / "predictions")
        (tmp_path / "predictions").mkdir()
        (tmp_path / "predictions" / "predictions-00000-of-00001.jsonl").write_text(
            "\n".join(json.dumps({"instance_id": f"data.csv:{i}", "prediction": p}) for i, p in enumerate(predictions)))
        inputs["predictions"] = [answered]
    Executor().Do(inputs, {"drift_report": [output]}, {
        "baseline_statistics": json.dumps(baselines), "settings": SETTINGS, "importances": json.dumps(importances),
        "exclude": json.dumps(["trip_start_timestamp"]), "label": "big_tipper",
        "holdout_answers": json.dumps(holdout_answers or {})})
    return output, read_report(output)


def _span_statistics(tmp_path, quarter):
    header, rows = taxi_rows(quarter)
    path = write_csv(tmp_path / "spans" / quarter / "data.csv", header, rows)
    return batch_statistics("csv", [str(path)], str(tmp_path / "spans" / f"{quarter}.pb"),
                            options=stats_options(["trip_start_day", "trip_start_month", "big_tipper"]))


def test_a_batch_against_two_training_spans_weighed_by_importance(tmp_path):
    baselines = [{"span": 1, "uri": _span_statistics(tmp_path, "2013-Q1")},
                 {"span": 2, "uri": _span_statistics(tmp_path, "2013-Q2")}]
    output, report = _run(tmp_path, baselines, {"payment_type": 0.7, "fare": 0.3})
    assert report["drifted"] and output.drifted == 1 and "payment_type" in output.drifted_features.split(",")
    assert report["baseline_spans"] == [1, 2] and report["importances_recorded"]
    rows = {r["feature"]: r for r in report["features"]}
    assert rows["trip_start_day"]["method"] == "chi2"   # described by counts, as its baseline was
    assert rows["fare"]["method"] == "ks_t" and rows["fare"]["batch_rows"] > 1000
    assert rows["trip_miles"]["importance"] == 0.0 and not rows["trip_miles"]["decides"]
    assert not rows["trip_start_timestamp"]["decides"] and rows["trip_start_timestamp"]["drifted"]
    assert "big_tipper" not in rows and report["label_shift"]["measured"]
    statistics = tfdv.load_stats_binary(str(tmp_path / "drift" / "FeatureStats.pb"))
    day = next(f for f in statistics.datasets[0].features if f.path.step == ["trip_start_day"])
    assert day.HasField("string_stats")


def test_without_baseline_statistics_it_reports_why_and_no_drift(tmp_path):
    output, report = _run(tmp_path, [], {})
    assert not report["drifted"] and output.drifted == 0 and report["features"] == []
    assert report["reason"].startswith("no baseline statistics")


def test_the_models_answers_on_the_batch_are_compared_with_its_answers_on_its_holdout(tmp_path):
    from core.drift import distributions
    holdout = distributions.to_dict(distributions.categorical_from_values(["0"] * 800 + ["1"] * 200))
    _, steady = _run(tmp_path / "a", [], {}, predictions=["0"] * 160 + ["1"] * 40, holdout_answers=holdout)
    assert steady["prediction_drift"]["measured"] and not steady["prediction_drift"]["shifted"]
    assert steady["prediction_drift"]["method"] == "chi2" and steady["prediction_drift"]["batch_rows"] == 200
    _, shifted = _run(tmp_path / "b", [], {}, predictions=["0"] * 100 + ["1"] * 100, holdout_answers=holdout)
    assert shifted["prediction_drift"]["shifted"] and shifted["prediction_drift"]["p_value"] < 1e-6
    assert not shifted["drifted"]   # reported beside the decision, never deciding
    _, unrecorded = _run(tmp_path / "c", [], {}, predictions=["0"] * 10)
    assert unrecorded["prediction_drift"] == {
        "measured": False, "reason": "the serving model's answers on its holdout were not recorded"}
