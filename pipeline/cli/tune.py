"""`adapt tune BATCHES_DIR`: the retraining policy fitted on the user's own history by the simulator (core/tuning),
chosen on the earlier batches and scored on the later ones; `--apply` writes it into adapt.yaml, `--confirm`
replays it through the real pipelines beside the simulator's decisions."""
import sys
from pathlib import Path

from core.errors import UsageError
from pipeline.cli.common import command, echo_stderr, emit, open_workspace

MIN_BATCHES = 3   # a first model, a batch to choose on, a batch to report on


def progress_bar(total_hint: str):
    """(update(done, total), close()): tqdm on stderr when installed, else a line at every tenth."""
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    state = {"bar": None, "said": -1}

    def update(done: int, total: int) -> None:
        if tqdm is not None:
            if state["bar"] is None:
                state["bar"] = tqdm(total=total, desc=total_hint, unit="setting", file=sys.stderr)
            state["bar"].update(1)
        elif done * 10 // total != state["said"]:
            state["said"] = done * 10 // total
            echo_stderr(f"{total_hint}: {done}/{total} settings")

    def close() -> None:
        if state["bar"] is not None:
            state["bar"].close()
    return update, close


def read_workspace_stream(workspace, config, folders):
    from core.tuning.stream import read_stream
    package = workspace.model_package(config)
    return read_stream(folders, package.label, task=package.task, roles=package.features,
                       test_fraction=config.data.test_fraction, labels_file=config.data.labels_file,
                       drift_exclude=sorted(set(config.drift.exclude) | set(package.drift_exclude)),
                       discrete_values=config.drift.discrete_values)


def apply_settings(workspace, result) -> None:
    """The chosen keys into adapt.yaml in place, each commented with its evidence; the rest of the file kept."""
    from core.config import Config
    from core.config_file import with_keys
    from core.tuning.report import chosen_keys, evidence_note
    path = workspace.config_path
    text = with_keys(path.read_text(), chosen_keys(result), evidence_note(result))
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    Config.load(temporary)   # a file adapt could not read again is never put in place
    temporary.replace(path)


def cmd_tune(args) -> int:
    workspace, config = open_workspace(args)
    if not Path(args.batches_dir).is_dir():
        raise UsageError(f"{args.batches_dir}: no such folder of batches")
    from pipeline.replay.replay import batch_folders
    folders = batch_folders(Path(args.batches_dir))
    if len(folders) < MIN_BATCHES:
        raise UsageError(f"{args.batches_dir}: {len(folders)} batch folder(s); tuning needs at least {MIN_BATCHES} "
                         f"(a first model, batches to choose on, later batches to report on)")
    echo_stderr(f"adapt tune: {len(folders)} batches in {args.batches_dir} (workspace {workspace.root})")
    from core.tuning import report
    from core.tuning.search import default_setting, search
    from core.tuning.simulator import FixedSettings, Simulator
    stream = read_workspace_stream(workspace, config, folders)
    simulator = Simulator(stream, FixedSettings.from_config(config, stream.metric))
    update, close = progress_bar("simulating")
    try:
        result = search(simulator, default_setting(config), progress=update)
    finally:
        close()
    written = report.write_reports(result, workspace.reports, str(args.batches_dir))
    outcome = {**result.to_dict(), "reports": [str(p) for p in written], "applied": False}
    if args.apply:
        apply_settings(workspace, result)
        outcome["applied"] = True
    if args.confirm:
        from pipeline.replay.confirm import confirm
        outcome["confirm"] = confirm(workspace, config, Path(args.batches_dir), result, echo=echo_stderr)

    def said(_) -> str:
        lines = [report.text(result), f"reports: {', '.join(outcome['reports'])}"]
        if outcome["applied"]:
            lines.append(f"applied to {workspace.config_path}")
        if args.confirm:
            from pipeline.replay.confirm import confirm_text
            lines.append(confirm_text(outcome["confirm"]))
        return "\n".join(lines)
    emit(args, outcome, said)
    return 0


def add_parsers(commands) -> None:
    tune = command(commands, "tune", cmd_tune, "fit the retraining policy on a folder of your own batches "
                                               "(simulated; chosen on the earlier batches, scored on the later)",
                   json="print the result as JSON")
    tune.add_argument("batches_dir", metavar="BATCHES_DIR", help="one sub-folder per batch, in name order")
    tune.add_argument("--apply", action="store_true", help="write the chosen settings into adapt.yaml, each with "
                                                           "a comment naming the evidence")
    tune.add_argument("--confirm", action="store_true", help="replay the chosen setting through the real "
                                                             "pipelines (in replays/tune-confirm) and print its "
                                                             "decisions beside the simulator's")
