"""The errors adapt reports to its users, and how a child process's error line is read back.

Every mistake a user can fix derives from `AdaptError`: the command line
prints its message as one line (`adapt: error: ...`) and exits 1, or 2 for a
`UsageError` (a bad argument or configuration value). Anything else is a bug
and keeps its traceback. This module imports nothing of adapt's, so every layer may use it.

No line a user reads names a Beam step: Beam appends ` [while running 'Run[Trainer]']` to the
message of an exception raised inside a pipeline (re-raising a copy of the same type), and
`without_step_names` takes it off in the two ways an error becomes words: an `AdaptError`'s
message (printed, recorded in the history, sent in alerts) and `unexpected_line` for any other
exception. The exception's arguments keep the step, for the run log (pipeline/local/beam.py).
"""
import errno
import os
import re
from typing import Optional

ERROR_PREFIX = "adapt: error: "
_BEAM_STEP = re.compile(r" ?\[while running '[^']*'\]")


def without_step_names(text: str) -> str:
    return _BEAM_STEP.sub("", text)


class AdaptError(Exception):
    """A failure the user can act on; its message is one line naming what to fix."""

    exit_code = 1

    def __str__(self) -> str:
        return without_step_names(super().__str__())


def unexpected_line(err: BaseException) -> str:
    """'ValueError: its first line' for an exception adapt did not expect (a bug, or a library's own words)."""
    first = without_step_names((str(err).strip().splitlines() or [""])[0])[:300]
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


class UsageError(AdaptError, ValueError):
    """A command-line argument or configuration value is wrong."""

    exit_code = 2


class ConfigError(UsageError):
    """A configuration value is missing, unknown or out of range; the message names the key."""


class NoWorkspaceError(UsageError):
    """--workdir (or $ADAPT_WORKDIR) names a folder that holds no workspace: a typo must not become one."""


class BatchError(AdaptError):
    """A batch is empty, unreadable or inconsistent. The message names the batch and the file."""


class SpanError(AdaptError):
    """A span cannot be read, chosen or written."""


class DataValidationError(AdaptError):
    """A span violates the kept schema. The message lists features and anomalies."""


class PipelineError(AdaptError):
    """A pipeline run failed for a reason other than data validation."""


class VersionError(AdaptError, LookupError):
    """A requested model version does not exist."""


class RequestError(AdaptError, ValueError):
    """An instance (a request, a CSV row, a record) does not fit the model's features."""


class DiskFullError(AdaptError):
    """A write found no space left on its filesystem; the message names where."""


# how a full disk reads once Beam, TFX or SQLite (ML Metadata's store) has turned the OSError into text
_DISK_FULL_TEXT = ("No space left on device", "database or disk is full", "Disk quota exceeded")
_QUOTED_PATH = re.compile(r"'(/[^']+)'")


def _chain(err: BaseException):
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__


def is_disk_full(err: BaseException) -> bool:
    return any(getattr(e, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or
               any(text in str(e) for text in _DISK_FULL_TEXT) for e in _chain(err))


def disk_full_line(err: BaseException, workspace: Optional[str] = None) -> str:
    """One line for a write that found the disk full: the filesystem, what was being written, what to do."""
    written = next((e.filename for e in _chain(err) if getattr(e, "filename", None)), None)
    if written is None:
        written = next((m.group(1) for e in _chain(err) for m in [_QUOTED_PATH.search(str(e))] if m), None)
    if written is None and any("database or disk is full" in str(e) for e in _chain(err)):
        what = "the metadata store" + (f" of workspace {workspace}" if workspace else "")
    else:
        what = written or (f"workspace {workspace}" if workspace else "a file")
    mount = mount_point(written or workspace)
    where = f"no space left on {mount}" if mount else "no space left"
    return f"the disk is full: {where} (writing {what}); free space there and run again " \
           f"(adapt doctor lists leftovers it can remove)"


def mount_point(path: Optional[str]) -> Optional[str]:
    """The mount point of the filesystem holding `path` (or its nearest existing parent)."""
    if not path:
        return None
    path = os.path.abspath(path)
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    while not os.path.ismount(path):
        path = os.path.dirname(path)
    return path


def error_from_stderr(stderr: str) -> str:
    """The one-line error a failed `adapt` child process printed (else its last line)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line[len(ERROR_PREFIX):] for line in lines if line.startswith(ERROR_PREFIX)]
    return errors[-1] if errors else (lines[-1] if lines else "no output")
