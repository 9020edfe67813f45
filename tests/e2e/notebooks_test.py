"""The four notebooks, executed headless (nbclient) on the taxi demo's workspace (the shared served workspace: two
versions, slices, a candidate against a baseline); regression_test.py runs them on a regression replay's
workspace `adapt init` made from a generated table, with `run_notebook`. Nothing in them names a column: each
reads its label, features, slices, metric and retrain rule from the workspace."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient


pytestmark = pytest.mark.e2e

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def run_notebook(path: Path, workdir: Path, monkeypatch) -> list:
    """Executes one notebook on the workspace at `workdir`; fails on any error. Returns its outputs."""
    monkeypatch.setenv("ADAPT_WORKDIR", str(workdir))
    notebook = nbformat.read(str(path), as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    errors = [output for output in outputs if output.get("output_type") == "error"]
    assert not errors, "\n".join(f"{e['ename']}: {e['evalue']}" for e in errors)
    assert any(output.get("output_type") in ("execute_result", "display_data", "stream") for output in outputs), \
        "the notebook showed nothing"
    return outputs


def notebooks_module(name: str):
    """notebooks/<name>.py, imported (the folder is not a package: the notebooks run from it)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, NOTEBOOKS[0].parent / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def printed(outputs: list) -> str:
    return "".join(output.get("text", "") for output in outputs if output.get("output_type") == "stream")


def test_the_four_notebooks_are_there_without_outputs():
    assert [p.name for p in NOTEBOOKS] == ["01_data_exploration.ipynb", "02_training_pipeline.ipynb",
                                           "03_model_analysis.ipynb", "04_adaptation_history.ipynb"]
    for path in NOTEBOOKS:
        cells = nbformat.read(str(path), as_version=4).cells
        assert all(not cell.get("outputs") for cell in cells if cell.cell_type == "code"), path.name


def test_the_committed_notebooks_are_what_build_notebooks_writes():
    build = notebooks_module("build_notebooks")
    for path in NOTEBOOKS:
        committed = [(c.cell_type, c.source) for c in nbformat.read(str(path), as_version=4).cells]
        assert committed == [(c.cell_type, c.source) for c in build.NOTEBOOKS[path.name]], \
            f"{path.name} is stale: run python notebooks/build_notebooks.py"


def test_the_notebooks_and_their_helpers_name_no_dataset_column():
    from tests.streams import HEADER
    from models.taxi.features import LABEL_KEY, SLICE_FEATURE_KEYS
    sources = [(path.name, path.read_text()) for path in NOTEBOOKS[0].parent.glob("*.py")]
    for column in [LABEL_KEY, *SLICE_FEATURE_KEYS, "fare", "trip_miles", "company", *HEADER]:
        assert not [name for name, text in sources if f'"{column}"' in text], column


def test_the_retrain_level_is_the_rule_in_force_and_none_without_one():
    retrain_level = notebooks_module("explore").retrain_level
    accuracy = {"threshold_metric": "accuracy", "reference": 0.8, "max_drop": 0.05, "threshold": 0.0}
    assert retrain_level(accuracy) == pytest.approx(0.76)   # a floor: 5 % below the holdout's 0.8
    assert retrain_level({**accuracy, "threshold": 0.78}) == 0.78   # the stricter of the two
    assert retrain_level({**accuracy, "reference": 0.0}) is None   # threshold off, no reference: no line at 0
    mae = {"threshold_metric": "mae", "reference": 10.0, "max_drop": 0.05, "threshold": 0.0}
    assert retrain_level(mae) == pytest.approx(10.5)   # an error: a ceiling
    assert retrain_level({**mae, "threshold": 10.2}) == 10.2
    assert retrain_level({**mae, "rule": "tested_drop"}) == pytest.approx(10.5)   # its tolerance, tested
    unlabeled = {**accuracy, "threshold": 0.78, "estimated_max_drop": 0.1}   # the estimate: its own drop only
    assert retrain_level(unlabeled, labeled=False) == pytest.approx(0.72)
    assert retrain_level({**unlabeled, "estimated_max_drop": 0.0}, labeled=False) is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_headless(path, served_workspace, monkeypatch):
    outputs = run_notebook(path, served_workspace.root, monkeypatch)
    if path.stem.startswith("01"):
        assert "'label': 'big_tipper'" in printed(outputs)
    if path.stem.startswith("04"):   # the serving model's holdout score is recorded: a line is drawn
        assert "no performance rule applied" not in printed(outputs)
