"""`adapt labels request BATCH --budget N`: which rows of a batch to label, chosen by the serving model's expected
loss (active testing, core/labeling/acquisition.py), written to to-label.csv."""
from pipeline.cli.common import batch_path, command, emit, open_workspace, positive_int


def cmd_labels_request(args) -> int:
    workspace, config = open_workspace(args)
    path = batch_path(workspace, args.batch)
    from pipeline.local.label_request import request_labels
    request, written = request_labels(workspace, config, path, args.budget, args.uniform_share, args.seed,
                                      args.output, args.estimator)
    result = {"batch": request.batch, "model_version": request.model_version, "rows": request.rows,
              "budget": request.budget, "uniform_share": request.uniform_share, "sampling": request.sampling,
              "to_label": str(written),
              "chosen": len(request.chosen)}
    emit(args, result, lambda r: (
        f"{r['chosen']} of {r['rows']} rows of batch {r['batch']} to label (serving version {r['model_version']}): "
        f"{r['to_label']}\nfill in the {request.label!r} column and save it as the batch's labels file; "
        f"`adapt evaluate-batch {r['batch']}` then weights each row by its inclusion_probability"))
    return 0


def add_parsers(commands) -> None:
    from core.labeling.acquisition import DEFAULT_BUDGET
    from core.labeling.estimators import ESTIMATORS
    labels = commands.add_parser("labels", help="labels on a budget: which rows to label")
    actions = labels.add_subparsers(dest="action", metavar="ACTION", required=True)
    request = command(actions, "request", cmd_labels_request,
                      "choose the rows of a batch worth labeling (active testing) and write to-label.csv", json=True)
    request.add_argument("batch", help="batch folder, or the name of a folder under incoming/")
    request.add_argument("--budget", type=positive_int, default=DEFAULT_BUDGET,
                         help=f"rows to label (default {DEFAULT_BUDGET})")
    request.add_argument("--uniform-share", type=float,
                         help="share of each draw spread evenly over all rows (default: the estimator's, " + ", ".join(
                             f"{key} {ESTIMATORS.get(key).uniform_share}" for key in ESTIMATORS.keys()) + ")")
    request.add_argument("--estimator", choices=ESTIMATORS.keys(),
                         help="draw the rows the way this estimator gains most from (default: "
                              "performance.label_estimator in adapt.yaml)")
    request.add_argument("--seed", type=int, default=0, help="the sample's random seed (default 0)")
    request.add_argument("--output", help="where to write to-label.csv (default: "
                                          "reports/label-requests/<batch>/to-label.csv in the workspace)")
