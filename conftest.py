"""pytest configuration for the whole tree: TensorFlow's process defaults before any test module loads TensorFlow,
and the suite's time budget per test.

A test whose setup, call and teardown together take longer than ADAPT_TEST_BUDGET_SECONDS (300 by default) fails
the run at its end, named with its time: the suite must fit CI's 90 minutes with room for the tests still to
come, so one slow test is a defect to fix (share a trained workspace, make the loop faster), not to wait for.
Module-scoped fixtures count once, in the first test that uses them.

Under pytest-xdist (`make test` runs two workers, `--dist loadgroup`), each test file is one group, so a file's
module-scoped fixtures are built once; the files that share the session's served workspace form one group, so it
is trained once.
"""
import os

import core  # noqa: F401

BUDGET_SECONDS = float(os.environ.get("ADAPT_TEST_BUDGET_SECONDS", "300"))
_seconds = {}


def pytest_runtest_logreport(report):
    _seconds[report.nodeid] = _seconds.get(report.nodeid, 0.0) + report.duration


SHARED_SESSION_FIXTURES = ("served_workspace",)


def pytest_collection_modifyitems(items):
    import pytest
    for item in items:
        shared = [name for name in SHARED_SESSION_FIXTURES if name in item.fixturenames]
        item.add_marker(pytest.mark.xdist_group(shared[0] if shared else item.nodeid.split("::")[0]))


def over_budget():
    return sorted(((seconds, nodeid) for nodeid, seconds in _seconds.items() if seconds > BUDGET_SECONDS),
                  reverse=True)


def pytest_terminal_summary(terminalreporter):
    slow = over_budget()
    if slow:
        terminalreporter.section(f"tests over the {BUDGET_SECONDS:g} s budget per test: the run fails")
        for seconds, nodeid in slow:
            terminalreporter.write_line(f"{seconds:.1f} s  {nodeid}")


def pytest_sessionfinish(session, exitstatus):
    if over_budget() and session.exitstatus == 0:
        session.exitstatus = 1
