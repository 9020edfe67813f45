"""The `adapt` command line: the root parser adds one command group per module, and one-line errors.

Each group module declares its commands next to their handlers (`add_parsers(commands)`); a new command goes into
its group's module, nothing here. Every command takes --workdir (else $ADAPT_WORKDIR, else ./adapt-workspace) and
--debug; --json where a script reads the output (pipeline/cli/common.py). User mistakes end in one line on stderr
and a non-zero exit. Heavy modules (TensorFlow, TFX) are imported inside the handlers, so `adapt --help`,
`adapt models list` and an idle `adapt watch` tick stay fast.
"""
import argparse
import os
import sys
from typing import List, Optional

from core import environment
from core.errors import ERROR_PREFIX, AdaptError, disk_full_line, is_disk_full, unexpected_line
from pipeline.cli import backup, batch, data, kubeflow, labels, models, ops, schema, serve, train, tune

GROUPS = (data, tune, train, batch, labels, kubeflow, models, schema, backup, ops, serve)   # in the order `adapt --help` lists


class OneLineParser(argparse.ArgumentParser):
    """argparse, with its errors as adapt's: one line on stderr, exit 2."""

    def error(self, message):
        command = self.prog.partition(" ")[2]   # "adapt train" -> "train:"; the root's own errors need no name
        print(f"{ERROR_PREFIX}{command + ': ' if command else ''}{message}", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="adapt", description="Continuous training on TFX.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in GROUPS:
        group.add_parsers(commands)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    environment.quiet_console()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("adapt: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader (| head) stopped reading: not an error
        sys.stdout = open(os.devnull, "w")
        return 0
    except Exception as err:  # one line for the user; the traceback only when asked for
        if getattr(args, "debug", False):
            raise
        print(f"{ERROR_PREFIX}{one_line(err, getattr(args, 'workdir', None))}", file=sys.stderr)
        return getattr(err, "exit_code", 1)


def one_line(err: Exception, workdir: Optional[str] = None) -> str:
    """What went wrong, in one line that says what to fix."""
    if is_disk_full(err):
        return disk_full_line(err, workdir)
    if isinstance(err, (AdaptError, FileNotFoundError)):
        return str(err).splitlines()[0] if str(err) else type(err).__name__
    if isinstance(err, PermissionError):
        return f"permission denied: {err.filename or err}"
    return f"{unexpected_line(err)} (run again with --debug for the traceback)"


if __name__ == "__main__":
    sys.exit(main())
