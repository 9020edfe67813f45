"""`adapt train`: the training pipeline on a window of spans, checked before anything runs."""
import sys
from typing import Optional

from core.errors import UsageError
from pipeline.cli.common import command, emit, open_workspace


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
    workspace, config = open_workspace(args)
    config = config.with_overrides({"training.mode": args.mode, "training.train_steps": args.train_steps})
    chosen = resolve_window(workspace, config, args.spans, args.window)
    print(f"Training {config.model.name} on spans {chosen} in {workspace.root}", file=sys.stderr)
    from pipeline.local.outcome import previous_outcome
    outcome = None if args.no_cache else previous_outcome(workspace, config, chosen)
    if outcome is None:
        from pipeline.local.training import run_training
        outcome = run_training(workspace, config, chosen, trigger=args.trigger, reason=args.reason,
                               enable_cache=not args.no_cache)
    emit(args, outcome.to_dict(), lambda _: describe_outcome(outcome))
    return 0


def describe_outcome(outcome) -> str:
    metrics = ", ".join(f"{k} {v:.3f}" for k, v in sorted(outcome.candidate_metrics.items()) if k != "examples")
    base = ", ".join(f"{k} {v:.3f}" for k, v in sorted(outcome.baseline_metrics.items()) if k != "examples")
    lines = [f"spans {outcome.window}: {outcome.reason} ({outcome.seconds:.0f}s"
             f"{', trainer result from cache' if not outcome.trained and outcome.model_uri else ''})",
             f"  candidate: {metrics or 'n/a'}"]
    if base:
        lines.append(f"  serving model (version {outcome.baseline_version}): {base}")
    lines.append(f"  production version: {outcome.production_version}")
    return "\n".join(lines)


def add_parsers(commands) -> None:
    train = command(commands, "train", cmd_train, "run the training pipeline on a window of spans",
                    json="print the outcome as JSON")
    train.add_argument("--spans", help="inclusive span range A-B (default: the last --window spans)")
    train.add_argument("--window", type=int, help="train on the last K spans (default: training.window)")
    train.add_argument("--mode", choices=["scratch", "warm-start"], help="override training.mode")
    train.add_argument("--train-steps", type=int, help="override training.train_steps")
    train.add_argument("--no-cache", action="store_true",
                       help="run and recompute every component, also when nothing changed since the last run")
    train.add_argument("--trigger", default="manual", help="what started this run, for the history")
    train.add_argument("--reason", default="adapt train", help="why it was started, for the history")
