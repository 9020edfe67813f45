"""Named points where a test may kill this process, to prove that a crash there loses nothing.

`ADAPT_FAULT_AT=<point>` in a process's environment makes it SIGKILL itself
when it reaches that point (tests/reliability/); unset, `point` does nothing.
Points are placed where something is written: between a staged write and the
rename that publishes it, and inside the long steps.
"""
import os
import signal

ENVIRONMENT = "ADAPT_FAULT_AT"


def point(name: str) -> None:
    if os.environ.get(ENVIRONMENT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
