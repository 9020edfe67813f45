"""`adapt backup --output FILE` and `adapt restore FILE --workdir NEW` (the work is core/backup.py's)."""
import sys
import time
from dataclasses import asdict
from pathlib import Path

from core import health
from pipeline.cli.common import command, emit, open_workspace


def cmd_backup(args) -> int:
    from core import backup
    workspace, config = open_workspace(args)
    output = backup.checked_output(workspace.root, Path(args.output))
    print(f"Backing up {workspace.root} to {output}", file=sys.stderr)
    done = backup.backup(workspace.root, output, config.metadata)
    emit(args, asdict(done), lambda _: _backed_up_text(workspace.root, done))
    return 0


def _backed_up_text(root, done) -> str:
    store = "its ML Metadata snapshot included" if done.manifest.has_metadata_snapshot else \
        f"ML Metadata not included: it is on {done.manifest.metadata}"
    lines = [f"backed up {root} to {done.output}: {done.files} files, {health.human_bytes(done.bytes)}, {store}"]
    if done.mysql_dump_command:
        lines.append(f"dump ML Metadata too (its database is not in the backup): {done.mysql_dump_command}")
    return "\n".join(lines)


def cmd_restore(args) -> int:
    from core import backup, versions
    from core.data.spans import list_spans
    from core.workspace import Workspace, resolve_workdir
    target = resolve_workdir(args.workdir)
    done = backup.restore(Path(args.file), target)
    workspace = Workspace.existing(str(target))
    config = workspace.load_config()
    base = workspace.serving_model_dir(config)
    found = {**asdict(done), "spans": list_spans(workspace.data), "versions": versions.list_versions(base),
             "production_version": versions.production_version(base)}
    emit(args, found, lambda found: _restored_text(args.file, target, done, found, config.metadata))
    return 0


def _restored_text(file, target, done, found, settings) -> str:
    taken = time.strftime("%Y-%m-%d %H:%M", time.localtime(done.manifest.created_at))
    lines = [f"restored {file} (taken at {done.manifest.root}, {taken}) into {target}: {len(found['spans'])} span(s), "
             f"model versions {', '.join(map(str, found['versions'])) or 'none'}, "
             f"serving version {found['production_version'] or 'none'}"]
    if done.relocation is not None:
        lines.append(f"  rewrote the paths it records for its new folder: {done.relocation.metadata_values} in ML "
                     f"Metadata, {done.relocation.files} file(s), {done.relocation.batch_records} batch record(s)")
    if not done.manifest.has_metadata_snapshot:
        lines.append(f"ML Metadata is on {done.manifest.metadata}: load its dump there before the next command "
                     f"(mysql -h {settings.mysql_host} -P {settings.mysql_port} -u {settings.mysql_user} -p "
                     f"{settings.mysql_database} < DUMP.sql)")
    return "\n".join(lines)


def add_parsers(commands) -> None:
    saved = command(commands, "backup", cmd_backup, "one .tar.gz of the workspace, consistent while watch or serve "
                                                    "run", json="print what was written as JSON")
    saved.add_argument("--output", required=True, metavar="FILE", help="the backup file to write (.tar.gz)")
    restored = command(commands, "restore", cmd_restore, "a new workspace from a backup, at any path (--workdir)",
                       json="print what was restored as JSON")
    restored.add_argument("file", metavar="FILE", help="a file `adapt backup` wrote")
