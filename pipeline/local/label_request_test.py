"""A label request is recorded in ML Metadata, where `adapt history` lists it (the choosing itself needs a serving
model: tests/e2e/prediction_log_test.py)."""
from core.labeling.acquisition import ChosenRow, LabelRequest
from core.workspace import Workspace
from pipeline.cli.tables import history_table
from pipeline.lineage.history import history
from pipeline.local.label_request import record_request


def test_a_label_request_is_in_the_history_with_its_budget_rows_and_weights_file(tmp_path):
    (tmp_path / "adapt.yaml").write_text("model: {module: models.taxi, name: taxi}\n")
    workspace = Workspace.open(str(tmp_path))
    config = workspace.load_config()
    chosen = [ChosenRow(f"data.csv:{i}", 0.25, 0.1) for i in range(3)]
    request = LabelRequest("2015-Q2", 4, 900, 3, 0.5, 0, "big_tipper", "2026-12-07T20:00:00+00:00", chosen)
    record_request(workspace, config, request, "incoming/2015-Q2/.label-request.json", tmp_path / "to-label.csv")
    [row] = history(workspace, config)
    assert (row["event"], row["batch"], row["model_version"], row["rows"], row["budget"], row["chosen"]) == (
        "label request", "2015-Q2", 4, 900, 3, 3)
    assert row["weights_file"] == "incoming/2015-Q2/.label-request.json" and row["uniform_share"] == 0.5
    assert row["reason"].startswith("batch 2015-Q2: 3 of 900 rows to label, chosen by version 4")
    assert "label request" in history_table([row])   # the table's row (its reason wraps)
