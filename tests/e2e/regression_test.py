"""End to end, through the command line: a numeric label is a regression model, from `adapt init` to a replay.

A generated stream (tests/streams.py: drifting_regression_batches) whose price moves its weight from x1 to x2
batch after batch, the first batch with three rows without a price: init picks `task: regression` and says why,
train pushes a model judged by MAE, evaluate-batch reports MAE / RMSE / R² in the label's unit and the MAE its
error model estimates without labels, the server
answers prices, and a replay that retrains when the error rises ends with a lower mean MAE than one that never
retrains, both from the same first model.
"""
import json
import re
import shutil

import pytest
import yaml

from core.contract import read_model_info
from tests.e2e.own_data_test import small_settings
from tests.helpers import Served, adapt_cli
from tests.streams import REGRESSION_LABEL, drifting_regression_batches

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(batches, workspace, init's table, train's outcome, a copy of the workspace as train left it)."""
    root = tmp_path_factory.mktemp("regression")
    batches = drifting_regression_batches(root / "batches", batches=4, rows=300)[0].parent
    workdir = root / "ws"
    printed = adapt_cli("init", "--data", batches / "batch-01", "--label", REGRESSION_LABEL, "--name", "prices",
                        "--workdir", workdir)
    small_settings(workdir)
    settings = yaml.safe_load((workdir / "adapt.yaml").read_text())
    settings["model"]["slices"] = ["district"]   # the Evaluator's MAE per district, read by the notebooks below
    (workdir / "adapt.yaml").write_text(yaml.safe_dump(settings))
    outcome = json.loads(adapt_cli("train", "--workdir", workdir, "--json"))
    shutil.copytree(workdir, root / "ws-static")
    return batches, workdir, printed, outcome, root / "ws-static"


def test_init_picks_regression_and_train_pushes_a_model_judged_by_its_error(trained):
    _, workdir, printed, outcome, _ = trained
    assert re.search(r"^price +label +regression +a number with \d+ distinct values: predicted as a number; "
                     r"3 rows without a label, not trained on$", printed, re.M), printed
    model = yaml.safe_load((workdir / "adapt.yaml").read_text())["model"]
    assert model["task"] == "regression" and model["classes"] == []
    assert outcome["pushed"] and outcome["version"] == 1, outcome["reason"]
    assert 0 < outcome["candidate_metrics"]["mae"] < outcome["candidate_metrics"]["rmse"] < 40
    assert "accuracy" not in outcome["candidate_metrics"]


def test_a_batch_is_measured_in_the_labels_unit_and_the_server_answers_prices(trained):
    batches, workdir, _, _, _ = trained
    evaluated = json.loads(adapt_cli("evaluate-batch", batches / "batch-02", "--workdir", workdir, "--no-trigger",
                                     "--json"))
    metrics = evaluated["metrics"]
    assert evaluated["labeled"] and set(metrics) >= {"mae", "rmse", "r2"} and "accuracy" not in metrics
    assert 0 < metrics["mae"] < metrics["rmse"] < 60 and metrics["r2"] < 1
    estimated = evaluated["estimated"]   # the MAE its error model expects from the predictions alone (DLE)
    assert estimated["rows"] == 300 and estimated["error_bins"] >= 1
    assert 0 < estimated["mae_low"] <= estimated["mae"] <= estimated["mae_high"] < 60 and estimated["rmse"] > 0
    info = read_model_info(str(next(p for p in (workdir / "serving" / "prices").iterdir() if p.name.isdigit())))
    assert info["error_model"]["rows"] > 0 and info["error_model"]["holdout_mae"] > 0
    answers = evaluated["prediction_drift"]   # the prices it predicts on the batch against those on its holdout
    assert answers["measured"] and answers["method"] == "ks_t" and answers["batch_rows"] == 300
    with Served(workdir, "prices") as served:
        metadata = served.get("/v1/models/prices/metadata")["metadata"]
        assert metadata["label"] == REGRESSION_LABEL and metadata["classes"] == []
        prices = served.predict([{"x1": 0.2, "x2": 0.9, "x3": 0.1, "district": "centre"},
                                 {"x1": 0.9, "x2": 0.1, "x3": -1.5, "district": "south"}])
        assert all(isinstance(price, float) and 80 < price < 220 for price in prices), prices


@pytest.fixture(scope="module")
def replays(trained):
    batches, workdir, _, _, static_workdir = trained
    found = {}
    for policy, folder in (("triggered", workdir), ("static", static_workdir)):
        found[policy] = json.loads(adapt_cli("replay", batches, "--workdir", folder, "--policy", policy, "--json",
                                             timeout=1800))
    return found


def test_a_replay_that_retrains_when_the_error_rises_errs_less_than_one_that_never_does(trained, replays):
    triggered, static = replays["triggered"], replays["static"]
    assert [row["batch"] for row in triggered["batches"]] == ["batch-02", "batch-03", "batch-04"]
    assert static["summary"]["retrains"] == 0 and triggered["summary"]["retrains"] >= 1
    assert triggered["summary"]["metric"] == "mae" and triggered["summary"]["pushes"] >= 1
    assert triggered["summary"]["mean_mae"] < static["summary"]["mean_mae"], (triggered["summary"],
                                                                              static["summary"])
    assert all(row["estimated_mae"] > 0 for row in triggered["batches"])
    assert triggered["summary"]["estimation_mae"] is not None
    retrained = [row for row in triggered["batches"] if row["retrained"]]
    assert all("mae" in row["reason"] for row in retrained), [row["reason"] for row in retrained]
    workdir = trained[1]
    assert "| batch | serving version | mae |" in (workdir / "reports" / "replay-triggered.md").read_text()
    history = json.loads(adapt_cli("history", "--workdir", workdir, "--json"))
    pushed = [row for row in history if row["event"] == "retraining" and row["updated"]]
    assert pushed and all(row["metric"] == "mae" and row["candidate_value"] > 0 for row in pushed)


def test_the_notebooks_read_a_regression_workspace_by_its_metric(trained, replays, monkeypatch):
    from tests.e2e.notebooks_test import NOTEBOOKS, notebooks_module, printed, run_notebook
    explore = notebooks_module("explore")
    workspace, _ = explore.open_workspace(str(trained[1]))
    rows = [row for row in explore.batch_history(workspace) if row.get("metric")]
    assert {row["batch"] for row in rows} >= {"batch-02", "batch-03", "batch-04"}
    assert all(row["metric"] == "mae" and row["mae"] > 0 and "accuracy" not in row for row in rows)
    slices = explore.slice_metrics(explore.latest_evaluation_uri(workspace), "district", "mean_absolute_error")
    assert slices and all(row["candidate"] > 0 and row["examples"] > 0 for row in slices), slices
    for path in NOTEBOOKS:   # the four notebooks, headless, by the workspace's label, slices and metric
        outputs = run_notebook(path, trained[1], monkeypatch)
        if path.stem.startswith("01"):
            assert f"'label': '{REGRESSION_LABEL}'" in printed(outputs)
