"""A rerun with nothing new: the inputs' fingerprint, and the answer from the newest training run's record."""
import json

from core.data import spans
from core.data.spans import SpanWindow
from pipeline.lineage.graph import Metadata
from pipeline.lineage.records import RetrainingEvent
from pipeline.local.outcome import inputs_fingerprint, previous_outcome
from tests.helpers import make_workspace


def _workspace(tmp_path):
    workspace = make_workspace(tmp_path / "ws", [("2013-Q1", 40), ("2013-Q2", 40)])
    workspace.schema_file.parent.mkdir(parents=True, exist_ok=True)
    workspace.schema_file.write_text('feature { name: "fare" type: FLOAT }\n')
    return workspace, workspace.load_config()


def _pushed(workspace, config, version: int):
    from pathlib import Path
    folder = Path(workspace.serving_model_dir(config)) / str(version)
    folder.mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"\x08\x01\x12 a model")


def _record(workspace, config, inputs: str, outcome: str, production):
    meta = Metadata.of(workspace, config)
    return meta.record(RetrainingEvent(model_name=config.model.name, spans="1-2", outcome=outcome, updated=1,
                                       production_version=production, inputs=inputs,
                                       candidate_metrics=json.dumps({"accuracy": 0.8}),
                                       holdout=json.dumps({"spans": "2-2", "rows": 10})))


def test_the_fingerprint_moves_with_the_configuration_the_schema_and_the_spans_and_only_with_them(tmp_path):
    workspace, config = _workspace(tmp_path)
    module = workspace.model_package(config).module
    first = inputs_fingerprint(workspace, config, SpanWindow(1, 2), module)
    assert inputs_fingerprint(workspace, config, SpanWindow(1, 2), module) == first
    assert inputs_fingerprint(workspace, config, SpanWindow(2, 2), module) != first
    assert inputs_fingerprint(workspace, config.with_overrides({"training.train_steps": 61}), SpanWindow(1, 2),
                              module) != first
    workspace.schema_file.write_text('feature { name: "fare" type: INT }\n')
    schema_edited = inputs_fingerprint(workspace, config, SpanWindow(1, 2), module)
    assert schema_edited != first
    spans.mark_rejected(workspace.data, 1, "anomalies")  # a window without span 1 now
    assert inputs_fingerprint(workspace, config, SpanWindow(1, 2), module) != schema_edited


def test_an_unchanged_run_is_answered_from_the_newest_record_while_its_version_serves(tmp_path):
    workspace, config = _workspace(tmp_path)
    window = SpanWindow(1, 2)
    assert previous_outcome(workspace, config, window) is None  # no run yet
    inputs = inputs_fingerprint(workspace, config, window, workspace.model_package(config).module)
    _pushed(workspace, config, 1)
    event = _record(workspace, config, inputs, "pushed as version 1", production=1)
    found = previous_outcome(workspace, config, window)
    assert found.reason == f"nothing new since training run {event}, which ended: pushed as version 1"
    assert (found.pushed, found.trained, found.production_version, found.candidate_metrics, found.holdout_rows) == (
        False, False, 1, {"accuracy": 0.8}, 10)
    assert previous_outcome(workspace, config.with_overrides({"training.window": 3}), window) is None
    assert previous_outcome(workspace, config, SpanWindow(2, 2)) is None

    _pushed(workspace, config, 2)  # another version serves now: the comparison would differ
    assert previous_outcome(workspace, config, window) is None
    _record(workspace, config, inputs, "stopped: the disk is full", production=2)
    assert previous_outcome(workspace, config, window) is None  # a run that stopped is tried again
