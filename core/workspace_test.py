from core.config import Config
from core.workspace import Workspace, resolve_workdir


def test_workdir_precedence_flag_then_env_then_default(tmp_path, monkeypatch):
    monkeypatch.setenv("ADAPT_WORKDIR", str(tmp_path / "from-env"))
    assert resolve_workdir(str(tmp_path / "flag")) == tmp_path / "flag"
    assert resolve_workdir(None) == tmp_path / "from-env"
    monkeypatch.delenv("ADAPT_WORKDIR")
    monkeypatch.chdir(tmp_path)
    assert resolve_workdir(None) == tmp_path / "adapt-workspace"


def test_first_use_creates_the_layout_and_a_default_config(tmp_path):
    workspace = Workspace.open(str(tmp_path / "ws"))
    for folder in ("incoming", "data", "pipelines", "serving", "reports"):
        assert (workspace.root / folder).is_dir()
    assert workspace.load_config() == Config()
    assert workspace.serving_model_dir(Config()) == str(workspace.root / "serving" / "model")


def test_existing_config_is_kept(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "adapt.yaml").write_text("training:\n  window: 2\n")
    assert Workspace.open(str(root)).load_config().training.window == 2
