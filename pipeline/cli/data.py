"""`adapt init`, `adapt replay`, `adapt demo` and `adapt data taxi|digits`: data into a workspace, and the backtests
that replay batches through it."""
import sys
from pathlib import Path

from core.policy.policies import POLICIES
from pipeline.cli.common import command, echo_stderr, open_or_create, open_workspace, positive_int, print_json

DEMO_TRAIN_STEPS = 300  # the replay trains up to 16 times; benchmarks/policies.py uses the same


def cmd_init(args) -> int:
    from pipeline.local import init
    result = init.initialize(args.workdir, args.data, args.label, args.name, echo=echo_stderr, task=args.task or "")
    print(init.describe(result, args.label))
    return 0


def cmd_replay(args) -> int:
    workspace, config = open_workspace(args)  # before TFX loads: a wrong --workdir is said at once
    from pipeline.replay import reports
    from pipeline.replay.replay import replay
    config = config.with_overrides({"retraining.policy": args.policy, "training.train_steps": args.train_steps})
    rows = replay(workspace, config, Path(args.batches_dir), limit=args.limit, labels_after=args.labels_after or 0,
                  label_budget=args.label_budget or 0)
    if args.json:   # without it, the progress lines said it all
        print_json({"policy": config.retraining.policy, "summary": reports.summarize(rows), "batches": rows})
    return 0


def cmd_demo(args) -> int:
    from pipeline.replay import demo
    workspace, config = open_or_create(args)
    config = config.with_overrides({"retraining.policy": args.policy, "training.train_steps": args.train_steps})
    demo.run_demo(workspace, config, quarters=args.quarters, use_case=args.use_case,
                  labels_after=args.labels_after or 0)
    print(f"the dashboard: .venv/bin/adapt ui --workdir {workspace.root}  (then open http://127.0.0.1:8600/)",
          file=sys.stderr)
    return 0


def cmd_data(args) -> int:
    from core.data.spans import list_spans
    workspace, config = open_or_create(args)
    what = {"taxi": "the taxi quarters", "digits": "the digit image batches"}[args.dataset]
    print(f"Writing {what} to {workspace.incoming} and span 1 (TensorFlow loads first)", file=sys.stderr)
    from pipeline.replay import demo
    _, written = demo.write_use_case_data(workspace, config, args.dataset)
    unit = {"taxi": "data.csv  {} trips", "digits": "{} images + labels.csv"}[args.dataset]
    for batch, count in written.items():
        print(f"  incoming/{batch}/{unit.format(count)}")
    spans = ", ".join(map(str, list_spans(workspace.data))) or "none"
    print(f"{len(written)} new batch(es) in {workspace.incoming}; spans: {spans}")
    return 0


def _replay_flags(parser) -> None:
    """--policy and --labels-after, which the replay and the demo share."""
    parser.add_argument("--policy", choices=POLICIES.keys(), help="retraining policy")
    parser.add_argument("--labels-after", type=positive_int, metavar="N",
                        help="labels come N batches late: each batch is judged by its estimate on arrival, its "
                             "labels arrive N batches on")


def add_parsers(commands) -> None:
    init = command(commands, "init", cmd_init, "a first batch of your own data -> span 1, schema, adapt.yaml")
    init.add_argument("--data", required=True, metavar="PATH", help="a folder of CSV or TFRecord files, or one file")
    init.add_argument("--label", required=True, metavar="COLUMN", help="the column to predict")
    init.add_argument("--task", choices=["classification", "regression"],
                      help="what to predict; default: regression for a number with many values, else classes")
    init.add_argument("--name", default="model", help="model name: serving/<name>, /v1/models/<name> (default model)")

    replay = command(commands, "replay", cmd_replay, "backtest a retraining policy on a folder of your own batches",
                     json="print the report rows as JSON")
    replay.add_argument("batches_dir", metavar="BATCHES_DIR", help="one sub-folder per batch, replayed in name order")
    replay.add_argument("--limit", type=positive_int, help="replay only this many batches after the first")
    replay.add_argument("--train-steps", type=int, help="override training.train_steps")
    _replay_flags(replay)
    replay.add_argument("--label-budget", type=positive_int, metavar="K",
                        help="with --labels-after: K rows of each batch labeled on arrival, chosen by the serving "
                             "model (active testing, as `adapt labels request`); the rest with the late labels")

    demo = command(commands, "demo", cmd_demo, "replay four years of taxi data (or drifting digit images) through "
                                               "the system")
    demo.add_argument("--use-case", choices=["taxi", "digits"], default="taxi",
                      help="taxi: quarterly CSV batches (default); digits: batches of PNG images that drift")
    demo.add_argument("--quarters", type=positive_int, help="replay only this many batches after the first")
    demo.add_argument("--train-steps", type=int, default=DEMO_TRAIN_STEPS,
                      help=f"Trainer steps per training run (default {DEMO_TRAIN_STEPS}, the benchmark's setting)")
    _replay_flags(demo)

    data = commands.add_parser("data", help="generate data batches")
    kinds = data.add_subparsers(dest="dataset", metavar="DATASET", required=True)
    command(kinds, "taxi", cmd_data, "quarterly batches from the Chicago taxi CSV shipped with tfx")
    command(kinds, "digits", cmd_data, "batches of handwritten digit PNGs (scikit-learn's) that drift")
