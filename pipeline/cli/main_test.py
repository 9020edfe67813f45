"""Every command with the usual mistakes: one line on stderr, no traceback, and the documented exit code.

2 is a bad argument or configuration value; 1 is anything else the user must fix. New commands join the table.
"""
import socket
import subprocess
import sys

import pytest

from core.data import spans

MISTAKES = [
    # (arguments, exit code, what the one line says)
    (["init", "--data", "{ws}"], 2, "the following arguments are required: --label"),
    (["replay", "{ws}/nowhere"], 2, "no such folder of batches"),
    (["replay", "{ws}", "--limit", "0"], 2, "argument --limit: expected an integer >= 1, got '0'"),
    (["demo", "--quarters", "0"], 2, "argument --quarters: expected an integer >= 1"),
    (["demo", "--policy", "sometimes"], 2, "argument --policy: invalid choice"),
    (["data", "bikes"], 2, "invalid choice: 'bikes'"),
    (["train", "--window", "0"], 2, "training.window: must be >= 1, got 0"),
    (["train", "--window", "-3"], 2, "training.window: must be >= 1, got -3"),
    (["train", "--window", "four"], 2, "argument --window: invalid int value"),
    (["train", "--spans", "5-2"], 2, "--spans 5-2: invalid span window 5-2"),
    (["train", "--spans", "20-30"], 2, "--spans 20-30: span(s) 20, 21"),
    (["train", "--spans", "1-2", "--window", "2"], 2, "use either --spans A-B or --window K"),
    (["train", "--mode", "fast"], 2, "argument --mode: invalid choice"),
    (["train", "--train-steps", "0"], 2, "training.train_steps: must be >= 1, got 0"),
    (["evaluate-batch", "nope"], 2, "batch 'nope' not found"),
    (["drift", "7", "nowhere"], 2, "span 7 not found"),
    (["watch", "--every", "soon"], 2, "--every 'soon'"),
    (["watch", "--cron", "every night"], 2, "is not a valid cron expression"),
    (["compile", "--target", "airflow"], 2, "argument --target: invalid choice"),
    (["submit", "{ws}/missing.json"], 2, "no such compiled pipeline"),
    (["models", "show", "0"], 2, "argument version: expected an integer >= 1"),
    (["models", "show", "9"], 1, "no pushed version 9"),
    (["models", "rollback", "9"], 1, "version 9 does not exist"),
    (["serve", "--port", "80000"], 2, "serving.port: must be <= 65535, got 80000"),
    (["serve"], 1, "no model to serve"),
    (["history", "--csv", "{ws}/no/such/folder/h.csv"], 1, "No such file or directory"),
    (["train", "--workdir", "{ws}/adapt.yaml"], 2, "is a file; the workspace is a folder"),
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    (root / "adapt.yaml").write_text("model: {module: models.taxi, name: taxi}\n")
    spans.write_span(root / "data", ["fare", "big_tipper"], [[f"{i}.5", str(i % 2)] for i in range(30)],
                     test_fraction=0.3, source={"batch": "b1"})
    return root


def _adapt(*args, workdir):
    workdir_flag = [] if "--workdir" in args else ["--workdir", str(workdir)]
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args, *workdir_flag],
                          capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("args, code, says", MISTAKES, ids=[" ".join(m[0][:3]) for m in MISTAKES])
def test_a_mistake_is_one_line_and_its_exit_code(workspace, args, code, says):
    result = _adapt(*[a.format(ws=workspace) for a in args], workdir=workspace)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, result.stderr
    assert len(lines) == 1 and lines[0].startswith("adapt: error: ") and "Traceback" not in result.stderr, lines
    assert says in lines[0]


def test_an_unreachable_kubeflow_host_is_one_line(workspace, tmp_path):
    compiled = tmp_path / "p.json"
    compiled.write_text('{"pipelineInfo": {"name": "p"}}')
    result = _adapt("submit", str(compiled), "--host", "http://127.0.0.1:1", workdir=workspace)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith("adapt: error: cannot reach the Kubeflow Pipelines API at http://127.0.0.1:1")


def test_a_port_in_use_is_one_line(workspace, tmp_path):
    from tests.helpers import save_tiny_model
    save_tiny_model(str(workspace / "serving" / "taxi" / "1"), 0.5)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = _adapt("serve", "--port", str(port), workdir=workspace)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and lines[-1].startswith(f"adapt: error: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in result.stderr


def test_doctor_names_what_needs_a_person_and_cleans_only_stale_leftovers(tmp_path):
    import json
    import os
    import time
    (tmp_path / "adapt.yaml").write_text("model: {module: models.taxi, name: taxi}\n")
    stale = tmp_path / "data" / ".span-staging.k1"
    stale.mkdir(parents=True)
    (stale / "part.csv").write_text("x" * 100)
    hours_ago = time.time() - 3 * 3600
    for path in (stale / "part.csv", stale):
        os.utime(path, (hours_ago, hours_ago))
    broken = tmp_path / "serving" / "taxi" / "4"
    broken.mkdir(parents=True)   # a copy by hand that never got its saved_model.pb
    result = _adapt("doctor", "--json", workdir=tmp_path)
    found = json.loads(result.stdout)
    assert result.returncode == 1, result.stderr
    assert {(row["check"], row["ok"]) for row in found} >= {("free space", True), ("metadata", True),
                                                            ("staging", True), ("versions", False)}
    assert any(row["found"] == f"{broken} cannot serve: no saved_model.pb" for row in found), found
    assert any("data/.span-staging.k1: 100 B, untouched for 3 h (stale)" == row["found"] for row in found), found
    assert not (tmp_path / "metadata.sqlite").exists()   # looking creates nothing
    cleaned = _adapt("doctor", "--clean", workdir=tmp_path)
    assert "data/.span-staging.k1: 100 B, untouched for 3 h (removed)" in cleaned.stdout and not stale.exists()


def test_a_mistyped_flag_or_command_is_one_line_naming_it(capsys):
    import pytest as _pytest

    from pipeline.cli.main import main
    with _pytest.raises(SystemExit) as ended:
        main(["evaluate-batch", "b", "--workdri", "ws"])
    assert ended.value.code == 2
    assert capsys.readouterr().err.strip() == "adapt: error: unrecognized arguments: --workdri ws"
    with _pytest.raises(SystemExit):
        main(["modles", "list"])
    said = capsys.readouterr().err.strip()
    assert said.startswith("adapt: error: argument COMMAND: invalid choice: 'modles'") and "\n" not in said
    with _pytest.raises(SystemExit):
        main(["train", "--window", "x"])
    assert capsys.readouterr().err.strip() == "adapt: error: train: argument --window: invalid int value: 'x'"
