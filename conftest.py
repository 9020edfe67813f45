"""pytest configuration for the whole tree: TensorFlow's process defaults before any test module loads TensorFlow,
and where the suite's time goes.

No test fails on time: CI runs on shared, noisy machines, and only CI's own limit stops a run. A test whose setup,
call and teardown together take longer than ADAPT_TEST_BUDGET_SECONDS (300 by default) is named with its time at
the end of the run, as a defect to fix (share a trained workspace, make the loop faster), and every test's seconds
go to ADAPT_TEST_DURATIONS_FILE when it is set (`make test` writes build/test-durations.json), so the suite's cost
is tracked run by run. Module-scoped fixtures count once, in the first test that uses them.

Under pytest-xdist (`make test TEST_WORKERS=2`, `--dist loadfile`), each test file runs on one worker, so its
module-scoped fixtures are built once; the files that share the session's served workspace run on one worker, so
it is trained once.
"""
import json
import os
import time
from pathlib import Path

import pytest

import core  # noqa: F401

BUDGET_SECONDS = float(os.environ.get("ADAPT_TEST_BUDGET_SECONDS", "300"))
DURATIONS_FILE = os.environ.get("ADAPT_TEST_DURATIONS_FILE", "")
# A test taking longer than this (ADAPT_TEST_REPORT_SECONDS) is named with its seconds as soon as it ends, so
# that a run stopped from outside (CI's 90 minutes) still shows where its time went.
REPORT_SLOW_SECONDS = float(os.environ.get("ADAPT_TEST_REPORT_SECONDS", "60"))
_seconds = {}
_config = []


def pytest_configure(config):
    _config[:] = [config]


def pytest_runtest_logreport(report):
    _seconds[report.nodeid] = _seconds.get(report.nodeid, 0.0) + report.duration
    reporter = _config[0].pluginmanager.get_plugin("terminalreporter") if _config else None
    if report.when == "teardown" and _seconds[report.nodeid] >= REPORT_SLOW_SECONDS and reporter is not None:
        reporter.ensure_newline()
        reporter.write_line(f"[{time.strftime('%H:%M:%S')}] {_seconds[report.nodeid]:.0f} s  {report.nodeid}")


# Test files that share one session fixture, so one xdist worker builds it once (tests/e2e/conftest.py).
SHARED_FIXTURE_FILES = {"tests/e2e/registry_and_serving_test.py": "served_workspace",
                        "tests/e2e/notebooks_test.py": "served_workspace",
                        "tests/e2e/prediction_log_test.py": "served_workspace",
                        "tests/e2e/ui_fuzz_test.py": "served_workspace",
                        "tests/e2e/kfp_spec_test.py": "served_workspace",
                        "tests/e2e/portable_runner_test.py": "served_workspace",
                        "tests/reliability/faults_test.py": "waiting_batches",
                        "tests/reliability/disk_full_test.py": "waiting_batches",
                        "tests/reliability/concurrency_test.py": "waiting_batches",
                        "tests/reliability/multiprocess_beam_test.py": "waiting_batches"}


# Seconds each test file took on a clean clone (`make suite-costs` refreshes it from build/test-durations.json).
FILE_COSTS = Path(__file__).parent / "tests" / "suite_costs.json"
UNKNOWN_TEST_SECONDS = 1.0  # a file not measured yet: this much per test


def file_costs() -> dict:
    return json.loads(FILE_COSTS.read_text()) if FILE_COSTS.is_file() else {}


def unit_cost(nodeids, costs: dict) -> float:
    """The expected seconds of a unit of work (a file, or the files sharing a fixture)."""
    files = {nodeid.split("::")[0] for nodeid in nodeids}
    return sum(costs.get(path, UNKNOWN_TEST_SECONDS * sum(1 for n in nodeids if n.startswith(path + "::")))
               for path in files)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: without it (-p no:xdist) pytest ignores this
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, with the files of SHARED_FIXTURE_FILES as one unit (xdist's loadgroup marks do not
    reach its scheduler under pytest 9), the costliest unit left first: a long file started last would hold the
    run open while the other worker idles (longest processing time first)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling
    costs = file_costs()

    class FilesSharingFixtures(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::")[0]
            return SHARED_FIXTURE_FILES.get(path, path)

        def _assign_work_unit(self, node) -> None:
            if self.workqueue:
                heaviest = max(self.workqueue, key=lambda scope: unit_cost(self.workqueue[scope], costs))
                self.workqueue.move_to_end(heaviest, last=False)
            super()._assign_work_unit(node)

    return FilesSharingFixtures(config, log)


def write_file_costs(durations_file: str) -> None:
    """tests/suite_costs.json from a run's per-test seconds (ADAPT_TEST_DURATIONS_FILE)."""
    per_file: dict = {}
    for nodeid, seconds in json.loads(Path(durations_file).read_text())["seconds"].items():
        path = nodeid.split("::")[0]
        per_file[path] = per_file.get(path, 0.0) + seconds
    FILE_COSTS.write_text(json.dumps({path: round(seconds, 1) for path, seconds in sorted(per_file.items())},
                                     indent=1) + "\n")


def over_budget():
    return sorted(((seconds, nodeid) for nodeid, seconds in _seconds.items() if seconds > BUDGET_SECONDS),
                  reverse=True)


def pytest_terminal_summary(terminalreporter):
    slow = over_budget()
    if slow:
        terminalreporter.section(f"tests over the {BUDGET_SECONDS:g} s budget per test (named, not failed)")
        for seconds, nodeid in slow:
            terminalreporter.write_line(f"{seconds:.1f} s  {nodeid}")


def pytest_sessionfinish(session, exitstatus):
    if DURATIONS_FILE and _seconds and not hasattr(session.config, "workerinput"):  # the controller sees them all
        os.makedirs(os.path.dirname(os.path.abspath(DURATIONS_FILE)), exist_ok=True)
        with open(DURATIONS_FILE, "w") as handle:
            json.dump({"total_seconds": round(sum(_seconds.values()), 1), "tests": len(_seconds),
                       "seconds": {nodeid: round(seconds, 2) for nodeid, seconds in
                                   sorted(_seconds.items(), key=lambda item: -item[1])}}, handle, indent=1)
