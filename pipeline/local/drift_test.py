"""`adapt drift` as users run it: two batch folders, the table and its JSON contract, and bad input."""
import json
import subprocess
import sys

from core.workspace import Workspace
from tests.helpers import taxi_rows, write_csv


def _adapt(*args):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "drift", *args], capture_output=True, text=True,
                          timeout=600)


def test_drift_cli_json_between_two_quarters(tmp_path):
    Workspace.open(str(tmp_path))
    for quarter in ("2013-Q1", "2015-Q4"):
        header, rows = taxi_rows(quarter)
        write_csv(tmp_path / "incoming" / quarter / "data.csv", header, rows)
    result = _adapt("2013-Q1", "2015-Q4", "--workdir", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr[-1500:]
    report = json.loads(result.stdout)
    assert report["drifted"] is True
    assert set(report["features"][0]) >= {"feature", "method", "value", "p_value", "adjusted_p_value", "threshold",
                                          "baseline_rows", "batch_rows", "importance", "decides", "drifted"}
    drifted = {row["feature"] for row in report["features"] if row["drifted"]}
    assert "payment_type" in drifted
    assert all(isinstance(row["value"], float) for row in report["features"] if row["value"] is not None)
    table = _adapt("2013-Q1", "2015-Q4", "--workdir", str(tmp_path))
    assert table.returncode == 0 and "payment_type" in table.stdout and "DRIFTED" in table.stdout
    # Both names are checked and announced before TFDV loads: the first line says what is compared.
    assert table.stderr.splitlines()[0] == "comparing batch 2015-Q4 with batch 2013-Q1 (TFDV loads first)"


def test_names_are_resolved_without_tensorflow(tmp_path):
    write_csv(tmp_path / "incoming" / "b" / "data.csv", ["x"], [["1"]])
    probe = ("import sys; from core.workspace import Workspace; from pipeline.local import drift; "
             f"w = Workspace.open({str(tmp_path)!r}); print(drift.describe(drift.resolve('b', w, w.load_config()))); "
             "print(any(m.startswith(('tensorflow', 'tensorflow_data_validation')) for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["batch", "b", "False"], result.stderr[-1500:]


def test_unknown_inputs_are_one_line_errors(tmp_path):
    Workspace.open(str(tmp_path))
    result = _adapt("7", "nowhere", "--workdir", str(tmp_path))
    assert result.returncode == 2  # a wrong name is a usage error, as in evaluate-batch
    assert result.stderr.strip().startswith("adapt: error: span 7 not found")
