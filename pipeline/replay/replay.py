"""`adapt replay BATCHES_DIR`: would continuous training have paid off on my history? The demo's loop, for any data.

The batches are the sub-folders of BATCHES_DIR in name order. Unless the
workspace already serves a model, the first one is span 1 (written now if
`adapt init` has not made it) and the first model trains on it. Every later
batch then goes through the batch-evaluation pipeline as it would have
arrived: the serving model's accuracy on it (before any retraining on it),
drift against its training spans, and, when the policy says so, a new span
and a training run on the window ending there. A batch already processed (in
an earlier, interrupted replay) is skipped, so a replay resumes.

Reports: `reports/<name>-<policy>.html`, the dashboard's pages in one file
(`adapt report --html`), and `reports/<name>-<policy>.{md,json,png}` with one row per batch:
batch, serving_version, metric (accuracy; for a regression model its watched
error, `mae` by default, whose value the row carries under that name), accuracy, auc, the estimate beside
them (estimated_accuracy with its band and estimated_auc; a regression model's
estimated_mae with its band: what adapt would have known before the labels), drifted_features, predictions_shifted and prediction_p_value (prediction drift), retrained, pushed_version, reason,
training_outcome, train_seconds, evaluate_seconds; with `economics:`, expected_gain, retrain_cost and verdict
(the decision's price; None where it was not priced).

`labels_after` N replays labels that come late: every batch arrives without
them (a copy, pipeline/replay/withheld.py) and its labels arrive N batches
later, just before that batch is evaluated. The serving model is then judged
by its estimate alone, and a rule that fires on it retrains on the spans
labeled so far. When a batch's labels arrive, it is evaluated again (its row
`labels of B`, with the realized accuracy of the model serving then and the
retraining that evaluation decided), and the accuracy of the model that
served it on arrival fills its own row, computed from the predictions that
model made then: the figure a labeled replay reports. The last N batches'
labels only score them. Reports are named `<name>-labels-after-N-<policy>`.

`label_budget` K (with `labels_after`) labels K rows of each batch on arrival: the rows a label request
(`adapt labels request`, active testing) chooses with the model serving then get their labels at once, with
their inclusion probabilities (withheld.deliver_early); the batch is judged by the unbiased estimate from them
("from K of M rows") and the rules, and becomes a span of those rows when a rule fires. When the rest of its
labels arrive, the batch is evaluated again on all of them (its span, if written, stays as it was:
core/policy/late_labels.py). The arrival row keeps the estimate from K rows (`partial_<metric>`, with its band)
beside the realized figure. Reports are named `<name>-labels-after-N-budget-K-<policy>`.
"""
import time
from pathlib import Path
from statistics import mean
from typing import Callable, Dict, List, Optional

from core import versions
from core.config import Config
from core.data import spans
from core.data.batch import Batch
from core.data.spans import SpanWindow
from core.errors import UsageError
from core.workspace import Workspace
from pipeline.local.beam import echo_stderr
from pipeline.presentation import drop_fields, partial_fields, price_fields


def batch_folders(batches_dir: Path) -> List[Path]:
    root = Path(batches_dir)
    if not root.is_dir():
        raise UsageError(f"{batches_dir}: no such folder of batches")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if not folders:
        raise UsageError(f"{batches_dir}: holds no batch folders (one sub-folder per batch, in name order)")
    return folders


def estimated_columns(metric: str) -> List[str]:
    """The row's estimate without labels: the metric's (estimated_accuracy, a regression model's estimated_mae)
    with its band, and for a classifier its AUC's."""
    return [f"estimated_{metric}", f"estimated_{metric}_low", f"estimated_{metric}_high"] + (
        ["estimated_auc"] if metric == "accuracy" else [])


def batch_row(outcome, metric: str = "accuracy") -> Dict:
    """One batch's row: its headline `metric` (accuracy, or a regression model's error) under that name; with
    labels on some rows only, the estimate from them and how many rows it is from (`partial_<metric>`, its band,
    `labeled_rows` of `rows`); when the metric fell, the drop split by cause (`drop_*`, pipeline/presentation.py)."""
    return {
        "batch": outcome.batch,
        "labeled": outcome.labeled,
        "serving_version": outcome.serving_version,
        "metric": metric,
        "accuracy": outcome.metrics.get("accuracy"),
        metric: outcome.metrics.get(metric),
        "auc": outcome.metrics.get("auc"),
        **{estimated: outcome.estimated.get(estimated[len("estimated_"):]) for estimated in estimated_columns(metric)},
        "drifted_features": outcome.drifted_features,
        # the model's answers on the batch against its answers on its holdout (reported, never deciding)
        "predictions_shifted": outcome.prediction_drift.get("shifted"),
        "prediction_p_value": outcome.prediction_drift.get("p_value"),
        "retrained": outcome.triggered,
        "pushed_version": outcome.pushed_version,
        "reason": outcome.reason,
        # with `economics:`, the decision's price (None when it was not priced)
        **price_fields(outcome.price),
        **partial_fields(outcome.partial, metric),
        **drop_fields(outcome.drop_explained),
        "training_outcome": outcome.training_outcome,
        "train_seconds": outcome.train_seconds,
        "evaluate_seconds": round(outcome.seconds - outcome.train_seconds, 1),
    }


def ensure_first_model(workspace: Workspace, config: Config, first: Path, echo: Callable[[str], None]) -> None:
    """Span 1 from the first batch (unless it exists) and the first model on it (unless one serves)."""
    from pipeline.local.init import check_first_batch, first_span
    from pipeline.local.training import run_training

    base = workspace.serving_model_dir(config)
    if versions.production_version(base) is not None:
        echo(f"serving version {versions.production_version(base)} already in {base}")
        return
    if not spans.list_spans(workspace.data):
        model = workspace.model_package(config)
        batch = workspace.batch(str(first), label=model.label, labels_file=config.data.labels_file)
        check_first_batch(batch, str(first))
        count = first_span(workspace, batch, config.data.test_fraction, reason="first batch of the replay")
        echo(f"span 1: {count} instances of {first.name}")
    echo("the first model, trained on span 1")
    outcome = run_training(workspace, config, SpanWindow(1, 1), trigger="replay", reason="initial model", echo=echo)
    metric = config.performance.headline(workspace.model_package(config).task)
    echo(f"  {outcome.reason}; {metric} on its test split {outcome.candidate_metrics.get(metric)}")
    if versions.production_version(base) is None:
        raise UsageError(f"the first model was not pushed ({outcome.reason}); see validation.min_accuracy")


def metric_on_arrival(predictions_uri: str, labels: Dict[str, Optional[str]], metric: str) -> Optional[float]:
    """The accuracy (or a regression model's MAE / RMSE) of the predictions a batch evaluation made, once the
    batch's labels are known."""
    from core.data.predictions import iter_predictions
    answered = [(record["prediction"], labels[record["instance_id"]]) for record in iter_predictions(predictions_uri)
                if labels.get(record["instance_id"]) is not None]
    if metric == "accuracy":
        hits = [predicted == label for predicted, label in answered]
        return round(sum(hits) / len(hits), 6) if hits else None
    errors = []
    for predicted, label in answered:
        try:
            errors.append(float(predicted) - float(label))
        except (TypeError, ValueError):  # a label that is not a number is not scored, as PerformanceEvaluator does
            continue
    if not errors:
        return None
    return round(mean(abs(e) for e in errors) if metric == "mae" else mean(e * e for e in errors) ** 0.5, 6)


def label_early(workspace: Workspace, config: Config, copy: Path, budget: int, labels_file: str) -> int:
    """Labels `budget` rows of a replayed batch on arrival, chosen by a label request with the model serving now
    (made once: a labels file already there, from an interrupted replay, is kept); returns how many it labels."""
    from pipeline.local.label_request import request_labels
    from pipeline.replay import withheld
    if not (copy / labels_file).exists():
        request, _ = request_labels(workspace, config, str(copy), budget,
                                    output=str(copy.parent / withheld.PENDING / f"{copy.name}-to-label.csv"))
        withheld.deliver_early(copy, labels_file, request.probabilities())
    return workspace.batch(str(copy), label=workspace.model_package(config).label,
                           labels_file=labels_file).labeled_in_file()


def labels_row(outcome, arrived_with: str, metric: str = "accuracy") -> Dict:
    """The row of a batch's evaluation when its labels arrive (its arrival row keeps the figure on arrival)."""
    realized = outcome.metrics.get(metric)
    now = f"labels arrived with {arrived_with}; version {outcome.serving_version} scores " + (
        f"{metric} {realized:.3f} on it now" if realized is not None else "nothing on it")
    return {**batch_row(outcome, metric), "batch": f"labels of {outcome.batch}", "labels_of": outcome.batch,
            "accuracy": None, metric: None, "auc": None, **dict.fromkeys(estimated_columns(metric)),
            "realized_now": realized,
            "reason": f"{now}; {outcome.reason}"}


def replay(workspace: Workspace, config: Config, batches_dir: Path, limit: Optional[int] = None,
           report_name: str = "replay", echo: Callable[[str], None] = echo_stderr,
           labels_after: int = 0, label_budget: int = 0) -> List[Dict]:
    if label_budget and not labels_after:
        raise UsageError("--label-budget labels some rows of each batch early: it needs --labels-after N")
    from pipeline.local.batch_evaluation import run_batch_evaluation
    from pipeline.replay import reports, withheld
    from pipeline.ui.report import write_html_report

    policy = config.retraining.policy
    started = time.perf_counter()
    folders = batch_folders(batches_dir)
    report_name = f"{report_name}-labels-after-{labels_after}" if labels_after else report_name
    report_name = f"{report_name}-budget-{label_budget}" if label_budget else report_name
    late = f"; labels arrive {labels_after} batch(es) later" if labels_after else ""
    late += f", {label_budget} row(s) of each on arrival" if label_budget else ""
    echo(f"adapt {report_name} of {len(folders)} batch(es) in {batches_dir} (policy: {policy}{late}; workspace "
         f"{workspace.root})")
    if policy != "static" and config.retraining.trigger_mode == "local":
        from pipeline.local.launcher import start_child
        start_child()
    ensure_first_model(workspace, config, folders[0], echo)

    # Span 1 trained the first model: judging that model on it would say nothing.
    todo = [folder for folder in folders if spans.span_for_batch(workspace.data, folder.name) != 1]
    todo = todo[:limit] if limit is not None else todo
    model = workspace.model_package(config)
    labels_file, label, metric = config.data.labels_file, model.label, config.performance.headline(model.task)
    if labels_after:
        copies = workspace.replays / report_name
        todo = [withheld.withhold(workspace.batch(str(folder), label=label, labels_file=labels_file), copies,
                                  labels_file) for folder in todo]
    rows, arrivals = [], {}   # arrivals: batch -> (its row, the predictions made on arrival)

    def evaluate(folder: Path, step: str, early: bool = False) -> Optional[Dict]:
        if workspace.batch(str(folder), label=label, labels_file=labels_file).is_processed():
            echo(f"{step} {folder.name}: already processed in an earlier run; skipped")
            return None
        if early:
            chosen = label_early(workspace, config, folder, label_budget, labels_file)
            echo(f"{step} {folder.name}: {chosen} row(s) labeled on arrival, chosen by the serving model")
        echo(f"{step} {folder.name}: evaluating")
        outcome = run_batch_evaluation(workspace, config, str(folder), trigger=policy != "static", echo=None)
        row = batch_row(outcome, metric)
        figure = f"{metric} {row[metric]:.3f}" if row[metric] is not None else "no labels"
        training = f" -> {outcome.training_outcome} ({outcome.train_seconds:.0f}s)" if outcome.triggered else ""
        echo(f"{step} {folder.name}: {figure} with version {outcome.serving_version}; "
             f"{'retrain' if outcome.retrain else 'keep'}: {outcome.reason}{training}")
        return {"row": row, "outcome": outcome}

    def score(folder: Path) -> None:
        row, predictions = arrivals.pop(folder.name, (None, ""))
        if row is not None and predictions:
            row[metric] = metric_on_arrival(predictions, withheld.withheld_labels(folder, labels_file), metric)

    for index, folder in enumerate(todo, start=1):
        step = f"[{index}/{len(todo)}]"
        if labels_after and index > labels_after:
            owed = todo[index - labels_after - 1]
            withheld.deliver(owed, labels_file)
            score(owed)
            done = evaluate(owed, f"{step} labels of")
            if done:
                rows.append(labels_row(done["outcome"], folder.name, metric))
        done = evaluate(folder, step, early=bool(label_budget))
        if done:
            rows.append(done["row"])
            if labels_after:
                arrivals[folder.name] = (done["row"], done["outcome"].predictions_uri)
    for folder in todo[-labels_after:] if labels_after else []:
        score(folder)   # labels that arrive after the replay's last batch only score it

    written = reports.write_reports(workspace.reports, report_name, policy, rows)
    written.append(write_html_report(workspace, config, workspace.reports / f"{report_name}-{policy}.html"))
    summary = reports.summarize(rows)
    echo(f"mean {metric} {summary['mean_' + metric]}, {summary['retrains']} retrain(s), {summary['pushes']} push(es); "
         f"reports: {', '.join(str(p) for p in written)} (total {time.perf_counter() - started:.0f}s)")
    return rows
