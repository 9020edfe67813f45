"""The errors adapt reports to its users, and how a child process's error line is read back.

Every mistake a user can fix derives from `AdaptError`: the command line
prints its message as one line (`adapt: error: ...`) and exits 1, or 2 for a
`UsageError` (a bad argument or configuration value). Anything else is a bug
and keeps its traceback. This module imports nothing, so every layer may use it.
"""

ERROR_PREFIX = "adapt: error: "


class AdaptError(Exception):
    """A failure the user can act on; its message is one line naming what to fix."""

    exit_code = 1


class UsageError(AdaptError, ValueError):
    """A command-line argument or configuration value is wrong."""

    exit_code = 2


class ConfigError(UsageError):
    """A configuration value is missing, unknown or out of range; the message names the key."""


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


def error_from_stderr(stderr: str) -> str:
    """The one-line error a failed `adapt` child process printed (else its last line)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line[len(ERROR_PREFIX):] for line in lines if line.startswith(ERROR_PREFIX)]
    return errors[-1] if errors else (lines[-1] if lines else "no output")
