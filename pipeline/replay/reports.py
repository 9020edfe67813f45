"""Reports of a replay: a markdown table, the JSON rows, and a plot of accuracy (a regression model: its error,
MAE by default, lower is better) over the batches.

Each batch's realized accuracy stands beside the accuracy estimated from the
model's calibrated probabilities alone (a regression model's MAE beside the
MAE its error model estimated from its predictions alone; core/estimation.py);
the summary's `estimation_mae` is how far apart they were. With labels that come late, the
rows `labels of B` are B's second evaluation, when its labels arrived: they
count in retrains and pushes, not in the mean accuracy or the plot. A batch labeled on some rows only (a label
budget) shows its estimate "from N of M rows" with its band, and a fallen metric its drop split into input shift,
class shares and concept drift; the summary's `partial_estimation_mae` is how far that estimate was from the
realized figure.

Written as `<name>-<policy>.{md,json,png}` in the workspace's reports/ folder
(`replay-triggered.*` for `adapt replay`, `demo-triggered.*` for the demo). The plot marks where each pushed
version starts serving (from the batch after the one that triggered it) apart from the points, marks declined
retrains, and draws the never-retrained line when a `static` replay's rows lie beside it.
"""
import json
from pathlib import Path
from statistics import mean
from typing import Dict, List, Sequence

from core.config import LOWER_IS_BETTER
from pipeline.presentation import LABELS_HEADER, PRICE_HEADER, labels_cells, partly_labeled, price_cells, priced


def headline(rows: Sequence[Dict]) -> str:
    """The metric the rows report: accuracy, or a regression model's error (`mae`, `rmse`)."""
    return next((r["metric"] for r in rows if r.get("metric")), "accuracy")


def axis_label(metric: str) -> str:
    return f"serving model {metric.upper()} (lower is better)" if metric in LOWER_IS_BETTER else \
        f"serving model {metric}"


def summarize(rows: Sequence[Dict]) -> Dict:
    metric = headline(rows)
    values = [r[metric] for r in rows if r.get(metric) is not None]
    estimated = f"estimated_{metric}"
    errors = [abs(r[estimated] - r[metric]) for r in rows
              if r.get(metric) is not None and r.get(estimated) is not None]
    partial = f"partial_{metric}"   # with a label budget: the estimate from the rows labeled on arrival
    partial_errors = [abs(r[partial] - r[metric]) for r in rows
                      if r.get(metric) is not None and r.get(partial) is not None]
    return {
        "batches": len(rows),
        "metric": metric,
        f"mean_{metric}": round(mean(values), 4) if values else None,
        "estimation_mae": round(mean(errors), 4) if errors else None,
        "partial_estimation_mae": round(mean(partial_errors), 4) if partial_errors else None,
        "retrains": sum(1 for r in rows if r["retrained"]),
        "retrains_before_labels": sum(1 for r in rows if r["retrained"] and r.get("labeled") is False),
        "pushes": sum(1 for r in rows if r.get("pushed_version")),
        "train_seconds": round(sum(r["train_seconds"] for r in rows), 1),
        "compute_seconds": round(sum(r["train_seconds"] + r["evaluate_seconds"] for r in rows), 1),
    }


def markdown(title: str, rows: Sequence[Dict]) -> str:
    summary, metric = summarize(rows), headline(rows)
    price_header = PRICE_HEADER if priced(rows) else ()   # with `economics:`: each decision's price
    labels_header = LABELS_HEADER if partly_labeled(rows) else ()   # labels on some rows, a drop split
    name = metric.upper() if metric in LOWER_IS_BETTER else metric.capitalize()
    lines = [f"# {title}", "",
             f"{name} is the serving model's, on each batch, before any retraining on that batch"
             f"{' (lower is better)' if metric in LOWER_IS_BETTER else ''}; estimated is "
             + ("what its error model predicted from its predictions alone" if metric in LOWER_IS_BETTER else
                "what its calibrated probabilities alone predicted") + " (no labels), with its 3-sigma band.", "",
             "| " + " | ".join(["batch", "serving version", metric, "estimated", "retrained", "pushed", "train s",
                                *labels_header, *price_header, "reason"]) + " |",
             "|---" * (8 + len(labels_header) + len(price_header)) + "|"]
    for r in rows:
        accuracy = f"{r[metric]:.3f}" if r.get(metric) is not None else "-"
        estimated = "-" if r.get(f"estimated_{metric}") is None else f"{r['estimated_' + metric]:.3f}" + (
            f" ({r['estimated_' + metric + '_low']:.3f}-{r['estimated_' + metric + '_high']:.3f})"
            if r.get(f"estimated_{metric}_low") is not None else "")
        lines.append(f"| {r['batch']} | {r['serving_version']} | {accuracy} | {estimated} "
                     f"| {'yes' if r['retrained'] else 'no'} "
                     f"| {r.get('pushed_version') or '-'} | {r['train_seconds']:.0f} | "
                     + "".join(f"{text} | " for text in (labels_cells(r, metric) if labels_header else ()))
                     + "".join(f"{text} | " for text in (price_cells(r) if price_header else ())) + f"{r['reason']} |")
    estimation = (f"; estimated vs realized {metric}: mean absolute difference {summary['estimation_mae']}"
                  if summary["estimation_mae"] is not None else "")
    if summary["partial_estimation_mae"] is not None:
        estimation += (f"; estimated from the rows labeled on arrival vs realized {metric}: mean absolute difference "
                       f"{summary['partial_estimation_mae']}")
    early = summary["retrains_before_labels"]
    lines += ["", f"Mean {metric}: {summary['mean_' + metric]}; retrains: {summary['retrains']}"
                  f"{f' ({early} before the labels arrived)' if early else ''}; "
                  f"pushes: {summary['pushes']}; compute: {summary['compute_seconds']:.0f} s{estimation}."]
    return "\n".join(lines) + "\n"


NEVER_RETRAINS = "static"


def declined(row: Dict) -> bool:
    return bool(row.get("retrained")) and not row.get("pushed_version")


def plot(path: Path, series: Dict[str, Sequence[Dict]], title: str) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot

    metric = headline([r for rows in series.values() for r in rows])
    figure, axis = pyplot.subplots(figsize=(10, 4))
    batches = list(dict.fromkeys(r["batch"] for rows in series.values() for r in rows if not r.get("labels_of")))
    at = {batch: index for index, batch in enumerate(batches)}   # one x position per batch, in arrival order
    pushes = 0
    for index, (label, rows) in enumerate(series.items()):
        rows = [r for r in rows if not r.get("labels_of")]   # a late labels' evaluation has no point of its own
        realized = [r for r in rows if r.get(metric) is not None]
        [line] = axis.plot([at[r["batch"]] for r in realized], [r[metric] for r in realized], marker="o",
                           label=label)
        # the first series' estimate only: a band per series would hide the lines compared
        estimated = [r for r in rows if r.get(f"estimated_{metric}") is not None] if index == 0 else []
        if estimated:
            where = [at[r["batch"]] for r in estimated]
            axis.plot(where, [r[f"estimated_{metric}"] for r in estimated], linestyle="--", color=line.get_color(),
                      label=f"{label}, estimated without labels")
            if all(r.get(f"estimated_{metric}_low") is not None for r in estimated):
                axis.fill_between(where, [r[f"estimated_{metric}_low"] for r in estimated],
                                  [r[f"estimated_{metric}_high"] for r in estimated], color=line.get_color(),
                                  alpha=0.1)
        refused = [r for r in realized if declined(r)]
        if refused:
            axis.scatter([at[r["batch"]] for r in refused], [r[metric] for r in refused], marker="x", s=70,
                         color="#dc2626", zorder=3, label=f"{label}, retrained but declined")
        for r in rows:
            if r.get("pushed_version"):   # the new version serves from the next batch on: a line, not a point's label
                axis.axvline(at[r["batch"]] + 0.5, color=line.get_color(), linestyle=":", alpha=0.6)
                axis.annotate(f"v{r['pushed_version']} from here", (at[r["batch"]] + 0.5, 1.0),
                              xycoords=("data", "axes fraction"), fontsize=7, textcoords="offset points",
                              xytext=(3, -10 - 9 * (pushes % 2)), ha="left", color=line.get_color())
                pushes += 1
    axis.set_xticks(range(len(batches)))
    axis.set_xticklabels(batches)
    axis.set_ylabel(axis_label(metric))
    axis.set_title(title)
    axis.tick_params(axis="x", rotation=60)
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return path


def series_to_plot(directory: Path, name: str, policy: str, rows: List[Dict]) -> Dict[str, Sequence[Dict]]:
    """{label: rows}: this replay's, and the never-retrained line when a static replay of `name` lies beside it."""
    series: Dict[str, Sequence[Dict]] = {policy: rows}
    static = directory / f"{name}-{NEVER_RETRAINS}.json"
    if policy != NEVER_RETRAINS and static.is_file():
        series[f"{NEVER_RETRAINS} (never retrained)"] = json.loads(static.read_text())
    return series


def write_reports(directory: Path, name: str, policy: str, rows: List[Dict]) -> List[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-{policy}"
    json_path = directory / f"{stem}.json"
    json_path.write_text(json.dumps(rows, indent=2))
    markdown_path = directory / f"{stem}.md"
    markdown_path.write_text(markdown(f"adapt {name} — policy `{policy}`", rows))
    metric = headline(rows)
    png_path = plot(directory / f"{stem}.png", series_to_plot(directory, name, policy, rows),
                    f"{metric.upper() if metric in LOWER_IS_BETTER else metric.capitalize()} of the serving model "
                    f"on each new batch")
    return [markdown_path, json_path, png_path]
