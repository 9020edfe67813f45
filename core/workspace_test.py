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


def test_the_schema_versions_a_legacy_file_is_v1_and_current_follows_the_pointer(tmp_path):
    workspace = Workspace.open(str(tmp_path))
    assert workspace.schema_version == 1 and workspace.schema_file == tmp_path / "schema" / "v1" / "schema.pbtxt"
    legacy = tmp_path / "schema" / "schema.pbtxt"   # a workspace kept before versions
    legacy.parent.mkdir()
    legacy.write_text("feature { name: 'x' type: FLOAT }\n")
    assert workspace.schema_file == legacy and workspace.schema_version_file(1) == legacy
    second = workspace.schema_version_file(2)
    second.parent.mkdir()
    second.write_text("feature { name: 'x' type: FLOAT }\n")
    assert workspace.schema_version == 2   # without a pointer: the highest version written
    workspace.point_schema_at(1)
    assert workspace.schema_file == legacy and (tmp_path / "schema" / "CURRENT").read_text() == "1\n"


def test_a_model_feature_line_is_added_in_place_keeping_the_users_comments(tmp_path):
    workspace = Workspace.open(str(tmp_path))
    config = workspace.load_config().with_overrides({"model.features": {"age": "numeric", "plan": "categorical"}})
    workspace.write_config(config, notes={"model.features.age": "int, 40 distinct values"})
    workspace.config_path.write_text(workspace.config_path.read_text() + "# my own note\n")
    workspace.set_model_feature("tenure months", "numeric", "schema v2: int, 60 distinct values")
    workspace.set_model_feature("plan", "ignore", "schema v2: retyped")
    text = workspace.config_path.read_text()
    assert "# my own note" in text and "int, 40 distinct values" in text
    assert '    "tenure months": "numeric"  # schema v2: int, 60 distinct values' in text
    assert workspace.load_config().model.features == {"age": "numeric", "plan": "ignore", "tenure months": "numeric"}
