"""The data contract evolves by approval, end to end, run as a user runs it (issue: data contracts).

A generated table (tests/streams.py). Batch 3 adds a column and a new category: its span is quarantined;
`adapt schema diff` shows both and writes nothing; `adapt schema accept --reason` writes v2 and releases the span;
training on spans 1-3 runs under v2 (batch 2 made span 2 and model 2 under v1) and the model records it (models list, models show, history, the model server's
metadata). A request without the new column is answered before and after the new model serves.
"""
import csv
import json
import subprocess
import sys
import time

import pytest

from core.workspace import Workspace
from pipeline.lineage.graph import Metadata
from pipeline.lineage.queries import span_schema_versions
from tests.helpers import Served, adapt_cli
from tests.streams import LABEL, rotating_hyperplane_batches

pytestmark = pytest.mark.e2e

NEW_COLUMN, NEW_CATEGORY = "tenure_months", "partner"


def _add_column_and_category(folder):
    """Batch 3 as a producer changed it on purpose: a new numeric column, and a new sales channel in a third of
    the rows."""
    with open(folder / "data.csv", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    channel = header.index("channel")
    for index, row in enumerate(rows):
        if index % 3 == 0:
            row[channel] = NEW_CATEGORY
        row.append(str(1 + (index * 7) % 60))
    with open(folder / "data.csv", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows([header + [NEW_COLUMN], *rows])


def _request(header, row):
    """A request as the producer sent it before the change: batch 3's first row without the new column."""
    instance = {name: value for name, value in zip(header, row) if name not in (LABEL, NEW_COLUMN)}
    for name in ("x1", "x2", "x3", "x4"):
        instance[name] = float(instance[name])
    for name in ("region", "signup_time"):
        instance[name] = int(instance[name])
    return instance


def _adapt_fails(*args) -> str:
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args)], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    return result.stderr


def test_a_new_column_and_category_are_diffed_accepted_as_v2_and_trained_under_it(tmp_path):
    batches = rotating_hyperplane_batches(tmp_path / "batches", batches=3, rows=300, degrees_per_batch=5)
    _add_column_and_category(batches[2])
    workdir = tmp_path / "ws"
    adapt_cli("init", "--data", batches[0], "--label", LABEL, "--name", "churn", "--workdir", workdir)
    workspace = Workspace.open(str(workdir))
    workspace.write_config(workspace.load_config().with_overrides({
        "training.eval_steps": 5, "validation.infra_requests": 5, "validation.min_accuracy": 0.5,
        "validation.max_accuracy_drop": 1.0, "validation.min_holdout_rows": 20, "data.min_batch_instances": 1,
        "retraining.policy": "periodic"}))
    assert json.loads(adapt_cli("train", "--workdir", workdir, "--json"))["pushed"]
    assert workspace.schema_version == 1 and workspace.schema_file == workdir / "schema" / "v1" / "schema.pbtxt"
    assert json.loads(adapt_cli("evaluate-batch", batches[1], "--json", "--workdir", workdir))["span"] == 2

    said = _adapt_fails("evaluate-batch", batches[2], "--workdir", workdir)   # span 3, then its validation
    rejected = workdir / "data" / "span-3" / "_REJECTED.json"
    assert rejected.exists() and NEW_COLUMN in json.loads(rejected.read_text())["reason"], said

    with open(batches[2] / "data.csv", newline="") as handle:
        header, row = list(csv.reader(handle))[:2]
    request = _request(header, row)
    schema_before = sorted(p.name for p in (workdir / "schema").rglob("*"))
    with Served(workdir, "churn") as served:
        assert served.get("/v1/models/churn/metadata")["metadata"]["schema_version"] == 1
        assert len(served.predict([request])) == 1   # the old model serves; the request has no new column

        found = json.loads(adapt_cli("schema", "diff", batches[2], "--json", "--workdir", workdir))
        changes = {(c["feature"], c["change"]): c for c in found["changes"]}
        assert (NEW_COLUMN, "new column") in changes and changes[(NEW_COLUMN, "new column")]["blocks"], found
        assert NEW_CATEGORY in changes[("channel", "new categories")]["detail"], found
        assert found["quarantined"] and found["schema_version"] == 1 and found["span"] == 3
        table = adapt_cli("schema", "diff", batches[2], "--workdir", workdir)
        assert "new column" in table and "new categories" in table and NEW_COLUMN in table
        assert sorted(p.name for p in (workdir / "schema").rglob("*")) == schema_before   # diff writes nothing

        reason = "the CRM export adds tenure; the partner channel launched"
        done = json.loads(adapt_cli("schema", "accept", batches[2], "--reason", reason, "--json",
                                    "--workdir", workdir))
        assert done["version"] == 2 and done["released_span"] == 3 and done["features"] == {NEW_COLUMN: "numeric"}
        assert workspace.schema_version == 2 and (workdir / "schema" / "v2" / "CHANGE.json").exists()
        assert not rejected.exists() and (workdir / "data" / "span-3" / "_RELEASED.json").exists()
        config = workspace.load_config()
        assert config.model.features[NEW_COLUMN] == "numeric"
        assert "# Kept schema" in workspace.config_path.read_text()   # adapt.yaml edited in place, comments kept
        assert json.loads(adapt_cli("schema", "diff", batches[2], "--json", "--workdir", workdir))["changes"] == []

        trained = json.loads(adapt_cli("train", "--spans", "1-3", "--workdir", workdir, "--json"))
        assert trained["pushed"] and trained["version"] == 3, trained
        deadline = time.time() + 60
        while served.get("/v1/models/churn/metadata")["model_spec"]["version"] != "3":
            assert time.time() < deadline, "the server never loaded version 3"
            time.sleep(0.5)
        served_now = served.get("/v1/models/churn/metadata")["metadata"]
        assert served_now["schema_version"] == 2 and NEW_COLUMN in served_now["optional_features"], served_now
        assert len(served.predict([request])) == 1                                  # still valid without it
        assert len(served.predict([{**request, NEW_COLUMN: 12}])) == 1

    listed = {row["version"]: row for row in json.loads(adapt_cli("models", "list", "--json", "--workdir", workdir))}
    assert [listed[version]["schema_version"] for version in (1, 2, 3)] == [1, 1, 2]
    assert "schema v2" in adapt_cli("models", "show", "3", "--workdir", workdir)
    events = json.loads(adapt_cli("history", "--json", "--workdir", workdir))
    [accepted] = [event for event in events if event["event"] == "schema"]
    assert accepted["reason"] == reason and accepted["schema_version"] == 2 and accepted["spans"] == "3"
    assert [e["schema_version"] for e in events if e["event"] == "retraining" and e["updated"]][-1] == 2
    validated = span_schema_versions(Metadata.of(workspace, workspace.load_config()))
    assert (validated[1], validated[3]) == (1, 2), validated   # each span's validation names its version (MLMD)
    between = json.loads(adapt_cli("schema", "diff", "--models", "1", "3", "--json", "--workdir", workdir))
    assert between["models"] == {"1": 1, "3": 2} and {c["feature"] for c in between["changes"]} >= {NEW_COLUMN, "channel"}
    from fastapi.testclient import TestClient

    from pipeline.ui.app import create_app
    page = TestClient(create_app(workspace)).get("/models", params={"a": 1, "b": 3}).text   # the dashboard
    assert "schema v1 to v2" in page and NEW_COLUMN in page and reason in page
