"""Named points where a test may kill this process, or fill its disk, to prove that a crash or a full disk there
loses nothing.

`ADAPT_FAULT_AT=<point>` in a process's environment makes it SIGKILL itself
when it reaches that point (tests/reliability/); `ADAPT_FILL_DISK_AT=<point>`
with `ADAPT_FILL_DISK_FILE=<path>` makes it write zeros to that file until its
filesystem has no space left, and go on, so the writes after the point meet a
full disk (once a process); `ADAPT_RUN_AT=<point>` with
`ADAPT_RUN_COMMAND=<shell command>` runs that command there, once a process,
and goes on when it has ended (a test stops a database server so). Unset,
`point` does nothing. Points are placed where something is written: before a
write starts, between a staged write and the rename that publishes it, and
inside the long steps.
"""
import errno
import os
import signal
import subprocess

ENVIRONMENT = "ADAPT_FAULT_AT"
FILL_DISK_AT = "ADAPT_FILL_DISK_AT"
FILL_DISK_FILE = "ADAPT_FILL_DISK_FILE"
RUN_AT = "ADAPT_RUN_AT"
RUN_COMMAND = "ADAPT_RUN_COMMAND"


_done = set()  # what is done once a process: after the test frees the disk (restarts the server), work goes on


def point(name: str) -> None:
    if os.environ.get(ENVIRONMENT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(FILL_DISK_AT) == name and os.environ.get(FILL_DISK_FILE) and FILL_DISK_AT not in _done:
        _done.add(FILL_DISK_AT)
        fill_disk(os.environ[FILL_DISK_FILE])
    if os.environ.get(RUN_AT) == name and os.environ.get(RUN_COMMAND) and RUN_AT not in _done:
        _done.add(RUN_AT)
        subprocess.run(os.environ[RUN_COMMAND], shell=True, check=False)


def fill_disk(path: str) -> int:
    """Appends zeros to `path` until its filesystem refuses another byte; returns the bytes written."""
    written, block = 0, 1 << 20
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        while block:
            try:
                written += os.write(descriptor, bytes(block))
            except OSError as err:
                if err.errno != errno.ENOSPC:
                    raise
                block //= 2
    finally:
        os.close(descriptor)
    return written
