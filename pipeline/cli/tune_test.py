"""`adapt tune --apply` on a workspace whose adapt.yaml is on disk (no `adapt init`: it takes 20 s): reports written,
the chosen keys in adapt.yaml with their evidence, the user's other lines kept; mistakes in one line."""
import json

import pytest
import yaml

from core.config import Config
from core.tuning import search
from core.tuning.simulator import PolicySetting
from core.workspace import Workspace
from pipeline.cli.main import main
from tests.streams import covariate_shift_batches

USER_LINE = "# my own note, kept"


@pytest.fixture
def workspace(tmp_path):
    found = Workspace.open(str(tmp_path / "ws"))
    found.write_config(Config().with_overrides({"model.label": "bought", "model.classes": ["0", "1"],
                                                "model.name": "shop"}))
    found.config_path.write_text(found.config_path.read_text() + USER_LINE + "\n")
    return found


def test_tune_applies_the_chosen_settings_with_their_evidence(workspace, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(search, "grid", lambda economics=False: [
        PolicySetting("static"), PolicySetting("periodic", window=1), PolicySetting("triggered", window=1)])
    covariate_shift_batches(tmp_path / "batches", batches=5, rows=300, shift_per_batch=0.8)
    assert main(["tune", str(tmp_path / "batches"), "--workdir", str(workspace.root), "--apply", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["choosing_batches"] == ["batch-02", "batch-03"]
    assert result["held_out_batches"] == ["batch-04", "batch-05"]   # scored apart from the batches it chose on
    assert result["applied"]
    assert (workspace.reports / "tune.md").is_file() and (workspace.reports / "tune.png").is_file()
    assert "held out" in (workspace.reports / "tune.md").read_text()
    text = workspace.config_path.read_text()
    values = yaml.safe_load(text)
    for key, value in result["tuned"]["keys"].items():
        section, name = key.split(".")
        assert values[section][name] == value
        line = next(line for line in text.splitlines() if line.startswith(f"  {name}: "))
        assert "# adapt tune" in line and "held out batch-04..batch-05" in line
    assert values["model"]["name"] == "shop" and USER_LINE in text
    assert Config.load(workspace.config_path).retraining.policy == result["tuned"]["keys"]["retraining.policy"]


def test_a_wrong_folder_or_workspace_is_one_line(workspace, tmp_path, capsys):
    assert main(["tune", str(tmp_path / "nowhere"), "--workdir", str(workspace.root)]) != 0
    assert capsys.readouterr().err.strip().endswith("no such folder of batches")
    (tmp_path / "few" / "batch-01").mkdir(parents=True)
    assert main(["tune", str(tmp_path / "few"), "--workdir", str(workspace.root)]) != 0
    assert "tuning needs at least 3" in capsys.readouterr().err
    assert main(["tune", str(tmp_path / "few"), "--workdir", str(tmp_path / "none")]) != 0
    error = capsys.readouterr().err.strip()
    assert error.startswith("adapt: error: no workspace at") and "\n" not in error
