import json

from core.workspace import Workspace
from pipeline.cli.main import main


def _error_lines(capsys):
    return capsys.readouterr().err.strip().splitlines()


def test_backup_and_restore_through_the_command_line_and_their_refusals_in_one_line(tmp_path, capsys):
    workspace = Workspace.open(str(tmp_path / "ws"))
    (workspace.data / "span-1").mkdir()
    (workspace.data / "span-1" / "_SOURCE.json").write_text("{}")

    assert main(["backup", "--workdir", str(workspace.root), "--output", str(workspace.reports / "b.tar.gz")]) == 2
    assert _error_lines(capsys) == [f"adapt: error: --output {workspace.reports / 'b.tar.gz'} is inside the "
                                    f"workspace; write the backup elsewhere"]
    assert main(["backup", "--workdir", str(workspace.root), "--output", str(tmp_path / "b.tar.gz")]) == 0
    assert "its ML Metadata snapshot included" in capsys.readouterr().out

    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    assert main(["restore", str(notes), "--workdir", str(tmp_path / "new")]) == 2
    [line] = _error_lines(capsys)
    assert line.startswith(f"adapt: error: {notes} is not an adapt backup") and not (tmp_path / "new").exists()
    assert main(["restore", str(tmp_path / "b.tar.gz"), "--workdir", str(workspace.root)]) == 2
    assert _error_lines(capsys) == [f"adapt: error: --workdir {workspace.root} is not empty: restore into a new "
                                    f"(or empty) folder"]

    assert main(["restore", str(tmp_path / "b.tar.gz"), "--workdir", str(tmp_path / "new"), "--json"]) == 0
    restored = json.loads(capsys.readouterr().out)
    assert restored["spans"] == [1] and restored["manifest"]["root"] == str(workspace.root)
    assert restored["relocation"]["new_root"] == str(tmp_path / "new")
