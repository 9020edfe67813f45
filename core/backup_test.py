import contextlib
import gzip
import io
import shutil
import sqlite3
import tarfile
import threading
import time

import pytest

from core import backup, relocation
from core.backup import NotABackupError
from core.config import MetadataConfig
from core.errors import UsageError
from core.workspace import Workspace

SQLITE = MetadataConfig()


def _workspace(root):
    workspace = Workspace.open(str(root))
    (workspace.data / "span-1" / "train").mkdir(parents=True)
    (workspace.data / "span-1" / "train" / "data.csv").write_text("x,y\n1,2\n")
    (workspace.serving / "model" / "1").mkdir(parents=True)
    (workspace.serving / "model" / "1" / "saved_model.pb").write_bytes(b"\x08\x01")
    return workspace


def _names(archive_path):
    with tarfile.open(archive_path) as archive:
        return archive.getnames()


def test_a_backup_taken_while_another_connection_writes_holds_whole_transactions(tmp_path):
    workspace = _workspace(tmp_path / "ws")
    with contextlib.closing(sqlite3.connect(workspace.metadata_path)) as setup:
        setup.execute("CREATE TABLE Artifact (id INTEGER PRIMARY KEY, uri TEXT)")
        setup.commit()
    stop, committed = threading.Event(), []

    def write():   # two rows a transaction, as fast as it can, on a connection of its own
        with contextlib.closing(sqlite3.connect(workspace.metadata_path, timeout=60)) as writer:
            while not stop.is_set():
                with writer:
                    writer.executemany("INSERT INTO Artifact (uri) VALUES (?)",
                                       [(f"{workspace.root}/pipelines/p/n/k/{len(committed)}",)] * 2)
                committed.append(2)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(committed) < 50:
            time.sleep(0.01)
        floor = 2 * len(committed)
        done = backup.backup(workspace.root, tmp_path / "ws.tar.gz", SQLITE)
    finally:
        stop.set()
        writer.join()
    assert done.manifest.has_metadata_snapshot and done.files >= 3
    restored = backup.restore(tmp_path / "ws.tar.gz", tmp_path / "restored")
    with contextlib.closing(sqlite3.connect(restored.workspace / "metadata.sqlite")) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = copy.execute("SELECT COUNT(*) FROM Artifact").fetchone()[0]
        foreign = copy.execute("SELECT COUNT(*) FROM Artifact WHERE uri NOT LIKE ?",
                               (f"{tmp_path}/restored/%",)).fetchone()[0]
    assert rows % 2 == 0 and floor <= rows <= 2 * len(committed) and foreign == 0
    assert relocation.recorded_root(restored.workspace) == str(tmp_path / "restored")
    assert (restored.workspace / "data" / "span-1" / "train" / "data.csv").read_text() == "x,y\n1,2\n"


def test_staging_leftovers_scratch_and_lock_files_stay_out_of_the_backup(tmp_path):
    workspace = _workspace(tmp_path / "ws")
    kept = {"data/span-1/train/data.csv", "serving/model/1/saved_model.pb", "adapt.yaml", relocation.ROOT_RECORD,
            "batches/b-123/adapt-state.json", "pipelines/adapt-training/Trainer/model/3/model.json"}
    left_out = {"data/.span-staging.abc/train/data.csv", "serving/model/.push-2-1234/saved_model.pb",
                "pipelines/adapt-training/Trainer/.system/executor_execution/3/.temp/x",
                "batches/b-123/adapt-claim.lock", relocation.LOCK_FILE, ".adapt.yaml.tmp", "metadata.sqlite-journal"}
    for name in kept | left_out:
        (workspace.root / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace.root / name).write_text("{}")
    (workspace.root / "incoming" / "elsewhere").symlink_to(tmp_path)   # a link is kept as a link
    backup.backup(workspace.root, tmp_path / "ws.tar.gz", SQLITE)
    names = {name[len("workspace/"):] for name in _names(tmp_path / "ws.tar.gz") if name.startswith("workspace/")}
    assert kept <= names and not left_out & names and "incoming/elsewhere" in names and "reports" in names
    assert _names(tmp_path / "ws.tar.gz")[0] == backup.MANIFEST


def test_the_backup_is_not_written_inside_the_workspace(tmp_path):
    workspace = _workspace(tmp_path / "ws")
    with pytest.raises(UsageError, match="inside the workspace"):
        backup.backup(workspace.root, workspace.reports / "ws.tar.gz", SQLITE)
    assert not list(workspace.reports.iterdir())


def _gzipped_tar(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return path


def test_restore_refuses_what_is_not_a_backup_and_a_folder_that_is_not_empty_in_one_line(tmp_path):
    workspace = _workspace(tmp_path / "ws")
    good = backup.backup(workspace.root, tmp_path / "ws.tar.gz", SQLITE).output
    text = tmp_path / "notes.txt"
    text.write_text("not an archive\n")
    zipped = tmp_path / "data.gz"
    zipped.write_bytes(gzip.compress(b"x" * 1000))
    other_tar = _gzipped_tar(tmp_path / "other.tar.gz", {"README": b"hello"})
    forged = _gzipped_tar(tmp_path / "forged.tar.gz", {backup.MANIFEST: b'{"format": "something else"}'})
    escaping = _gzipped_tar(tmp_path / "escaping.tar.gz", {
        backup.MANIFEST: b'{"format": "adapt-backup", "format_version": 1, "root": "/x", "created_at": 0, '
                         b'"metadata": "sqlite"}', "workspace/../../outside.txt": b"x"})
    for not_a_backup in (text, zipped, other_tar, forged, tmp_path / "missing.tar.gz"):
        with pytest.raises(UsageError) as refused:
            backup.restore(not_a_backup, tmp_path / "target")
        assert "\n" not in str(refused.value) and str(not_a_backup) in str(refused.value)
    with pytest.raises(Exception) as refused:
        backup.restore(escaping, tmp_path / "target")
    assert "\n" not in str(refused.value) and not (tmp_path / "outside.txt").exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "something").write_text("mine")
    with pytest.raises(UsageError, match="is not empty"):
        backup.restore(good, busy)
    with pytest.raises(UsageError, match="is not empty"):
        backup.restore(good, text)
    assert not (tmp_path / "target").exists() and (busy / "something").read_text() == "mine"
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".")) == []  # no staging left
    assert isinstance(NotABackupError("x"), UsageError)


def test_with_metadata_on_a_mysql_server_the_backup_says_how_to_dump_it_and_restores_only_where_it_was(tmp_path):
    settings = MetadataConfig(mysql_host="db.example", mysql_port=3307, mysql_database="ml", mysql_user="ops")
    workspace = _workspace(tmp_path / "ws")
    done = backup.backup(workspace.root, tmp_path / "ws.tar.gz", settings)
    assert not done.manifest.has_metadata_snapshot and done.manifest.metadata == "mysql://ops@db.example:3307/ml"
    assert done.mysql_dump_command == (f"mysqldump --single-transaction -h db.example -P 3307 -u ops -p ml > "
                                       f"{tmp_path}/ws-metadata.sql")
    assert "workspace/metadata.sqlite" not in _names(done.output)
    with pytest.raises(UsageError, match=f"restore it with --workdir {workspace.root}"):
        backup.restore(done.output, tmp_path / "elsewhere")
    shutil.rmtree(workspace.root)
    restored = backup.restore(done.output, workspace.root)   # a new machine, the same path
    assert restored.relocation is None and (workspace.data / "span-1" / "train" / "data.csv").exists()
