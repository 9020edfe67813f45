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
    assert row["reason"].startswith("batch 2015-Q2: 3 of 900 rows to label, chosen by version 4 (active testing "
                                    f"for the {request.sampling} estimator")
    assert "label request" in history_table([row])   # the table's row (its reason wraps)


class _ImageModel:
    """A stand-in for the serving image model: three classes, surer of the larger files."""
    info = {"label": "digit", "classes": ["0", "1", "2"]}
    raw_types = {"image": "string"}

    def predict(self, instances, require=True):
        assert all(set(instance) == {"image"} and isinstance(instance["image"], bytes) for instance in instances)
        sure = [min(0.98, len(instance["image"]) / 2000) for instance in instances]
        return [[p, (1 - p) / 2, (1 - p) / 2] for p in sure]


def test_an_image_batch_gets_a_label_request_naming_its_image_files(tmp_path, monkeypatch):
    import csv
    import io
    import json

    import numpy as np
    from PIL import Image

    import serving.model
    from core import versions
    from pipeline.local.label_request import request_labels
    (tmp_path / "adapt.yaml").write_text("model: {module: models.images, name: digits, label: digit}\n")
    workspace = Workspace.open(str(tmp_path))
    batch = tmp_path / "incoming" / "digits-02"
    batch.mkdir(parents=True)
    generator = np.random.default_rng(0)
    for index in range(12):   # noisier images compress worse: larger files, which the stand-in is surer of
        pixels = (generator.uniform(size=(16, 16)) * 255 * index / 11).astype("uint8")
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG")
        (batch / f"{index:04d}.png").write_bytes(buffer.getvalue())
    monkeypatch.setattr(versions, "production_version", lambda base: 3)
    monkeypatch.setattr(versions, "version_path", lambda base, version: str(tmp_path / "no-model"))
    monkeypatch.setattr(serving.model, "load_model", lambda path, version: _ImageModel())
    request, written = request_labels(workspace, workspace.load_config(), str(batch), budget=4, seed=1)
    assert (request.rows, request.budget, len(request.chosen), request.model_version) == (12, 4, 4, 3)
    with open(written) as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["instance_id", "inclusion_probability", "file", "digit"]
    assert all(row["instance_id"] == row["file"] and (batch / row["file"]).is_file() and row["digit"] == ""
               for row in rows)
    chances = json.loads((batch / ".label-request.json").read_text())["chosen"]
    assert sum(1 for row in chances if 0 < row["inclusion_probability"] <= 1) == 4
