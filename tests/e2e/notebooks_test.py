"""The four notebooks, executed headless (nbclient) on the shared served workspace the tests build."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.e2e

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_the_four_notebooks_are_there_without_outputs():
    assert [p.name for p in NOTEBOOKS] == ["01_data_exploration.ipynb", "02_training_pipeline.ipynb",
                                           "03_model_analysis.ipynb", "04_adaptation_history.ipynb"]
    for path in NOTEBOOKS:
        cells = nbformat.read(str(path), as_version=4).cells
        assert all(not cell.get("outputs") for cell in cells if cell.cell_type == "code"), path.name


def test_the_committed_notebooks_are_what_build_notebooks_writes():
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOKS[0].parent / "build_notebooks.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for path in NOTEBOOKS:
        committed = [(c.cell_type, c.source) for c in nbformat.read(str(path), as_version=4).cells]
        assert committed == [(c.cell_type, c.source) for c in build.NOTEBOOKS[path.name]], \
            f"{path.name} is stale: run python notebooks/build_notebooks.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_headless(path, served_workspace, monkeypatch):
    monkeypatch.setenv("ADAPT_WORKDIR", str(served_workspace.root))
    notebook = nbformat.read(str(path), as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [output for cell in notebook.cells for output in cell.get("outputs", [])
              if output.get("output_type") == "error"]
    assert not errors
    shown = [output for cell in notebook.cells for output in cell.get("outputs", [])
             if output.get("output_type") in ("execute_result", "display_data", "stream")]
    assert shown, "the notebook showed nothing"
