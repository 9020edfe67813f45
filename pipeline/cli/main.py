"""The `adapt` command line.

Every command takes --workdir (else $ADAPT_WORKDIR, else ./adapt-workspace).
User mistakes end in one line on stderr and a non-zero exit; --json prints
what scripts read. Heavy modules (TensorFlow, TFX) are imported inside the
commands that need them, so `adapt --help`, `adapt models list` and an idle
`adapt watch` tick stay fast.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import List, Optional

from core import environment
from core.config import KubeflowConfig
from core.errors import ERROR_PREFIX, AdaptError, UsageError, disk_full_line, is_disk_full, unexpected_line
from core.workspace import Workspace
from pipeline import presentation
from pipeline.cli import tables

DEMO_TRAIN_STEPS = 300  # the replay trains up to 16 times; benchmarks/policies.py uses the same


def _open(args) -> tuple:
    """The workspace --workdir names and its configuration; a folder that is not one is an error, left as it was."""
    workspace = Workspace.existing(args.workdir)
    return workspace, workspace.load_config()


def _open_or_create(args) -> tuple:
    """For the commands that make a workspace (data, demo; init and restore make their own)."""
    workspace = Workspace.open(args.workdir)
    return workspace, workspace.load_config()


def _print_json(value) -> None:
    print(json.dumps(value, indent=2, sort_keys=True, default=str))


# -- data ----------------------------------------------------------------------------
def cmd_data(args) -> int:
    workspace, config = _open_or_create(args)
    what = {"taxi": "the taxi quarters", "digits": "the digit image batches"}[args.dataset]
    print(f"Writing {what} to {workspace.incoming} and span 1 (TensorFlow loads first)", file=sys.stderr)
    from pipeline.replay import demo
    _, written = demo.write_use_case_data(workspace, config, args.dataset)
    unit = {"taxi": "data.csv  {} trips", "digits": "{} images + labels.csv"}[args.dataset]
    for batch, count in written.items():
        print(f"  incoming/{batch}/{unit.format(count)}")
    print(f"{len(written)} new batch(es) in {workspace.incoming}; spans: {_span_list(workspace)}")
    return 0


# -- init / replay --------------------------------------------------------------------
def cmd_init(args) -> int:
    from pipeline.local import init
    result = init.initialize(args.workdir, args.data, args.label, args.name,
                             echo=lambda line: print(line, file=sys.stderr, flush=True), task=args.task or "")
    print(init.describe(result, args.label))
    return 0


def cmd_replay(args) -> int:
    workspace, config = _open(args)  # before TFX loads: a wrong --workdir is said at once
    from pipeline.replay import reports
    from pipeline.replay.replay import replay
    config = config.with_overrides({"retraining.policy": args.policy, "training.train_steps": args.train_steps})
    rows = replay(workspace, config, Path(args.batches_dir), limit=args.limit, labels_after=args.labels_after or 0)
    if args.json:
        _print_json({"policy": config.retraining.policy, "summary": reports.summarize(rows), "batches": rows})
    return 0


def _span_list(workspace) -> str:
    from core.data.spans import list_spans
    return ", ".join(map(str, list_spans(workspace.data))) or "none"


# -- train ---------------------------------------------------------------------------
def resolve_window(workspace, config, spans: Optional[str], window: Optional[int]):
    """The window to train on, checked before anything runs: --spans A-B (present spans), or the last K spans."""
    from core.data.spans import SpanError, SpanWindow, check_window_present, list_spans, rejected_spans
    if spans and window is not None:
        raise UsageError("use either --spans A-B or --window K, not both")
    if spans:
        try:
            chosen = SpanWindow.parse(spans)
            check_window_present(workspace.data, chosen)
        except SpanError as err:
            raise UsageError(f"--spans {spans}: {err}") from None
        return chosen
    config = config.with_overrides({"training.window": window})  # the same check as adapt.yaml's
    rejected = rejected_spans(workspace.data)
    accepted = [s for s in list_spans(workspace.data) if s not in rejected]
    if not accepted:
        raise SpanError(f"no usable spans under {workspace.data}; run `adapt init --data PATH --label COLUMN` "
                        f"first (or `adapt data taxi`)")
    return SpanWindow.ending_at(accepted[-1], window or config.largest_window(), rejected)


def cmd_train(args) -> int:
    workspace, config = _open(args)
    config = config.with_overrides({"training.mode": args.mode, "training.train_steps": args.train_steps})
    chosen = resolve_window(workspace, config, args.spans, args.window)
    print(f"Training {config.model.name} on spans {chosen} in {workspace.root}", file=sys.stderr)
    from pipeline.local.outcome import previous_outcome
    outcome = None if args.no_cache else previous_outcome(workspace, config, chosen)
    if outcome is None:
        from pipeline.local.training import run_training
        outcome = run_training(workspace, config, chosen, trigger=args.trigger, reason=args.reason,
                               enable_cache=not args.no_cache)
    if args.json:
        _print_json(outcome.to_dict())
    else:
        print(_describe_outcome(outcome))
    return 0


def _describe_outcome(outcome) -> str:
    metrics = ", ".join(f"{k} {v:.3f}" for k, v in sorted(outcome.candidate_metrics.items()) if k != "examples")
    base = ", ".join(f"{k} {v:.3f}" for k, v in sorted(outcome.baseline_metrics.items()) if k != "examples")
    lines = [f"spans {outcome.window}: {outcome.reason} ({outcome.seconds:.0f}s"
             f"{', trainer result from cache' if not outcome.trained and outcome.model_uri else ''})",
             f"  candidate: {metrics or 'n/a'}"]
    if base:
        lines.append(f"  serving model (version {outcome.baseline_version}): {base}")
    lines.append(f"  production version: {outcome.production_version}")
    return "\n".join(lines)


# -- evaluate-batch -------------------------------------------------------------------
def batch_path(workspace, name: str) -> str:
    """A batch given as a path, or as the name of a folder under incoming/."""
    if "://" in name or os.path.isdir(name):
        return name
    candidate = workspace.incoming / name
    if candidate.is_dir():
        return str(candidate)
    raise UsageError(f"batch {name!r} not found (neither a folder nor incoming/{name})")


def cmd_evaluate_batch(args) -> int:
    workspace, config = _open(args)
    path = batch_path(workspace, args.batch)  # a wrong name fails before TensorFlow loads
    print(f"Evaluating batch {os.path.basename(os.path.normpath(path))} in {workspace.root}", file=sys.stderr)
    from pipeline.local.batch_evaluation import run_batch_evaluation
    outcome = run_batch_evaluation(workspace, config, path, trigger=not args.no_trigger,
                                   claimed_run=args.claimed_run)
    if args.json:
        _print_json(outcome.to_dict(with_reports=args.details))
    else:
        print(describe_batch(outcome))
    if outcome.training_failed:  # the evaluation stands; a cron job must still learn that training did not
        print(f"{ERROR_PREFIX}batch {outcome.batch}: {outcome.training_outcome}", file=sys.stderr)
        return 1
    return 0


def describe_batch(outcome) -> str:
    metrics = ", ".join(f"{k} {v:.3f}" for k, v in sorted(outcome.metrics.items())) or "no ground truth yet"
    lines = [f"batch {outcome.batch} (serving version {outcome.serving_version}): {metrics}"]
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


# -- drift --------------------------------------------------------------------------
def cmd_drift(args) -> int:
    workspace, config = _open(args)
    from pipeline.local import drift
    report = drift.compare(args.baseline, args.current, workspace, config,
                           echo=lambda line: print(line, file=sys.stderr, flush=True))
    if args.json:
        _print_json(report)
    else:
        print(tables.drift_text(report))
    return 0


# -- watch ---------------------------------------------------------------------------
def cmd_watch(args) -> int:
    from pipeline.triggers.schedule import Schedule, ScheduleError
    from pipeline.triggers.watcher import Watcher
    try:
        schedule = Schedule.from_flags(args.every, args.cron)
    except ScheduleError as err:
        raise UsageError(str(err)) from None
    workspace, config = _open(args)
    echo = (lambda line: print(line, file=sys.stderr)) if args.json else print
    watcher = Watcher(workspace, config, echo=echo, pipeline_spec=args.pipeline_spec, max_batches=args.max_batches)
    if args.once and args.json:
        result = watcher.tick()
        _print_json({"started": [s.to_dict() for s in result.started], "skipped": result.skipped,
                     "seconds": round(result.seconds, 3)})
        return 1 if any(not s.ok for s in result.started) else 0
    return watcher.run(schedule, once=args.once)


# -- compile / submit ----------------------------------------------------------------
def cmd_compile(args) -> int:
    workspace, config = _open(args)
    from pipeline.kubeflow import compile as kubeflow
    output = args.output or str(workspace.root / "compiled" / args.target)
    started = time.perf_counter()
    written = kubeflow.compile_pipelines(config, workspace.model_package(config), args.target, output)
    seconds = time.perf_counter() - started
    if args.json:
        _print_json({name: {"path": path, "parameters": kubeflow.parameters(path)} for name, path in written.items()})
        return 0
    for name, path in written.items():
        params = ", ".join(f"{k} ({v['type'].lower()})" for k, v in kubeflow.parameters(path).items())
        print(f"{name}: {path}\n  runtime parameters: {params}")
    print(f"compiled for {args.target} in {seconds:.1f}s (image {config.kubeflow.image})")
    if config.kubeflow.image == KubeflowConfig().image:
        print(f"adapt: warning: kubeflow.image is still the placeholder {config.kubeflow.image}: set it in adapt.yaml "
              "to the image you built from the Dockerfile, then compile again before submitting", file=sys.stderr)
    return 0


def cmd_submit(args) -> int:
    from pipeline.kubeflow import submit
    workspace, config = _open(args)
    if not os.path.exists(args.pipeline_json) and "://" not in args.pipeline_json:
        raise UsageError(f"{args.pipeline_json}: no such compiled pipeline (run `adapt compile` first)")
    host = args.host or ("" if args.vertex_project else config.kubeflow.host)
    project = args.vertex_project or ("" if args.host else config.kubeflow.vertex_project)
    run = submit.submit(args.pipeline_json, submit.parse_params(args.param), host=host, vertex_project=project,
                        region=args.region or config.kubeflow.vertex_region,
                        pipeline_root=config.kubeflow.pipeline_root, run_name=args.run_name)
    print(run)
    return 0


# -- models --------------------------------------------------------------------------
def cmd_models_list(args) -> int:
    from pipeline.lineage import registry
    workspace, config = _open(args)
    rows = registry.list_models(workspace, config)
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print("no models trained yet")
        return 0
    print(tables.models_table(rows))
    return 0


def cmd_models_show(args) -> int:
    from pipeline.lineage import registry
    workspace, config = _open(args)
    shown = registry.show_model(workspace, config, args.version)
    if args.json:
        _print_json(shown)
    else:
        print(tables.lineage_text(shown))
    return 0


def cmd_models_rollback(args) -> int:
    from pipeline.lineage import registry
    workspace, config = _open(args)
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
    workspace, config = _open(args)
    done = registry.start_canary(workspace, config, args.version, 1.0 if args.shadow else args.traffic,
                                 shadow=args.shadow, reason=args.reason)
    share = "a copy of every request (shadow: its answers are logged, not returned)" if args.shadow else \
        f"{done['traffic']:.0%} of predict requests (sticky by the X-Canary-Key header)"
    print(f"{config.model.name}: version {done['version']} answers {share}; version {done['stable_version']} "
          f"the rest. `adapt models promote` or `adapt models abort` ends it")
    return 0


def cmd_models_end_canary(args) -> int:
    from pipeline.lineage import registry
    workspace, config = _open(args)
    done = registry.end_canary(workspace, config, promote=args.action == "promote", reason=args.reason)
    print(f"{config.model.name}: canary version {done['version']} "
          f"{'promoted' if done['action'] == 'promote' else 'aborted'}; version {done['serving_version']} serves "
          f"every request")
    return 0


def cmd_models_canary_report(args) -> int:
    from pipeline.lineage.canary import canary_report
    workspace, config = _open(args)
    path = args.batch if os.sep in args.batch or os.path.isdir(args.batch) else str(workspace.incoming / args.batch)
    report = canary_report(workspace, config, path)
    if args.json:
        _print_json(report)
        return 0
    metric = report["metric"]
    for role in ("stable", "canary"):
        found = report[role]
        print(f"{role:<7} version {found['version']}: {metric} {found[metric]:.4f} on {found['rows']} labeled rows")
    print(f"canary - stable: {report['difference']:+.4f} ({report['confidence']:.0%} interval "
          f"{report['low']:+.4f} to {report['high']:+.4f}): {report['verdict']}")
    return 0


# -- schema (the data contract's versions) ------------------------------------------
def _schema_reference(workspace, name: str) -> str:
    return name if name.startswith("span") and not os.path.isdir(name) else batch_path(workspace, name)


def cmd_schema_diff(args) -> int:
    from pipeline.local import schema_versions
    workspace, config = _open(args)
    if args.models:
        found = schema_versions.models_diff(workspace, config, *args.models)
        if args.json:
            _print_json(found)
            return 0
        first, second = (found["models"][str(model)] for model in args.models)
        print(f"model {args.models[0]}: schema v{first}, model {args.models[1]}: schema v{second}")
        if found["changes"]:
            print(tables.schema_changes_table(found["changes"], with_version=True))
        return 0
    if not args.batch:
        raise UsageError("name a batch (or span-N), or compare two models with --models A B")
    found = schema_versions.diff(workspace, config, _schema_reference(workspace, args.batch))
    if args.json:
        _print_json(found)
        return 0
    state = " (quarantined)" if found["quarantined"] else ""
    if not found["changes"]:
        print(f"{found['target']}{state} meets schema v{found['schema_version']}: no change")
        return 0
    print(f"{found['target']}{state} against schema v{found['schema_version']}:")
    print(tables.schema_changes_table(found["changes"]))
    print("`adapt schema accept BATCH --reason TEXT` makes these the next version")
    return 0


def cmd_schema_accept(args) -> int:
    from pipeline.local import schema_versions
    workspace, config = _open(args)
    done = schema_versions.accept(workspace, config, _schema_reference(workspace, args.batch), args.reason,
                                  allow_type_change=args.allow_type_change)
    if args.json:
        _print_json(done)
        return 0
    print(f"schema v{done['version']} written: {done['schema_file']} ({len(done['changes'])} change(s), "
          f"by {done['who']}: {done['reason']})")
    for name, role in done["features"].items():
        print(f"  model.features.{name}: {role} (inferred; edit adapt.yaml to change)")
    if any(change["change"] == "type change" for change in done["changes"]):
        print("  a type change: models trained before it keep their own serving contract; requests to them "
              "must carry the old type")
    if done["released_span"]:
        print(f"  span {done['released_span']} released from quarantine: the next `adapt train` takes it")
    return 0


# -- history -------------------------------------------------------------------------
def cmd_history(args) -> int:
    from pipeline.lineage import history
    workspace, config = _open(args)
    rows = history.history(workspace, config)
    if args.csv:
        with open(args.csv, "w") as handle:
            handle.write(history.to_csv(rows))
        print(f"{len(rows)} event(s) written to {args.csv}", file=sys.stderr)
    if args.json:
        _print_json(rows)
    elif not args.csv:
        print(tables.history_table(rows) if rows else "no retraining events yet")
    return 0


# -- doctor --------------------------------------------------------------------------
def cmd_doctor(args) -> int:
    """Free space, the metadata store, leftovers of killed writes and version folders that cannot serve; exit 1
    when something needs a person (low space, a store that does not open, a broken version)."""
    from core import health, versions
    from pipeline.lineage import metadata
    workspace, config = _open(args)   # looking changes nothing
    checks = []   # (check, ok, what was found)
    free, total = health.free_space(workspace.root)
    checks.append(("free space", free >= health.LOW_SPACE_BYTES,
                   f"{health.human_bytes(free)} of {health.human_bytes(total)} free on the workspace's filesystem"
                   + ("" if free >= health.LOW_SPACE_BYTES else
                      f": under {health.human_bytes(health.LOW_SPACE_BYTES)}, a training run may not fit")))
    where = metadata.describe_store(workspace, config)
    if not config.metadata.mysql_host and not workspace.metadata_path.exists():
        checks.append(("metadata", True, f"{where}: no store yet (the first run creates it)"))
    else:
        try:
            metadata.Metadata.of(workspace, config)
            checks.append(("metadata", True, f"{where}: opens"))
        except AdaptError as err:
            checks.append(("metadata", False, str(err)))
    leftovers = health.staging_leftovers(workspace.root)
    removed = health.remove_stale(leftovers) if args.clean else []
    for leftover in leftovers:
        state = "removed" if leftover in removed else "stale" if leftover.age_seconds >= health.STALE_SECONDS \
            else "being written?"
        checks.append(("staging", True, f"{leftover.path.relative_to(workspace.root)}: "
                                        f"{health.human_bytes(leftover.bytes)}, untouched for "
                                        f"{health.human_age(leftover.age_seconds)} ({state})"))
    stale = [leftover for leftover in leftovers if leftover.age_seconds >= health.STALE_SECONDS]
    if stale and not args.clean:
        checks.append(("staging", True, f"{len(stale)} stale leftover(s) of killed writes, "
                                        f"{health.human_bytes(sum(s.bytes for s in stale))}: "
                                        "`adapt doctor --clean` removes them"))
    base = workspace.serving_model_dir(config)
    whole, broken = versions.list_versions(base), versions.broken_versions(base)
    checks.append(("versions", True, f"{base}: {', '.join(map(str, whole)) or 'none'}"
                                     f" (production {versions.production_version(base) or '-'})"))
    for version, problem in broken.items():
        checks.append(("versions", False, f"{versions.version_path(base, version)} cannot serve: {problem}"))
    if args.json:
        _print_json([{"check": check, "ok": ok, "found": found} for check, ok, found in checks])
    else:
        print(tables.render(["check", "", "found"], [[check, "ok" if ok else "PROBLEM", found]
                                                      for check, ok, found in checks]))
    return 0 if all(ok for _, ok, _ in checks) else 1


# -- serve ---------------------------------------------------------------------------
def cmd_serve(args) -> int:
    from core import versions
    from serving import server
    workspace, config = _open(args)
    config = config.with_overrides({"serving.port": args.port, "serving.host": args.host})
    base = workspace.serving_model_dir(config)
    if versions.production_version(base) is None:
        raise AdaptError(f"no model to serve under {base}: run `adapt train` (or `adapt demo`) first")

    def ready(actual_port, repository):
        print(f"serving {config.model.name} version {repository.current.version} on "
              f"http://{config.serving.host}:{actual_port}/v1/models/{config.model.name} (Ctrl-C stops)",
              file=sys.stderr)

    server.serve(base, config.model.name, config.serving, str(workspace.prediction_log(config)), on_ready=ready)
    return 0


def cmd_batch_from_log(args) -> int:
    from pipeline.local.batch_from_log import batch_from_log, parse_time
    workspace, config = _open(args)
    until = parse_time(args.until) if args.until else time.time()
    made = batch_from_log(workspace.prediction_log(config), workspace.incoming, parse_time(args.since), until,
                          args.name)
    if args.json:
        _print_json(made)
        return 0
    answered = ", ".join(f"version {key}: {count}" for key, count in sorted(made["answered_by"].items()))
    print(f"{made['batch']}: {made['rows']} instances from {made['requests']} requests ({answered}); "
          f"bring labels.csv with an instance_id column of the request ids, then `adapt evaluate-batch "
          f"{Path(made['batch']).name}`")
    return 0


# -- dashboard and report -------------------------------------------------------------
def cmd_ui(args) -> int:
    from pipeline.ui import app
    workspace = Workspace.existing(args.workdir)

    def ready(port, token):
        where = f"http://{args.host}:{port}/" + (f"?token={token}" if token else "")
        print(f"adapt ui: {where} ({'rollback allowed' if args.allow_rollback else 'read-only'}; Ctrl-C stops)",
              file=sys.stderr, flush=True)
        if args.port_file:
            Path(args.port_file).write_text(str(port))

    app.serve(workspace, host=args.host, port=args.port, allow_rollback=args.allow_rollback,
              token=os.environ.get("ADAPT_UI_TOKEN") or None, on_ready=ready)
    return 0


def cmd_report(args) -> int:
    from pipeline.ui import report
    workspace, config = _open(args)
    if not args.html:
        raise UsageError("adapt report writes HTML: add --html")
    written = report.write_html_report(workspace, config, Path(args.output) if args.output else None)
    print(written)
    return 0


# -- demo ----------------------------------------------------------------------------
def cmd_demo(args) -> int:
    from pipeline.replay import demo
    workspace, config = _open_or_create(args)
    config = config.with_overrides({"retraining.policy": args.policy, "training.train_steps": args.train_steps})
    demo.run_demo(workspace, config, quarters=args.quarters, use_case=args.use_case,
                  labels_after=args.labels_after or 0)
    print(f"the dashboard: .venv/bin/adapt ui --workdir {workspace.root}  (then open http://127.0.0.1:8600/)",
          file=sys.stderr)
    return 0


# -- parser --------------------------------------------------------------------------
def _workdir(parser):
    parser.add_argument("--workdir", help="workspace folder (default: $ADAPT_WORKDIR or ./adapt-workspace)")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of a failure")


def _labels_after(parser):
    parser.add_argument("--labels-after", type=positive_int, metavar="N",
                        help="labels come N batches late: each batch is judged by its estimate on arrival, its "
                             "labels arrive N batches on")


class OneLineParser(argparse.ArgumentParser):
    """argparse, with its errors as adapt's: one line on stderr, exit 2."""

    def error(self, message):
        print(f"{ERROR_PREFIX}{self.prog.split(' ', 1)[-1]}: {message}", file=sys.stderr)
        sys.exit(2)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="adapt", description="Continuous training on TFX.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    init = commands.add_parser("init", help="a first batch of your own data -> span 1, schema, adapt.yaml")
    init.add_argument("--data", required=True, metavar="PATH", help="a folder of CSV or TFRecord files, or one file")
    init.add_argument("--label", required=True, metavar="COLUMN", help="the column to predict")
    init.add_argument("--task", choices=["classification", "regression"],
                      help="what to predict; default: regression for a number with many values, else classes")
    init.add_argument("--name", default="model", help="model name: serving/<name>, /v1/models/<name> (default model)")
    _workdir(init)
    init.set_defaults(func=cmd_init)

    replay = commands.add_parser("replay", help="backtest a retraining policy on a folder of your own batches")
    replay.add_argument("batches_dir", metavar="BATCHES_DIR", help="one sub-folder per batch, replayed in name order")
    _workdir(replay)
    replay.add_argument("--policy", choices=["triggered", "periodic", "static"], help="retraining policy")
    replay.add_argument("--limit", type=positive_int, help="replay only this many batches after the first")
    replay.add_argument("--train-steps", type=int, help="override training.train_steps")
    replay.add_argument("--json", action="store_true", help="print the report rows as JSON")
    _labels_after(replay)
    replay.set_defaults(func=cmd_replay)

    demo = commands.add_parser("demo", help="replay four years of taxi data (or drifting digit images) through the "
                                            "system")
    _workdir(demo)
    demo.add_argument("--use-case", choices=["taxi", "digits"], default="taxi",
                      help="taxi: quarterly CSV batches (default); digits: batches of PNG images that drift")
    demo.add_argument("--quarters", type=positive_int, help="replay only this many batches after the first")
    demo.add_argument("--policy", choices=["triggered", "periodic", "static"], help="retraining policy")
    demo.add_argument("--train-steps", type=int, default=DEMO_TRAIN_STEPS,
                      help=f"Trainer steps per training run (default {DEMO_TRAIN_STEPS}, the benchmark's setting)")
    _labels_after(demo)
    demo.set_defaults(func=cmd_demo)

    data = commands.add_parser("data", help="generate data batches")
    data_kinds = data.add_subparsers(dest="dataset", metavar="DATASET", required=True)
    taxi = data_kinds.add_parser("taxi", help="quarterly batches from the Chicago taxi CSV shipped with tfx")
    _workdir(taxi)
    taxi.set_defaults(func=cmd_data)
    digits = data_kinds.add_parser("digits", help="batches of handwritten digit PNGs (scikit-learn's) that drift")
    _workdir(digits)
    digits.set_defaults(func=cmd_data)

    train = commands.add_parser("train", help="run the training pipeline on a window of spans")
    _workdir(train)
    train.add_argument("--spans", help="inclusive span range A-B (default: the last --window spans)")
    train.add_argument("--window", type=int, help="train on the last K spans (default: training.window)")
    train.add_argument("--mode", choices=["scratch", "warm-start"], help="override training.mode")
    train.add_argument("--train-steps", type=int, help="override training.train_steps")
    train.add_argument("--no-cache", action="store_true", help="run and recompute every component, also when nothing changed since the last run")
    train.add_argument("--json", action="store_true", help="print the outcome as JSON")
    train.add_argument("--trigger", default="manual", help="what started this run, for the history")
    train.add_argument("--reason", default="adapt train", help="why it was started, for the history")
    train.set_defaults(func=cmd_train)

    evaluate = commands.add_parser("evaluate-batch", help="evaluate the serving model on a batch, retrain if needed")
    evaluate.add_argument("batch", help="batch folder, or the name of a folder under incoming/")
    _workdir(evaluate)
    evaluate.add_argument("--no-trigger", action="store_true",
                          help="evaluate only: report the decision, write no span, start no training; "
                               "the batch stays ready")
    evaluate.add_argument("--json", action="store_true", help="print the outcome as JSON")
    evaluate.add_argument("--details", action="store_true", help="with --json: include every component's report")
    evaluate.add_argument("--claimed-run", help=argparse.SUPPRESS)  # a trigger that claimed the batch already
    evaluate.set_defaults(func=cmd_evaluate_batch)

    drift = commands.add_parser("drift", help="drift table between two spans or batch folders")
    drift.add_argument("baseline", help="span number (3, span-3), span folder, batch folder or incoming/ name")
    drift.add_argument("current", help="same forms as BASELINE")
    _workdir(drift)
    drift.add_argument("--json", action="store_true", help="print the table as JSON")
    drift.set_defaults(func=cmd_drift)

    watch = commands.add_parser("watch", help="scheduled trigger: evaluate ready batches at each tick")
    _workdir(watch)
    watch.add_argument("--every", help="tick interval: 90s, 15m, 2h, 1d (default 15m)")
    watch.add_argument("--cron", help='cron expression, e.g. "0 3 * * *"')
    watch.add_argument("--once", action="store_true", help="run one tick and exit")
    watch.add_argument("--max-batches", type=positive_int, help="evaluate at most this many batches per tick")
    watch.add_argument("--json", action="store_true", help="with --once: print the tick as JSON")
    watch.add_argument("--pipeline-spec", help="compiled batch-evaluation JSON for kubeflow/vertex trigger modes")
    watch.set_defaults(func=cmd_watch)

    compile_ = commands.add_parser("compile", help="compile both pipelines to KFP v2 JSON (Kubeflow or Vertex AI)")
    _workdir(compile_)
    compile_.add_argument("--target", choices=["kubeflow", "vertex"], default="kubeflow")
    compile_.add_argument("--output", help="output folder (default: <workdir>/compiled/<target>)")
    compile_.add_argument("--json", action="store_true", help="print paths and runtime parameters as JSON")
    compile_.set_defaults(func=cmd_compile)

    submit_ = commands.add_parser("submit", help="start a run of a compiled pipeline on Kubeflow or Vertex AI")
    submit_.add_argument("pipeline_json", help="a file written by `adapt compile` (local or gs://)")
    _workdir(submit_)
    submit_.add_argument("--host", help="Kubeflow Pipelines endpoint (default: kubeflow.host)")
    submit_.add_argument("--vertex-project", help="GCP project for Vertex AI Pipelines")
    submit_.add_argument("--region", help="Vertex AI region (default: kubeflow.vertex_region)")
    submit_.add_argument("--param", action="append", metavar="NAME=VALUE", help="runtime parameter (repeatable)")
    submit_.add_argument("--run-name", help="display name of the run")
    submit_.set_defaults(func=cmd_submit)

    models = commands.add_parser("models", help="the model registry")
    model_commands = models.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = model_commands.add_parser("list", help="pushed and declined versions")
    _workdir(listing)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_models_list)
    show = model_commands.add_parser("show", help="a version's full lineage, with artifact URIs")
    show.add_argument("version", type=positive_int)
    _workdir(show)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_models_show)
    back = model_commands.add_parser("rollback", help="serve an earlier version again, without retraining")
    back.add_argument("version", type=positive_int)
    _workdir(back)
    back.add_argument("--reason", default="", help="why, for the history")
    back.set_defaults(func=cmd_models_rollback)
    canary = model_commands.add_parser("canary", help="serve a version to a share of the requests beside the "
                                                      "stable one (or a copy of each: --shadow)")
    canary.add_argument("version", type=positive_int)
    canary.add_argument("--traffic", type=traffic_share, default=0.1, help="share of predict requests (default 10%%)")
    canary.add_argument("--shadow", action="store_true",
                        help="the canary answers a copy of every request; clients get the stable version's answer")
    canary.add_argument("--reason", default="", help="why, for the history")
    _workdir(canary)
    canary.set_defaults(func=cmd_models_canary)
    for action, text in (("promote", "the canary serves every request"),
                         ("abort", "the stable version serves every request")):
        ending = model_commands.add_parser(action, help=f"end the canary: {text}")
        ending.add_argument("--reason", default="", help="why, for the history")
        _workdir(ending)
        ending.set_defaults(func=cmd_models_end_canary)
    report = model_commands.add_parser("canary-report", help="the canary and the stable version on the requests "
                                                             "each answered (a batch from the log, labeled)")
    report.add_argument("batch", help="a batch `adapt batch from-log` made, with its labels.csv")
    report.add_argument("--json", action="store_true")
    _workdir(report)
    report.set_defaults(func=cmd_models_canary_report)

    schema_ = commands.add_parser("schema", help="the data contract's versions: diff a batch, accept its changes")
    schema_commands = schema_.add_subparsers(dest="action", metavar="ACTION", required=True)
    diff_ = schema_commands.add_parser("diff", help="what a batch (or span-N) changes against the current "
                                                    "schema, written nowhere; --models A B: between two models")
    diff_.add_argument("batch", nargs="?", help="a batch folder, a batch name in incoming/, or span-N")
    diff_.add_argument("--models", nargs=2, type=positive_int, metavar=("A", "B"),
                       help="the changes accepted between the schema versions two models were trained under")
    diff_.add_argument("--json", action="store_true")
    _workdir(diff_)
    diff_.set_defaults(func=cmd_schema_diff)
    accept_ = schema_commands.add_parser("accept", help="write the next schema version with exactly the batch's "
                                                        "changes and release its quarantined span")
    accept_.add_argument("batch", help="a batch folder, a batch name in incoming/, or span-N")
    accept_.add_argument("--reason", required=True, help="why the contract changes (recorded with the version)")
    accept_.add_argument("--allow-type-change", action="store_true",
                         help="accept a column's new type (it breaks the serving contract of earlier models)")
    accept_.add_argument("--json", action="store_true")
    _workdir(accept_)
    accept_.set_defaults(func=cmd_schema_accept)

    history = commands.add_parser("history", help="one row per retraining event and rollback")
    _workdir(history)
    history.add_argument("--json", action="store_true")
    history.add_argument("--csv", metavar="FILE", help="also write the rows as CSV")
    history.set_defaults(func=cmd_history)

    batch = commands.add_parser("batch", help="make batches")
    batch_commands = batch.add_subparsers(dest="action", metavar="ACTION", required=True)
    from_log = batch_commands.add_parser("from-log", help="a time slice of the prediction log "
                                                          "(serving.log_predictions) as a batch in incoming/")
    from_log.add_argument("--since", required=True, help="ISO date and time (UTC unless it names a zone) or epoch "
                                                         "seconds")
    from_log.add_argument("--until", help="the end, excluded (default: now)")
    from_log.add_argument("--name", default="", help="the batch folder's name (default: log-<since>-<until>)")
    from_log.add_argument("--json", action="store_true")
    _workdir(from_log)
    from_log.set_defaults(func=cmd_batch_from_log)

    from pipeline.cli import backup
    backup.add_parsers(commands, _workdir)

    doctor = commands.add_parser("doctor", help="free space, the metadata store, leftovers of killed writes, "
                                                "version folders that cannot serve")
    doctor.add_argument("--clean", action="store_true",
                        help="remove staging leftovers untouched for an hour (killed writes; nothing reads them)")
    doctor.add_argument("--json", action="store_true")
    _workdir(doctor)
    doctor.set_defaults(func=cmd_doctor)

    serve = commands.add_parser("serve", help="serve the production version over TF Serving's REST API")
    _workdir(serve)
    from serving.server import add_address_flags
    add_address_flags(serve)
    serve.set_defaults(func=cmd_serve)

    ui = commands.add_parser("ui", help="the dashboard: batches, drift, models, data and runs in a browser")
    _workdir(ui)
    ui.add_argument("--port", type=int, default=8600, help="default 8600; 0 picks a free port")
    ui.add_argument("--host", default="127.0.0.1",
                    help="default 127.0.0.1; any other address needs a token ($ADAPT_UI_TOKEN, or one printed)")
    ui.add_argument("--allow-rollback", action="store_true", help="a rollback form on the Models page")
    ui.add_argument("--port-file", help=argparse.SUPPRESS)
    ui.set_defaults(func=cmd_ui)

    report = commands.add_parser("report", help="the dashboard's pages as one self-contained HTML file")
    _workdir(report)
    report.add_argument("--html", action="store_true", help="write HTML (the only format)")
    report.add_argument("--output", help="default: reports/adapt-report.html in the workspace")
    report.set_defaults(func=cmd_report)
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
