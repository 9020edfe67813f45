"""End to end: gradient-boosted trees through train, evaluate-batch and serve; the window chosen by the data."""
import csv
import json

import pytest

from core.data import spans
from core.workspace import Workspace
from tests.helpers import Served, adapt_cli
from tests.streams import rotating_hyperplane_batches

pytestmark = pytest.mark.e2e

SMALL = {"training.eval_steps": 5, "validation.infra_requests": 5, "validation.min_accuracy": 0.5,
         "validation.min_holdout_rows": 100, "model.kind": "gbt"}


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    return rotating_hyperplane_batches(tmp_path_factory.mktemp("stream"), batches=4, rows=300, degrees_per_batch=40)


def _workspace(stream, workdir, name, **settings):
    adapt_cli("init", "--data", stream[0], "--label", "churned", "--name", name, "--workdir", workdir)
    workspace = Workspace.open(str(workdir))
    workspace.write_config(workspace.load_config().with_overrides({**SMALL, **settings}))
    return workspace


def test_gradient_boosted_trees_train_evaluate_and_serve(stream, tmp_path):
    workdir = tmp_path / "ws"
    _workspace(stream, workdir, "trees")
    trained = json.loads(adapt_cli("train", "--workdir", workdir, "--json"))
    assert trained["pushed"] and trained["version"] == 1, trained["reason"]
    assert trained["candidate_metrics"]["accuracy"] >= 0.7 and trained["holdout_rows"] >= 50
    info = json.loads((workdir / "serving" / "trees" / "1" / "assets.extra" / "adapt_model.json").read_text())
    assert info["kind"] == "gbt" and info["trees"] >= 1 and info["classes"] == ["no", "yes"]
    [curve] = info["learning_curves"]   # a small holdout: a quarter of the training rows against three, out of fold
    assert curve["metric"] == "accuracy" and curve["scored_on"] == "out of fold" and len(curve["points"]) == 2

    outcome = json.loads(adapt_cli("evaluate-batch", stream[1], "--workdir", workdir, "--no-trigger", "--json"))
    assert outcome["labeled"] and 0.5 <= outcome["metrics"]["accuracy"] <= 1.0

    rows = {r["version"]: r for r in json.loads(adapt_cli("models", "list", "--workdir", workdir, "--json"))}
    assert rows[1]["stage"] == "production" and rows[1]["infra_blessed"]
    with Served(workdir, "trees") as served:
        [[probability]] = served.predict([{"x1": 0.9, "x2": 0.1, "x3": 0.5, "x4": 0.5, "channel": "web",
                                           "region": 1}])
        assert 0.0 <= probability <= 1.0


def test_an_auto_window_trains_each_candidate_and_keeps_the_best_on_the_newest_data(stream, tmp_path):
    workdir = tmp_path / "ws"
    workspace = _workspace(stream, workdir, "auto", **{"training.window": "auto",
                                                      "training.window_candidates": ["1", "2", "all"]})
    for folder in stream[1:]:
        with open(folder / "data.csv", newline="") as handle:
            header, *rows = list(csv.reader(handle))
        spans.write_span(workspace.data, header, rows, test_fraction=0.2, source={"batch": folder.name})
    trained = json.loads(adapt_cli("train", "--workdir", workdir, "--json"))
    choice = trained["window_choice"]
    assert set(choice) == {"4-4", "3-4", "1-4"}, choice
    best = max(choice, key=lambda w: (choice[w], -len(w)))
    assert trained["window"] == best and trained["spans"][-1] == 4
    assert trained["holdout"] == "4-4" or trained["holdout"].endswith("-4")
    history = json.loads(adapt_cli("history", "--workdir", workdir, "--json"))
    assert history[-1]["window_choice"] == choice and history[-1]["spans"] == best
