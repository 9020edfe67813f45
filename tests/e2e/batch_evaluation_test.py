"""End to end: the batch-evaluation pipeline on real taxi batches, with the training pipeline behind it."""
import json
import subprocess
import sys

import pytest

from core import versions
from core.data import spans
from pipeline.definitions.names import BATCH_EVALUATION_PIPELINE
from pipeline.lineage.graph import Metadata, prop
from pipeline.lineage.records import RetrainingEvent
from tests.helpers import make_workspace, rows_to_examples, taxi_rows, write_csv, write_tfrecord

pytestmark = pytest.mark.e2e

# Drift is made insensitive here so that each batch exercises the performance rule alone;
# drift decisions on real quarters are tested in components/drift_detector.
QUIET_DRIFT = {"drift.min_weighted_psi": 100.0}  # no drift can move that far: only the rules under test fire
NO_ESTIMATE_RULE = {"performance.estimated_max_drop": 0.0}  # the estimate is reported, never decides (unit-tested)


def add_batch(workspace, name, quarter, start, count, labeled=True):
    header, rows = taxi_rows(quarter)
    rows = rows[start:start + count]
    if not labeled:
        label = header.index("big_tipper")
        labels = [row[label] for row in rows]
        header, rows = header[:label] + header[label + 1:], [row[:label] + row[label + 1:] for row in rows]
        write_csv(workspace.incoming / name / "data.csv", header, rows)
        return labels
    write_csv(workspace.incoming / name / "data.csv", header, rows)
    return None


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    from core.data.spans import SpanWindow
    from pipeline.local.training import run_training
    workspace = make_workspace(tmp_path_factory.mktemp("batches") / "ws", [("2013-Q1", 500)])
    outcome = run_training(workspace, workspace.load_config(), SpanWindow(1, 1), echo=None)
    assert outcome.pushed and outcome.version == 1
    return workspace


def evaluate(workspace, batch, threshold, trigger=True):
    from pipeline.local.batch_evaluation import run_batch_evaluation
    config = workspace.load_config().with_overrides({**QUIET_DRIFT, **NO_ESTIMATE_RULE,
                                                     "performance.threshold": threshold})
    return run_batch_evaluation(workspace, config, str(workspace.incoming / batch), trigger=trigger, echo=None)


def test_batch_above_threshold_makes_no_span_and_no_training(workspace):
    add_batch(workspace, "2013-Q1-late", "2013-Q1", 500, 300)
    outcome = evaluate(workspace, "2013-Q1-late", threshold=0.6)
    assert outcome.labeled and 0.6 <= outcome.metrics["accuracy"] <= 1.0
    assert set(outcome.metrics) >= {"accuracy", "auc", "precision", "recall"}
    assert not outcome.retrain and outcome.span == 0 and not outcome.triggered
    assert outcome.reason.startswith("no rule fired (accuracy")
    assert spans.list_spans(workspace.data) == [1]
    assert workspace.batch(str(workspace.incoming / "2013-Q1-late"), label="big_tipper").is_processed()


def test_batch_below_threshold_becomes_a_span_and_trains(workspace):
    add_batch(workspace, "2014-Q1", "2014-Q1", 0, 300)
    outcome = evaluate(workspace, "2014-Q1", threshold=0.99)
    assert outcome.retrain and outcome.reason.startswith("performance: accuracy")
    assert outcome.span == 2 and spans.read_source(workspace.data, 2)["batch"] == "2014-Q1"
    assert outcome.triggered and outcome.train_seconds > 0
    base = workspace.serving_model_dir(workspace.load_config())
    if outcome.pushed_version:
        assert outcome.pushed_version == 2 and versions.production_version(base) == 2
        assert outcome.training_outcome == "pushed as version 2"
    else:
        assert outcome.training_outcome.startswith("declined: ")
        assert versions.production_version(base) == 1
    meta = Metadata.of(workspace, workspace.load_config())
    event = meta.adapt_executions(RetrainingEvent.TYPE)[-1]
    assert prop(event, "trigger") == "batch-evaluation"
    assert prop(event, "spans") == "1-2" and "accuracy" in prop(event, "reason")


def test_the_same_batch_twice_makes_one_span(workspace):
    outcome = evaluate(workspace, "2014-Q1", threshold=0.99)
    assert outcome.span == 2
    assert spans.list_spans(workspace.data) == [1, 2]


def test_unlabeled_batch_waits_for_labels_and_loses_nothing(workspace):
    labels = add_batch(workspace, "2014-Q2", "2014-Q2", 0, 200, labeled=False)
    data_before = (workspace.incoming / "2014-Q2" / "data.csv").read_bytes()
    outcome = evaluate(workspace, "2014-Q2", threshold=0.99)
    assert not outcome.labeled and outcome.metrics == {}
    # Without labels, the estimate from the model's calibrated probabilities is what the batch says.
    assert outcome.performance_reason.startswith("no ground truth yet; estimated accuracy ")
    assert outcome.estimated["rows"] == 200 and outcome.estimated["calibrated"] in (True, False)
    assert 0.5 <= outcome.estimated["accuracy_low"] <= outcome.estimated["accuracy"] <= \
        outcome.estimated["accuracy_high"] <= 1.0
    assert not outcome.retrain and outcome.span == 0 and not outcome.triggered
    batch = workspace.batch(str(workspace.incoming / "2014-Q2"), label="big_tipper")
    assert batch.state()["labeled"] is False
    assert (workspace.incoming / "2014-Q2" / "data.csv").read_bytes() == data_before

    write_csv(workspace.incoming / "2014-Q2" / "labels.csv", ["big_tipper"], [[label] for label in labels])
    assert batch.readiness(1)[0]
    later = evaluate(workspace, "2014-Q2", threshold=0.5)
    assert later.labeled and 0.5 <= later.metrics["accuracy"] <= 1.0
    assert later.estimated == outcome.estimated   # the realized figure now stands beside the same estimate
    assert abs(later.estimated["accuracy"] - later.metrics["accuracy"]) < 0.15
    assert not later.retrain and not later.triggered
    assert batch.is_processed()


def test_cli_evaluate_batch_json(workspace):
    add_batch(workspace, "2014-Q3", "2014-Q3", 0, 90)
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "evaluate-batch", "2014-Q3", "--workdir",
                             str(workspace.root), "--no-trigger", "--json"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout)
    assert outcome["batch"] == "2014-Q3" and outcome["labeled"] and not outcome["triggered"]
    assert workspace.batch(str(workspace.incoming / "2014-Q3"), label="big_tipper").readiness(1)[0]  # evaluated only
    assert "accuracy" in outcome["metrics"] and outcome["drift_reason"]
    assert outcome["estimated"]["rows"] == 90 and 0.0 <= outcome["estimated"]["accuracy"] <= 1.0
    missing = subprocess.run([sys.executable, "-m", "pipeline.cli", "evaluate-batch", "nope", "--workdir",
                              str(workspace.root)], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and missing.stderr.strip() == \
        "adapt: error: batch 'nope' not found (neither a folder nor incoming/nope)"
    meta = Metadata.of(workspace, workspace.load_config())
    assert meta.node_executions(BATCH_EVALUATION_PIPELINE, "DriftDetector")


def test_watch_once_evaluates_ready_batches_oldest_first(workspace):
    import os
    import time

    import yaml
    config = yaml.safe_load(workspace.config_path.read_text())
    # Neither rule may fire (no drift, no absolute floor, no relative drop): this test is about the scan.
    config.update({"drift": {"min_weighted_psi": QUIET_DRIFT["drift.min_weighted_psi"]},
                   "performance": {"threshold": 0.5, "max_drop": 1.0},
                   "data": {"min_batch_instances": 100}})
    workspace.config_path.write_text(yaml.safe_dump(config))
    for name, quarter, count, age in (("w-later", "2015-Q1", 120, 100), ("w-earlier", "2015-Q2", 120, 200),
                                      ("w-small", "2015-Q3", 50, 300)):
        add_batch(workspace, name, quarter, 0, count)
        stamp = time.time() - age
        os.utime(workspace.incoming / name / "data.csv", (stamp, stamp))
    spans_before = spans.list_spans(workspace.data)
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "watch", "--once", "--json", "--workdir",
                             str(workspace.root)], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    tick = json.loads(result.stdout)
    assert [s["batch"] for s in tick["started"]] == ["w-earlier", "w-later"]
    assert all(s["ok"] and s["message"].startswith("keep: no rule fired") for s in tick["started"]), tick
    assert "w-small: 50 instances, fewer than 100" in tick["skipped"]
    assert "2014-Q3: 90 instances, fewer than 100" in tick["skipped"]
    assert "2014-Q1: already processed" in tick["skipped"]
    assert spans.list_spans(workspace.data) == spans_before
    for name in ("w-earlier", "w-later"):
        assert workspace.batch(str(workspace.incoming / name), label="big_tipper").is_processed()
    idle = subprocess.run([sys.executable, "-m", "pipeline.cli", "watch", "--once", "--json", "--workdir",
                           str(workspace.root)], capture_output=True, text=True, timeout=120)
    assert json.loads(idle.stdout)["started"] == []


def test_a_tfrecord_batch_is_evaluated_and_profiled_like_its_csv_twin(workspace):
    from pipeline.local.drift import compare
    header, rows = taxi_rows("2015-Q4", 150)
    write_csv(workspace.incoming / "t-csv" / "data.csv", header, rows)
    write_tfrecord(workspace.incoming / "t-tfr" / "part-0.tfrecord.gz", rows_to_examples(header, rows[:100]), True)
    write_tfrecord(workspace.incoming / "t-tfr" / "part-1.tfrecord", rows_to_examples(header, rows[100:]))
    spans_before = spans.list_spans(workspace.data)
    from_csv = evaluate(workspace, "t-csv", threshold=0.99, trigger=False)
    from_tfrecord = evaluate(workspace, "t-tfr", threshold=0.99, trigger=False)

    assert from_tfrecord.labeled and from_tfrecord.reports["PerformanceEvaluator"]["labeled_instances"] == 150
    assert from_tfrecord.metrics["accuracy"] == pytest.approx(from_csv.metrics["accuracy"], abs=1e-6)
    drift_rows = from_tfrecord.reports["DriftDetector"]["features"]
    assert {r["feature"] for r in drift_rows} >= {"fare", "payment_type", "trip_miles"}
    assert compare("1", str(workspace.incoming / "t-tfr"), workspace, workspace.load_config())["features"]
    # --no-trigger evaluates only: the decision is reported, nothing is written, both batches stay ready
    for outcome in (from_csv, from_tfrecord):
        assert outcome.retrain and outcome.span == 0 and not outcome.triggered
        assert outcome.reason.endswith("evaluate only: no span written, the batch stays ready")
    assert spans.list_spans(workspace.data) == spans_before
    assert workspace.batch(str(workspace.incoming / "t-tfr"), label="big_tipper").readiness(100)[0]
