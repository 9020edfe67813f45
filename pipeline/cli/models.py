"""`adapt models list|show|rollback|canary|promote|abort|canary-report` and `adapt history`: the model registry,
the serving version's changes, and the record of every retraining event."""
import argparse
import os
import sys

from pipeline.cli import tables
from pipeline.cli.common import command, emit, open_workspace, positive_int


def cmd_models_list(args) -> int:
    from pipeline.lineage import registry
    workspace, config = open_workspace(args)
    emit(args, registry.list_models(workspace, config),
         lambda rows: tables.models_table(rows) if rows else "no models trained yet")
    return 0


def cmd_models_show(args) -> int:
    from pipeline.lineage import registry
    workspace, config = open_workspace(args)
    emit(args, registry.show_model(workspace, config, args.version), tables.lineage_text)
    return 0


def cmd_models_rollback(args) -> int:
    from pipeline.lineage import registry
    workspace, config = open_workspace(args)
    done = registry.rollback(workspace, config, args.version, reason=args.reason)
    print(f"{config.model.name}: serving version {done['to_version']} (was {done['from_version']}); "
          f"a newer push replaces it as usual")
    return 0


def traffic_share(text: str) -> float:
    """'10%' or '0.1' as a share."""
    try:
        value = float(text[:-1]) / 100 if text.strip().endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share of traffic (10% or 0.1)") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a share of traffic above 0 and at most 100%")
    return value


def cmd_models_canary(args) -> int:
    from pipeline.lineage import registry
    workspace, config = open_workspace(args)
    done = registry.start_canary(workspace, config, args.version, 1.0 if args.shadow else args.traffic,
                                 shadow=args.shadow, reason=args.reason)
    share = "a copy of every request (shadow: its answers are logged, not returned)" if args.shadow else \
        f"{done['traffic']:.0%} of predict requests (sticky by the X-Canary-Key header)"
    print(f"{config.model.name}: version {done['version']} answers {share}; version {done['stable_version']} "
          f"the rest. `adapt models promote` or `adapt models abort` ends it")
    return 0


def cmd_models_end_canary(args) -> int:
    from pipeline.lineage import registry
    workspace, config = open_workspace(args)
    done = registry.end_canary(workspace, config, promote=args.action == "promote", reason=args.reason)
    print(f"{config.model.name}: canary version {done['version']} "
          f"{'promoted' if done['action'] == 'promote' else 'aborted'}; version {done['serving_version']} serves "
          f"every request")
    return 0


def cmd_models_canary_report(args) -> int:
    from pipeline.lineage.canary import canary_report
    workspace, config = open_workspace(args)
    path = args.batch if os.sep in args.batch or os.path.isdir(args.batch) else str(workspace.incoming / args.batch)
    emit(args, canary_report(workspace, config, path), _canary_text)
    return 0


def _canary_text(report) -> str:
    metric = report["metric"]
    lines = [f"{role:<7} version {report[role]['version']}: {metric} {report[role][metric]:.4f} on "
             f"{report[role]['rows']} labeled rows" for role in ("stable", "canary")]
    return "\n".join(lines + [f"canary - stable: {report['difference']:+.4f} ({report['confidence']:.0%} interval "
                              f"{report['low']:+.4f} to {report['high']:+.4f}): {report['verdict']}"])


def cmd_history(args) -> int:
    from pipeline.lineage import history
    workspace, config = open_workspace(args)
    rows = history.history(workspace, config)
    if args.csv:
        with open(args.csv, "w") as handle:
            handle.write(history.to_csv(rows))
        print(f"{len(rows)} event(s) written to {args.csv}", file=sys.stderr)
    emit(args, rows, lambda rows: None if args.csv else tables.history_table(rows) if rows else
         "no retraining events yet")
    return 0


def add_parsers(commands) -> None:
    models = commands.add_parser("models", help="the model registry")
    actions = models.add_subparsers(dest="action", metavar="ACTION", required=True)
    command(actions, "list", cmd_models_list, "pushed and declined versions", json=True)
    show = command(actions, "show", cmd_models_show, "a version's full lineage, with artifact URIs", json=True)
    show.add_argument("version", type=positive_int)
    back = command(actions, "rollback", cmd_models_rollback, "serve an earlier version again, without retraining")
    back.add_argument("version", type=positive_int)
    back.add_argument("--reason", default="", help="why, for the history")
    canary = command(actions, "canary", cmd_models_canary, "serve a version to a share of the requests beside the "
                                                           "stable one (or a copy of each: --shadow)")
    canary.add_argument("version", type=positive_int)
    canary.add_argument("--traffic", type=traffic_share, default=0.1, help="share of predict requests (default 10%%)")
    canary.add_argument("--shadow", action="store_true",
                        help="the canary answers a copy of every request; clients get the stable version's answer")
    canary.add_argument("--reason", default="", help="why, for the history")
    for action, text in (("promote", "the canary serves every request"),
                         ("abort", "the stable version serves every request")):
        ending = command(actions, action, cmd_models_end_canary, f"end the canary: {text}")
        ending.add_argument("--reason", default="", help="why, for the history")
    report = command(actions, "canary-report", cmd_models_canary_report, "the canary and the stable version on the "
                     "requests each answered (a batch from the log, labeled)", json=True)
    report.add_argument("batch", help="a batch `adapt batch from-log` made, with its labels.csv")

    history = command(commands, "history", cmd_history, "one row per retraining event and rollback", json=True)
    history.add_argument("--csv", metavar="FILE", help="also write the rows as CSV")
