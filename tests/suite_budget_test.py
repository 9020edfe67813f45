"""The suite's per-test time budget (conftest.py): a test over it is named with its time and never fails the run;
every test's seconds are written where ADAPT_TEST_DURATIONS_FILE says; and the files that share a session fixture
run on one xdist worker."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run_slow_file(tmp_path, **environment):
    (tmp_path / "slow_test.py").write_text("import time\n\ndef test_slow():\n    time.sleep(0.3)\n\n"
                                           "def test_quick():\n    pass\n")
    env = {key: value for key, value in os.environ.items() if key != "ADAPT_TEST_DURATIONS_FILE"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-q", "-p", "no:cacheprovider",
                           str(tmp_path / "slow_test.py")], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={**env, "PYTHONPATH": str(ROOT), "ADAPT_TEST_BUDGET_SECONDS": "0.2", **environment})


def test_a_test_over_the_budget_is_named_and_the_run_still_passes(tmp_path):
    durations = tmp_path / "build" / "durations.json"
    run = _run_slow_file(tmp_path, ADAPT_TEST_DURATIONS_FILE=str(durations))
    assert run.returncode == 0, run.stdout[-2000:]
    assert "2 passed" in run.stdout and "tests over the 0.2 s budget per test (named, not failed)" in run.stdout
    named = [line for line in run.stdout.splitlines() if line.endswith("slow_test.py::test_slow")]
    assert named and float(named[0].split()[0]) >= 0.3
    assert not any(line.endswith("::test_quick") and " s  " in line for line in run.stdout.splitlines())
    written = json.loads(durations.read_text())
    assert written["tests"] == 2 and written["total_seconds"] >= 0.3
    assert list(written["seconds"])[0] == "slow_test.py::test_slow" and written["seconds"]["slow_test.py::test_slow"] >= 0.3


def test_every_file_using_a_shared_session_fixture_runs_on_one_worker():
    import conftest
    for fixture in set(conftest.SHARED_FIXTURE_FILES.values()):
        users = sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("tests/**/*_test.py")
                       if "def test_" in path.read_text() and fixture in path.read_text())
        listed = sorted(path for path, name in conftest.SHARED_FIXTURE_FILES.items() if name == fixture)
        assert users == listed


def test_under_two_workers_each_file_runs_on_one_and_the_files_sharing_a_fixture_on_the_same(tmp_path):
    import conftest
    files = list(conftest.SHARED_FIXTURE_FILES) + ["tests/a_test.py", "tests/b_test.py"]
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("".join(f"def test_{i}():\n    pass\n\n" for i in range(4)))
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-n", "2", "--dist", "loadfile", "-v",
                          "-p", "no:cacheprovider", "--rootdir", str(tmp_path), *files], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0 and f"{4 * len(files)} passed" in run.stdout, run.stdout[-2000:]
    workers = {}
    for line in run.stdout.splitlines():
        if line.startswith("[gw") and "PASSED" in line:
            workers.setdefault(line.split("PASSED ")[1].split("::")[0], set()).add(line.split("]")[0])
    assert sorted(workers) == sorted(files) and all(len(names) == 1 for names in workers.values())
    for fixture in set(conftest.SHARED_FIXTURE_FILES.values()):   # each group of files on one worker
        group = [name for name, shared in conftest.SHARED_FIXTURE_FILES.items() if shared == fixture]
        assert len(set().union(*(workers[name] for name in group))) == 1, fixture


def test_the_costliest_unit_of_work_goes_first():
    import conftest
    costs = {"tests/a_test.py": 300.0, "tests/b_test.py": 5.0}
    assert conftest.unit_cost(["tests/a_test.py::t1", "tests/a_test.py::t2"], costs) == 300.0
    assert conftest.unit_cost(["tests/new_test.py::t1", "tests/new_test.py::t2"], costs) == \
        2 * conftest.UNKNOWN_TEST_SECONDS   # not measured yet: by its tests
    shared = [f"{path}::t" for path in conftest.SHARED_FIXTURE_FILES]
    assert conftest.unit_cost(shared, {path: 10.0 for path in conftest.SHARED_FIXTURE_FILES}) == \
        10.0 * len(conftest.SHARED_FIXTURE_FILES)
    measured = conftest.file_costs()
    assert measured and all(path.endswith("_test.py") and seconds >= 0 for path, seconds in measured.items())
