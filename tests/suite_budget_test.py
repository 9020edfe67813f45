"""The suite's per-test time budget (conftest.py): a test over it fails the run, named with its time."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_test_over_the_budget_fails_the_run_and_is_named(tmp_path):
    (tmp_path / "slow_test.py").write_text("import time\n\ndef test_slow():\n    time.sleep(0.3)\n\n"
                                           "def test_quick():\n    pass\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-q", "-p", "no:cacheprovider",
                          str(tmp_path / "slow_test.py")], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "ADAPT_TEST_BUDGET_SECONDS": "0.2"})
    assert run.returncode == 1, run.stdout[-2000:]
    assert "2 passed" in run.stdout and "tests over the 0.2 s budget per test: the run fails" in run.stdout
    named = [line for line in run.stdout.splitlines() if line.endswith("slow_test.py::test_slow")]
    assert named and float(named[0].split()[0]) >= 0.3
    assert not any(line.endswith("::test_quick") and " s  " in line for line in run.stdout.splitlines())
