"""End to end: the window chosen by the data (the trees through train, evaluate-batch and serve: own_data_test.py)."""
import csv
import json

import pytest

from core.data import spans
from core.workspace import Workspace
from tests.helpers import adapt_cli
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
