"""`adapt schema diff|accept`: the data contract's versions, what a batch changes and the next version accepted."""
import os

from core.errors import UsageError
from pipeline.cli import tables
from pipeline.cli.common import batch_path, command, emit, open_workspace, positive_int


def _schema_reference(workspace, name: str) -> str:
    return name if name.startswith("span") and not os.path.isdir(name) else batch_path(workspace, name)


def cmd_schema_diff(args) -> int:
    from pipeline.local import schema_versions
    workspace, config = open_workspace(args)
    if args.models:
        emit(args, schema_versions.models_diff(workspace, config, *args.models),
             lambda found: _models_diff_text(found, args.models))
        return 0
    if not args.batch:
        raise UsageError("name a batch (or span-N), or compare two models with --models A B")
    emit(args, schema_versions.diff(workspace, config, _schema_reference(workspace, args.batch)), _diff_text)
    return 0


def _models_diff_text(found, models) -> str:
    first, second = (found["models"][str(model)] for model in models)
    lines = [f"model {models[0]}: schema v{first}, model {models[1]}: schema v{second}"]
    if found["changes"]:
        lines.append(tables.schema_changes_table(found["changes"], with_version=True))
    return "\n".join(lines)


def _diff_text(found) -> str:
    state = " (quarantined)" if found["quarantined"] else ""
    if not found["changes"]:
        return f"{found['target']}{state} meets schema v{found['schema_version']}: no change"
    return "\n".join([f"{found['target']}{state} against schema v{found['schema_version']}:",
                      tables.schema_changes_table(found["changes"]),
                      "`adapt schema accept BATCH --reason TEXT` makes these the next version"])


def cmd_schema_accept(args) -> int:
    from pipeline.local import schema_versions
    workspace, config = open_workspace(args)
    done = schema_versions.accept(workspace, config, _schema_reference(workspace, args.batch), args.reason,
                                  allow_type_change=args.allow_type_change)
    emit(args, done, _accepted_text)
    return 0


def _accepted_text(done) -> str:
    lines = [f"schema v{done['version']} written: {done['schema_file']} ({len(done['changes'])} change(s), "
             f"by {done['who']}: {done['reason']})"]
    lines += [f"  model.features.{name}: {role} (inferred; edit adapt.yaml to change)"
              for name, role in done["features"].items()]
    if any(change["change"] == "type change" for change in done["changes"]):
        lines.append("  a type change: models trained before it keep their own serving contract; requests to them "
                     "must carry the old type")
    if done["released_span"]:
        lines.append(f"  span {done['released_span']} released from quarantine: the next `adapt train` takes it")
    return "\n".join(lines)


def add_parsers(commands) -> None:
    schema = commands.add_parser("schema", help="the data contract's versions: diff a batch, accept its changes")
    actions = schema.add_subparsers(dest="action", metavar="ACTION", required=True)
    diff = command(actions, "diff", cmd_schema_diff, "what a batch (or span-N) changes against the current schema, "
                   "written nowhere; --models A B: between two models", json=True)
    diff.add_argument("batch", nargs="?", help="a batch folder, a batch name in incoming/, or span-N")
    diff.add_argument("--models", nargs=2, type=positive_int, metavar=("A", "B"),
                      help="the changes accepted between the schema versions two models were trained under")
    accept = command(actions, "accept", cmd_schema_accept, "write the next schema version with exactly the batch's "
                     "changes and release its quarantined span", json=True)
    accept.add_argument("batch", help="a batch folder, a batch name in incoming/, or span-N")
    accept.add_argument("--reason", required=True, help="why the contract changes (recorded with the version)")
    accept.add_argument("--allow-type-change", action="store_true",
                        help="accept a column's new type (it breaks the serving contract of earlier models)")
