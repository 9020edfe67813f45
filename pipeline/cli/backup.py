"""`adapt backup --output FILE` and `adapt restore FILE --workdir NEW` (the work is core/backup.py's)."""
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from core import backup, health, versions
from core.data.spans import list_spans
from core.workspace import Workspace, resolve_workdir


def cmd_backup(args) -> int:
    workspace = Workspace.existing(args.workdir)
    config = workspace.load_config()
    print(f"Backing up {workspace.root} to {args.output}", file=sys.stderr)
    done = backup.backup(workspace.root, Path(args.output), config.metadata)
    if args.json:
        print(json.dumps(asdict(done), indent=2, sort_keys=True, default=str))
        return 0
    store = "its ML Metadata snapshot included" if done.manifest.has_metadata_snapshot else \
        f"ML Metadata not included: it is on {done.manifest.metadata}"
    print(f"backed up {workspace.root} to {done.output}: {done.files} files, {health.human_bytes(done.bytes)}, "
          f"{store}")
    if done.mysql_dump_command:
        print(f"dump ML Metadata too (its database is not in the backup): {done.mysql_dump_command}")
    return 0


def cmd_restore(args) -> int:
    target = resolve_workdir(args.workdir)
    done = backup.restore(Path(args.file), target)
    workspace = Workspace.existing(str(target))
    config = workspace.load_config()
    base = workspace.serving_model_dir(config)
    spans, pushed = list_spans(workspace.data), versions.list_versions(base)
    if args.json:
        print(json.dumps({**asdict(done), "spans": spans, "versions": pushed,
                          "production_version": versions.production_version(base)}, indent=2, sort_keys=True,
                         default=str))
        return 0
    taken = time.strftime("%Y-%m-%d %H:%M", time.localtime(done.manifest.created_at))
    print(f"restored {args.file} (taken at {done.manifest.root}, {taken}) into {target}: "
          f"{len(spans)} span(s), model versions {', '.join(map(str, pushed)) or 'none'}, "
          f"serving version {versions.production_version(base) or 'none'}")
    if done.relocation is not None:
        print(f"  rewrote the paths it records for its new folder: {done.relocation.metadata_values} in ML Metadata, "
              f"{done.relocation.files} file(s), {done.relocation.batch_records} batch record(s)")
    if not done.manifest.has_metadata_snapshot:
        settings = config.metadata
        print(f"ML Metadata is on {done.manifest.metadata}: load its dump there before the next command "
              f"(mysql -h {settings.mysql_host} -P {settings.mysql_port} -u {settings.mysql_user} -p "
              f"{settings.mysql_database} < DUMP.sql)")
    return 0


def add_parsers(commands, workdir_flags) -> None:
    """The two commands' entries in `adapt`'s parser (`workdir_flags` adds --workdir and --debug)."""
    saved = commands.add_parser("backup", help="one .tar.gz of the workspace, consistent while watch or serve run")
    saved.add_argument("--output", required=True, metavar="FILE", help="the backup file to write (.tar.gz)")
    saved.add_argument("--json", action="store_true", help="print what was written as JSON")
    workdir_flags(saved)
    saved.set_defaults(func=cmd_backup)
    restored = commands.add_parser("restore", help="a new workspace from a backup, at any path (--workdir)")
    restored.add_argument("file", metavar="FILE", help="a file `adapt backup` wrote")
    restored.add_argument("--json", action="store_true", help="print what was restored as JSON")
    workdir_flags(restored)
    restored.set_defaults(func=cmd_restore)
