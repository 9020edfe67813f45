import json
import os
import shutil

import pytest

from core import relocation
from core.errors import AdaptError
from core.relocation import PathRewriter, RelocationError
from core.workspace import Workspace


def _store(path):
    """A real ML Metadata SQLite store (the schema TFX writes into)."""
    from ml_metadata.metadata_store import metadata_store
    from ml_metadata.proto import metadata_store_pb2 as mlmd
    connection = mlmd.ConnectionConfig()
    connection.sqlite.filename_uri = str(path)
    connection.sqlite.connection_mode = mlmd.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    return metadata_store.MetadataStore(connection), mlmd


def _record_a_run(store, mlmd, root, elsewhere):
    """An artifact and an execution whose properties name paths under `root` (as TFX's do) and one elsewhere."""
    artifact_type = store.put_artifact_type(mlmd.ArtifactType(name="PushedModel"))
    pushed = mlmd.Artifact(type_id=artifact_type, uri=f"{root}/pipelines/adapt-training/Pusher/pushed_model/7",
                           state=mlmd.Artifact.LIVE)
    pushed.custom_properties["pushed_destination"].string_value = f"{root}/serving/model/1"
    outside = mlmd.Artifact(type_id=artifact_type, uri=f"{elsewhere}/pipelines/p/n/k/8", state=mlmd.Artifact.LIVE)
    execution_type = store.put_execution_type(mlmd.ExecutionType(name="DriftDetector"))
    execution = mlmd.Execution(type_id=execution_type)
    execution.custom_properties["baseline_statistics"].string_value = json.dumps(
        [{"span": 1, "uri": f"{root}/pipelines/adapt-training/StatisticsGen/statistics/2/FeatureStats.pb"}])
    execution.custom_properties["batch_uri"].string_value = f"{elsewhere}/batch-03"
    artifacts = store.put_artifacts([pushed, outside])
    [execution_id] = store.put_executions([execution])
    return artifacts, execution_id


def test_a_moved_workspace_follows_its_paths_in_ml_metadata_its_files_and_its_batch_records(tmp_path, capsys):
    before, after, elsewhere = tmp_path / "before", tmp_path / "moved" / "after", tmp_path / "elsewhere"
    workspace = Workspace.open(str(before))
    assert relocation.recorded_root(before) == str(before)
    store, mlmd = _store(workspace.metadata_path)
    (pushed_id, outside_id), execution_id = _record_a_run(store, mlmd, before, elsewhere)
    del store
    inside = workspace.incoming / "2014-Q1"
    inside.mkdir()
    (inside / "data.csv").write_text(f"path\n{before}/incoming\n")  # the user's data: never rewritten
    workspace.batch(str(inside)).write_state({"status": "span", "span": 2})
    report = workspace.pipelines / "adapt-batch-evaluation" / "PipelineTrigger" / "training_run" / "9" / "report.json"
    report.parent.mkdir(parents=True)
    report.write_text(json.dumps({"workdir": str(before), "model_uri": f"{before}/pipelines/x/Trainer/model/3"}))
    log = workspace.reports / "logs" / "train.log"
    log.parent.mkdir(parents=True)
    log.write_text(f"training in {before}\n")   # a record of where it happened: kept as written

    after.parent.mkdir()
    shutil.move(str(before), str(after))
    moved = Workspace.open(str(after), create=False)
    assert f"workspace moved from {before} to {after}" in capsys.readouterr().err
    assert relocation.recorded_root(after) == str(after)

    store, _ = _store(moved.metadata_path)
    pushed, outside = store.get_artifacts_by_id([pushed_id, outside_id])
    assert pushed.uri == f"{after}/pipelines/adapt-training/Pusher/pushed_model/7"
    assert pushed.custom_properties["pushed_destination"].string_value == f"{after}/serving/model/1"
    assert outside.uri == f"{elsewhere}/pipelines/p/n/k/8"
    [execution] = store.get_executions_by_id([execution_id])
    baseline = json.loads(execution.custom_properties["baseline_statistics"].string_value)
    assert baseline[0]["uri"].startswith(f"{after}/pipelines/")
    assert execution.custom_properties["batch_uri"].string_value == f"{elsewhere}/batch-03"
    assert json.loads((after / report.relative_to(before)).read_text()) == {
        "workdir": str(after), "model_uri": f"{after}/pipelines/x/Trainer/model/3"}
    state = moved.batch(str(moved.incoming / "2014-Q1")).state()   # found by the batch's new path
    assert state["span"] == 2 and state["batch_uri"] == str(moved.incoming / "2014-Q1")
    assert (moved.incoming / "2014-Q1" / "data.csv").read_text() == f"path\n{before}/incoming\n"
    assert (moved.reports / "logs" / "train.log").read_text() == f"training in {before}\n"

    Workspace.open(str(after), create=False)   # followed once: the next open rewrites nothing
    assert capsys.readouterr().err == ""


def test_a_copy_is_followed_and_the_original_left_as_it_was(tmp_path):
    original, copy = tmp_path / "original", tmp_path / "copy"
    workspace = Workspace.open(str(original))
    store, mlmd = _store(workspace.metadata_path)
    _record_a_run(store, mlmd, original, tmp_path / "elsewhere")
    del store
    shutil.copytree(original, copy, symlinks=True)
    listing = {path: path.read_bytes() for path in original.rglob("*") if path.is_file()}
    Workspace.open(str(copy), create=False)
    Workspace.open(str(original), create=False)
    assert {path: path.read_bytes() for path in original.rglob("*") if path.is_file()} == listing
    store, _ = _store(copy / "metadata.sqlite")
    assert all(artifact.uri.startswith((f"{copy}/", f"{tmp_path}/elsewhere/")) for artifact in store.get_artifacts())


def test_a_workspace_made_before_the_record_is_followed_from_its_artifacts_paths(tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    workspace = Workspace.open(str(before))
    store, mlmd = _store(workspace.metadata_path)
    _record_a_run(store, mlmd, before, tmp_path / "elsewhere")
    del store
    (before / relocation.ROOT_RECORD).unlink()
    os.rename(before, after)
    assert relocation.moved_from(after) == str(before)
    done = relocation.follow_move(after, lambda: False, echo=lambda line: None)
    assert done.metadata_values == 3 and relocation.recorded_root(after) == str(after)


def test_a_workspace_whose_metadata_is_on_a_mysql_server_is_refused_at_another_path_in_one_line(tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    Workspace.open(str(before)).config_path.write_text("metadata: {mysql_host: db.example}\n")
    os.rename(before, after)
    with pytest.raises(RelocationError) as refused:
        Workspace.open(str(after), create=False)
    assert isinstance(refused.value, AdaptError) and "\n" not in str(refused.value)
    assert f"made at {before}" in str(refused.value) and "MySQL" in str(refused.value)
    assert relocation.recorded_root(after) == str(before)   # nothing rewritten


def test_only_whole_paths_under_the_old_root_are_rewritten():
    rewrite = PathRewriter("/srv/ws", "/data/ws")
    assert rewrite("/srv/ws") == "/data/ws" and rewrite("/srv/ws/serving/1") == "/data/ws/serving/1"
    assert rewrite('{"uri": "/srv/ws/x", "other": "/srv/ws2/x"}') == '{"uri": "/data/ws/x", "other": "/srv/ws2/x"}'
    assert rewrite("/mnt/srv/ws/x") == "/mnt/srv/ws/x" and rewrite("/srv/ws.bak/x") == "/srv/ws.bak/x"
    assert rewrite("tracking_uri: file:///srv/ws/mlruns") == "tracking_uri: file:///data/ws/mlruns"
    quoted = PathRewriter('/srv/"ünï"', "/data/w")   # as JSON writes it: escaped
    assert quoted(json.dumps({"uri": '/srv/"ünï"/x'})) == json.dumps({"uri": "/data/w/x"})
    with pytest.raises(RelocationError):
        PathRewriter("/srv/ws", "/srv/ws/inner")


def test_the_same_folder_seen_at_another_path_has_not_moved(tmp_path):
    real, alias = tmp_path / "real", tmp_path / "alias"   # as a bind mount or a container's mount shows it
    Workspace.open(str(real))
    alias.symlink_to(real)
    assert relocation.follow_move(alias, lambda: True) is None   # not even asked whether the store is MySQL
    assert relocation.recorded_root(real) == str(real)
