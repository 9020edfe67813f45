"""What every command group of `adapt` shares: the common flags (one parent parser), opening the workspace, and
printing a result as JSON (--json) or as text.

A group module (data.py, train.py, ...) declares its commands next to their handlers in `add_parsers(commands)`:

    drift = command(commands, "drift", cmd_drift, "drift table between two spans or batch folders",
                    json="print the table as JSON")
    drift.add_argument("baseline", ...)

Heavy modules (TensorFlow, TFX) are imported inside the handlers, never here.
"""
import argparse
import os
import sys
from json import dumps
from typing import Any, Callable, Optional, Union

from core.errors import UsageError

WORKDIR_HELP = "workspace folder (default: $ADAPT_WORKDIR or ./adapt-workspace)"


def options(json: Union[bool, str] = False) -> argparse.ArgumentParser:
    """The flags every command takes, --workdir and --debug, and --json when the command prints for scripts
    (`json` is its help text, or True for none)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--workdir", help=WORKDIR_HELP)
    parent.add_argument("--debug", action="store_true", help="show the full traceback of a failure")
    if json:
        parent.add_argument("--json", action="store_true", help=None if json is True else json)
    return parent


def command(commands, name: str, handler: Callable[[argparse.Namespace], int], help: str,
            json: Union[bool, str] = False, **settings) -> argparse.ArgumentParser:
    """A command `name` under `commands` (a subparsers action) that runs `handler`, with the common flags."""
    parser = commands.add_parser(name, help=help, parents=[options(json)], **settings)
    parser.set_defaults(func=handler)
    return parser


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def open_workspace(args) -> tuple:
    """The workspace --workdir names and its configuration; a folder that is not one is an error, left as it was."""
    from core.workspace import Workspace
    workspace = Workspace.existing(args.workdir)
    return workspace, workspace.load_config()


def open_or_create(args) -> tuple:
    """For the commands that make a workspace (data, demo; init and restore make their own)."""
    from core.workspace import Workspace
    workspace = Workspace.open(args.workdir)
    return workspace, workspace.load_config()


def print_json(value: Any) -> None:
    print(dumps(value, indent=2, sort_keys=True, default=str))


def emit(args, result: Any, text: Callable[[Any], Optional[str]]) -> None:
    """`result` as JSON when --json was given, else `text(result)`: a table or lines (None prints nothing)."""
    if getattr(args, "json", False):
        print_json(result)
        return
    said = text(result)
    if said is not None:
        print(said)


def batch_path(workspace, name: str) -> str:
    """A batch given as a path, or as the name of a folder under incoming/."""
    if "://" in name or os.path.isdir(name):
        return name
    candidate = workspace.incoming / name
    if candidate.is_dir():
        return str(candidate)
    raise UsageError(f"batch {name!r} not found (neither a folder nor incoming/{name})")


def echo_stderr(line: str) -> None:
    """Progress lines: on stderr, at once, so that stdout stays what a script reads."""
    print(line, file=sys.stderr, flush=True)
