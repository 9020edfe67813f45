"""Only init, data, demo and restore make a workspace: every other command, given a folder that is not one (a typo
in --workdir), says so in one line, exits non-zero and creates nothing."""
import argparse

import pytest

from pipeline.cli.main import build_parser, main

CREATORS = {("init",), ("data", "taxi"), ("data", "digits"), ("demo",), ("restore",)}

# every other command, with the arguments it cannot run without (a new command joins the table)
READERS = {
    ("replay",): ["batches"],
    ("tune",): ["batches"],
    ("train",): [],
    ("evaluate-batch",): ["b1"],
    ("drift",): ["1", "2"],
    ("watch",): ["--once"],
    ("compile",): [],
    ("submit",): ["pipeline.json"],
    ("models", "list"): [],
    ("models", "show"): ["1"],
    ("models", "rollback"): ["1"],
    ("models", "canary"): ["2"],
    ("models", "promote"): [],
    ("models", "abort"): [],
    ("models", "canary-report"): ["b1"],
    ("schema", "diff"): ["b1"],
    ("schema", "accept"): ["b1", "--reason", "typo"],
    ("history",): [],
    ("batch", "from-log"): ["--since", "2024-01-01"],
    ("labels", "request"): ["b1"],
    ("doctor",): [],
    ("serve",): [],
    ("ui",): [],
    ("report",): ["--html"],
    ("backup",): ["--output", "ws.tar"],
}


def commands(parser, path=()):
    """Every runnable command of the parser, as its words (`models list`)."""
    subcommands = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not subcommands:
        return [path]
    return [found for name, child in subcommands[0].choices.items() for found in commands(child, path + (name,))]


def test_every_command_either_makes_a_workspace_or_is_tested_on_a_folder_that_is_none():
    untested = set(commands(build_parser())) - CREATORS - set(READERS)
    assert not untested, f"add {sorted(untested)} to READERS (or to CREATORS, if it makes a workspace)"


@pytest.mark.parametrize("folder", ["missing", "empty"])
@pytest.mark.parametrize("command", [c for c in READERS if c in set(commands(build_parser()))],
                         ids=" ".join)
def test_a_folder_that_is_no_workspace_is_one_line_and_stays_as_it_was(command, folder, tmp_path, capsys):
    root = tmp_path / folder
    if folder == "empty":
        root.mkdir()
    code = main([*command, *READERS[command], "--workdir", str(root)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert lines == [f"adapt: error: no workspace at {root} (run `adapt init --data PATH --label COLUMN`, "
                     f"or `adapt demo`)"]
    assert list(tmp_path.iterdir()) == ([root] if folder == "empty" else []) and not any(root.glob("*"))
