"""`adapt evaluate-batch`, `adapt drift`, `adapt watch` and `adapt batch from-log`: a batch evaluated (and a retrain
started when it needs one), compared, watched for, or made from the prediction log."""
import argparse
import os
import sys
import time
from pathlib import Path

from core.errors import ERROR_PREFIX, UsageError
from core.labeling.estimate import PartialEstimate
from core.labeling.explain import DropExplained
from pipeline import presentation
from pipeline.cli import tables
from pipeline.cli.common import batch_path, command, echo_stderr, emit, open_workspace, positive_int, print_json


def cmd_evaluate_batch(args) -> int:
    workspace, config = open_workspace(args)
    path = batch_path(workspace, args.batch)  # a wrong name fails before TensorFlow loads
    print(f"Evaluating batch {os.path.basename(os.path.normpath(path))} in {workspace.root}", file=sys.stderr)
    from pipeline.local.batch_evaluation import run_batch_evaluation
    outcome = run_batch_evaluation(workspace, config, path, trigger=not args.no_trigger,
                                   claimed_run=args.claimed_run)
    emit(args, outcome.to_dict(with_reports=args.details), lambda _: describe_batch(outcome))
    if outcome.training_failed:  # the evaluation stands; a cron job must still learn that training did not
        print(f"{ERROR_PREFIX}batch {outcome.batch}: {outcome.training_outcome}", file=sys.stderr)
        return 1
    return 0


def describe_batch(outcome) -> str:
    metrics = ", ".join(f"{k} {v:.3f}" for k, v in sorted(outcome.metrics.items())) or "no ground truth yet"
    lines = [f"batch {outcome.batch} (serving version {outcome.serving_version}): {metrics}"]
    if outcome.partial:
        lines.append(f"  from labels on some rows: {PartialEstimate(**outcome.partial).describe()}")
    if outcome.drop_explained:
        lines.append(f"  the drop: {DropExplained.from_dict(outcome.drop_explained).describe()}")
    if outcome.estimated:
        lines.append(f"  estimated: {presentation.estimate_text(outcome.estimated)}")
    lines += [f"  drift: {outcome.drift_reason}",
              f"  predictions: {presentation.prediction_drift_text(outcome.prediction_drift)}",
              f"  decision: {'retrain' if outcome.retrain else 'keep'} — {outcome.reason}"]
    if outcome.span:
        lines.append(f"  span: {outcome.span}")
    if outcome.triggered:
        lines.append(f"  training: {outcome.training_outcome} ({outcome.train_seconds:.0f}s)")
    lines.append(f"  production version: {outcome.production_version}")
    return "\n".join(lines)


def cmd_drift(args) -> int:
    workspace, config = open_workspace(args)
    from pipeline.local import drift
    report = drift.compare(args.baseline, args.current, workspace, config, echo=echo_stderr)
    emit(args, report, tables.drift_text)
    return 0


def cmd_watch(args) -> int:
    from pipeline.triggers.schedule import Schedule, ScheduleError
    from pipeline.triggers.watcher import Watcher
    try:
        schedule = Schedule.from_flags(args.every, args.cron)
    except ScheduleError as err:
        raise UsageError(str(err)) from None
    workspace, config = open_workspace(args)
    echo = (lambda line: print(line, file=sys.stderr)) if args.json else print
    watcher = Watcher(workspace, config, echo=echo, pipeline_spec=args.pipeline_spec, max_batches=args.max_batches)
    if args.once and args.json:
        result = watcher.tick()
        print_json({"started": [s.to_dict() for s in result.started], "skipped": result.skipped,
                    "seconds": round(result.seconds, 3)})
        return 1 if any(not s.ok for s in result.started) else 0
    return watcher.run(schedule, once=args.once)


def cmd_batch_from_log(args) -> int:
    from pipeline.local.batch_from_log import batch_from_log, parse_time
    workspace, config = open_workspace(args)
    until = parse_time(args.until) if args.until else time.time()
    made = batch_from_log(workspace.prediction_log(config), workspace.incoming, parse_time(args.since), until,
                          args.name)
    emit(args, made, _made_text)
    return 0


def _made_text(made) -> str:
    answered = ", ".join(f"version {key}: {count}" for key, count in sorted(made["answered_by"].items()))
    return (f"{made['batch']}: {made['rows']} instances from {made['requests']} requests ({answered}); "
            f"bring labels.csv with an instance_id column of the request ids (`adapt labels request "
            f"{Path(made['batch']).name} --budget N` chooses the rows worth labeling), then `adapt evaluate-batch "
            f"{Path(made['batch']).name}`")


def add_parsers(commands) -> None:
    evaluate = command(commands, "evaluate-batch", cmd_evaluate_batch,
                       "evaluate the serving model on a batch, retrain if needed", json="print the outcome as JSON")
    evaluate.add_argument("batch", help="batch folder, or the name of a folder under incoming/")
    evaluate.add_argument("--no-trigger", action="store_true",
                          help="evaluate only: report the decision, write no span, start no training; "
                               "the batch stays ready")
    evaluate.add_argument("--details", action="store_true", help="with --json: include every component's report")
    evaluate.add_argument("--claimed-run", help=argparse.SUPPRESS)  # a trigger that claimed the batch already

    drift = command(commands, "drift", cmd_drift, "drift table between two spans or batch folders",
                    json="print the table as JSON")
    drift.add_argument("baseline", help="span number (3, span-3), span folder, batch folder or incoming/ name")
    drift.add_argument("current", help="same forms as BASELINE")

    watch = command(commands, "watch", cmd_watch, "scheduled trigger: evaluate ready batches at each tick",
                    json="with --once: print the tick as JSON")
    watch.add_argument("--every", help="tick interval: 90s, 15m, 2h, 1d (default 15m)")
    watch.add_argument("--cron", help='cron expression, e.g. "0 3 * * *"')
    watch.add_argument("--once", action="store_true", help="run one tick and exit")
    watch.add_argument("--max-batches", type=positive_int, help="evaluate at most this many batches per tick")
    watch.add_argument("--pipeline-spec", help="compiled batch-evaluation JSON for kubeflow/vertex trigger modes")

    batch = commands.add_parser("batch", help="make batches")
    actions = batch.add_subparsers(dest="action", metavar="ACTION", required=True)
    from_log = command(actions, "from-log", cmd_batch_from_log, "a time slice of the prediction log "
                                                                "(serving.log_predictions) as a batch in incoming/",
                       json=True)
    from_log.add_argument("--since", required=True, help="ISO date and time (UTC unless it names a zone) or epoch "
                                                         "seconds")
    from_log.add_argument("--until", help="the end, excluded (default: now)")
    from_log.add_argument("--name", default="", help="the batch folder's name (default: log-<since>-<until>)")
