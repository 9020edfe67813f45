"""`adapt init` refusals: each is one line on stderr, exit 2, and leaves the workspace as it was."""
import subprocess
import sys

import pytest

from core.data import spans
from tests.helpers import write_csv
from tests.streams import rotating_hyperplane_batches


def _init(*args):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "init", *args], capture_output=True, text=True,
                          timeout=120)


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else None


@pytest.fixture
def batches(tmp_path):
    rotating_hyperplane_batches(tmp_path / "batches", batches=1, rows=40)
    return tmp_path / "batches"


def _refused(result, message):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"adapt: error: {message}"], result.stderr


def test_a_path_that_does_not_exist(tmp_path):
    result = _init("--data", str(tmp_path / "nowhere"), "--label", "churned", "--workdir", str(tmp_path / "ws"))
    _refused(result, f"--data {tmp_path / 'nowhere'}: no such file or folder")
    assert not (tmp_path / "ws").exists()


def test_a_file_with_a_header_and_no_rows(tmp_path):
    write_csv(tmp_path / "empty" / "data.csv", ["x1", "churned"], [])
    result = _init("--data", str(tmp_path / "empty"), "--label", "churned", "--workdir", str(tmp_path / "ws"))
    _refused(result, f"--data {tmp_path / 'empty'}: holds no rows")
    assert not (tmp_path / "ws").exists()


def test_a_label_that_is_not_a_column_names_the_columns(batches, tmp_path):
    result = _init("--data", str(batches / "batch-01"), "--label", "churn", "--workdir", str(tmp_path / "ws"))
    _refused(result, f"--label churn: not a column of {batches / 'batch-01'} (columns: customer_id, signup_time, "
                     f"x1, x2, x3, x4, channel, region, source, churned)")
    assert not (tmp_path / "ws").exists()


def test_a_workspace_that_already_has_spans(batches, tmp_path):
    workspace = tmp_path / "ws"
    spans.write_span(workspace / "data", ["x1", "churned"], [["0.5", "yes"], ["0.7", "no"], ["0.1", "no"]] * 5,
                     test_fraction=0.3, source={"batch": "old"})
    (workspace / "adapt.yaml").write_text("model: {name: old}\n")
    tree = _tree(workspace)
    before = {path: (workspace / path).read_bytes() for path in tree if (workspace / path).is_file()}
    result = _init("--data", str(batches / "batch-01"), "--label", "churned", "--workdir", str(workspace))
    _refused(result, f"{workspace} already has spans (1); adapt init starts a new workspace: give another --workdir")
    assert _tree(workspace) == tree
    assert {path: (workspace / path).read_bytes() for path in before} == before


def test_a_label_with_a_single_value(tmp_path):
    write_csv(tmp_path / "one" / "data.csv", ["x1", "churned"], [[str(i), "yes"] for i in range(10)])
    result = _init("--data", str(tmp_path / "one"), "--label", "churned", "--workdir", str(tmp_path / "ws"))
    _refused(result, "label 'churned' has a single value ('yes'); a classifier needs two or more")
    assert not (tmp_path / "ws").exists()


@pytest.mark.parametrize("label, without_labels_file, says", [
    ("label", True, "images need their labels in labels.csv (file,label)"),
    ("digit", False, "batch digits-01: labels.csv has no 'digit' column (columns: file, label)"),
])
def test_images_without_their_labels(tmp_path, label, without_labels_file, says):
    from models.images import digits
    digits.write_batches(tmp_path / "images", batches=1, per_batch=5)
    folder = tmp_path / "images" / "digits-01"
    if without_labels_file:
        (folder / "labels.csv").unlink()
    result = _init("--data", str(folder), "--label", label, "--workdir", str(tmp_path / "ws"))
    _refused(result, f"--data {folder}: {says}")
    assert not (tmp_path / "ws").exists()


def test_a_folder_of_images_configures_the_image_model(tmp_path):
    import yaml

    from models.images import digits
    digits.write_batches(tmp_path / "images", batches=1, per_batch=60)
    workdir = tmp_path / "ws"
    result = _init("--data", str(tmp_path / "images" / "digits-01"), "--label", "label", "--name", "digits",
                   "--workdir", str(workdir))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "span 1: 60 images" in result.stderr
    model = yaml.safe_load((workdir / "adapt.yaml").read_text())["model"]
    assert (model["module"], model["label"], model["name"]) == ("models.images", "label", "digits")
    assert model["classes"] == sorted(model["classes"], key=int) and set(model["classes"]) <= set(digits.CLASSES)
    assert spans.list_spans(workdir / "data") == [1]
    assert (workdir / "data" / "span-1" / "train" / "data.tfrecord.gz").exists()
    assert 'name: "image_brightness"' in (workdir / "schema" / "v1" / "schema.pbtxt").read_text()
