"""`adapt doctor`: a workspace's health (core/health.py checks it), with the stale leftovers of killed writes removed
on request."""
from dataclasses import asdict

from pipeline.cli import tables
from pipeline.cli.common import command, emit, open_workspace


def cmd_doctor(args) -> int:
    """Free space, the metadata store, leftovers of killed writes and version folders that cannot serve; exit 1
    when something needs a person (low space, a store that does not open, a broken version)."""
    from core import health
    from pipeline.lineage.graph import Metadata
    from pipeline.lineage.store import describe_store
    workspace, config = open_workspace(args)   # looking changes nothing
    store = health.store_check(describe_store(workspace, config),
                               bool(config.metadata.mysql_host) or workspace.metadata_path.exists(),
                               lambda: Metadata.of(workspace, config))
    checks = health.workspace_checks(workspace.root, workspace.serving_model_dir(config), store, clean=args.clean)
    emit(args, [asdict(check) for check in checks],
         lambda rows: tables.render(["check", "", "found"], [[row["check"], "ok" if row["ok"] else "PROBLEM",
                                                              row["found"]] for row in rows]))
    return 0 if all(check.ok for check in checks) else 1


def add_parsers(commands) -> None:
    doctor = command(commands, "doctor", cmd_doctor, "free space, the metadata store, leftovers of killed writes, "
                                                     "version folders that cannot serve", json=True)
    doctor.add_argument("--clean", action="store_true",
                        help="remove staging leftovers untouched for an hour (killed writes; nothing reads them)")
