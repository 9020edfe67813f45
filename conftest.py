"""pytest configuration for the whole tree: TensorFlow's process defaults before any test module loads TensorFlow,
and the suite's time budget per test.

A test whose setup, call and teardown together take longer than ADAPT_TEST_BUDGET_SECONDS (300 by default) fails
the run, named with its time at the end of it (ADAPT_TEST_BUDGET_ENFORCE=0 only names it). The suite must fit CI's
90 minutes with room for the tests still to come, so one slow test is a defect to fix (share a trained workspace,
make the loop faster). The slowest test took 170 s on a clean clone with two workers (2026-12-06).
Module-scoped fixtures count once, in the first test that uses them.

Under pytest-xdist (`make test TEST_WORKERS=2`, `--dist loadfile`), each test file runs on one worker, so its
module-scoped fixtures are built once; the files that share the session's served workspace run on one worker, so
it is trained once.
"""
import os
import time

import pytest

import core  # noqa: F401

BUDGET_SECONDS = float(os.environ.get("ADAPT_TEST_BUDGET_SECONDS", "300"))
ENFORCE_BUDGET = os.environ.get("ADAPT_TEST_BUDGET_ENFORCE", "1") != "0"
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
                        "tests/e2e/portable_runner_test.py": "served_workspace"}


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: without it (-p no:xdist) pytest ignores this
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, with the files of SHARED_FIXTURE_FILES as one unit (xdist's loadgroup marks do not
    reach its scheduler under pytest 9)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FilesSharingFixtures(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::")[0]
            return SHARED_FIXTURE_FILES.get(path, path)

    return FilesSharingFixtures(config, log)


def over_budget():
    return sorted(((seconds, nodeid) for nodeid, seconds in _seconds.items() if seconds > BUDGET_SECONDS),
                  reverse=True)


def pytest_terminal_summary(terminalreporter):
    slow = over_budget()
    if slow:
        terminalreporter.section(f"tests over the {BUDGET_SECONDS:g} s budget per test"
                                 + (": the run fails" if ENFORCE_BUDGET else " (ADAPT_TEST_BUDGET_ENFORCE=0: named only)"))
        for seconds, nodeid in slow:
            terminalreporter.write_line(f"{seconds:.1f} s  {nodeid}")


def pytest_sessionfinish(session, exitstatus):
    if ENFORCE_BUDGET and over_budget() and session.exitstatus == 0:
        session.exitstatus = 1
