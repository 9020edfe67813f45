"""The Policies page: several replays of the same batches (reports/replay-<policy>.json, one per policy) side by
side: the metric per batch, retrains, pushes and compute seconds, with the policy that never retrains (static) as
the line the others are measured against. A report's row that carries more says it under its metric, as the batches
list does: the estimate from the rows labeled on arrival (a label budget), the fall split by cause, the decision's
price (`economics:`); a batch's second evaluation when its labels came (`labels of B`) is a row of its own then."""
from typing import Any, Dict, List

from core.config import LOWER_IS_BETTER
from pipeline.presentation import LABELS_HEADER, cell, drop_text, is_partial, price_text
from pipeline.replay.reports import headline, summarize
from pipeline.ui import charts
from pipeline.ui.batch_pages import PARTIAL_LEGEND, partial_cell
from pipeline.ui.html import Links, e, table, words
from pipeline.ui.views import Views

NEVER_RETRAINS = "static"


def never_retrains(policy: str) -> bool:
    """'static', or 'static (demo)': the demo's reports are named by policy too (Views.replays)."""
    return policy.split(" ")[0] == NEVER_RETRAINS


def policies(views: Views, links: Links = Links()) -> str:
    replays = views.replays()
    if not replays:
        return ("<h1>Policies</h1><p class='muted'>No replay report in reports/: `adapt replay BATCHES --policy P` "
                "writes one per policy; replay the same batches with two policies to compare them here.</p>")
    # late labels' evaluations are a batch's second row: the metric per batch is its first evaluation's
    series = {policy: [r for r in rows if not r.get("labels_of")] for policy, rows in replays.items()}
    metric = headline([r for rows in series.values() for r in rows])
    summaries = {policy: summarize(rows) for policy, rows in replays.items()}
    order = sorted(series, key=lambda policy: (not never_retrains(policy), policy))
    parts = ["<h1>Policies side by side</h1>",
             table(["policy", "batches", f"mean {metric}", "retrains", "pushes", "compute seconds"],
                   [[e(policy), e(summaries[policy]["batches"]), e(cell(summaries[policy][f"mean_{metric}"])),
                     e(summaries[policy]["retrains"]), e(summaries[policy]["pushes"]),
                     e(f"{summaries[policy]['compute_seconds']:.0f}")] for policy in order], numeric=(1, 2, 3, 4, 5))]
    if not any(never_retrains(policy) for policy in series):
        parts.append(f'<p class="muted">No `{NEVER_RETRAINS}` replay here: replay with `--policy {NEVER_RETRAINS}` '
                     "to draw the never-retrained line.</p>")
    parts.append(f"<h2>{e(metric)} per batch</h2>" + charts.lines(
        {(f"{policy} (never retrained)" if never_retrains(policy) else policy): _points(series[policy], metric)
         for policy in order}, metric, metric in LOWER_IS_BETTER))
    shown = {policy: series[policy] + [r for r in replays[policy] if r.get("labels_of") and _more(r, metric)]
             for policy in order}
    batches = list(dict.fromkeys(r["batch"] for policy in order for r in series[policy]))
    for policy in order:   # a second evaluation with more to say follows the batch whose labels came
        for r in shown[policy][len(series[policy]):]:
            if r["batch"] not in batches:
                batches.insert(batches.index(r["labels_of"]) + 1 if r["labels_of"] in batches else len(batches),
                               r["batch"])
    by_batch = {policy: {r["batch"]: r for r in shown[policy]} for policy in order}
    parts.append(table(["batch"] + [f"{policy}: {metric}" for policy in order],
                       [[e(b)] + [_cell(by_batch[policy].get(b), metric) for policy in order] for b in batches],
                       numeric=tuple(range(1, len(order) + 1))))
    if any(is_partial(r, metric) for rows in shown.values() for r in rows):
        parts.append(f'<p class="muted">{e(PARTIAL_LEGEND)}</p>')
    return "".join(parts)


def _points(rows: List[Dict[str, Any]], metric: str) -> List[Dict[str, Any]]:
    return [{"batch": r["batch"], "value": r.get(metric),
             "title": f"{r['batch']}: {metric} {cell(r.get(metric))}, version {r.get('serving_version')}"
                      + ("; retrained" if r.get("retrained") else "")
                      + (f", pushed v{r['pushed_version']}" if r.get("pushed_version") else "")} for r in rows]


def _cell(row: Any, metric: str) -> str:
    if row is None:
        return "-"
    marks = (" ↻" if row.get("retrained") else "") + (f" → v{row['pushed_version']}" if row.get("pushed_version")
                                                      else "")
    return e(f"{cell(row.get(metric))}{marks}") + _more(row, metric)


def _more(row: Dict[str, Any], metric: str) -> str:
    """The lines under a row's metric, each only when the report has it ('' for a replay without a label budget,
    a fall or `economics:`)."""
    lines = [partial_cell(row, metric)] if is_partial(row, metric) else []
    if row.get("drop_total") is not None:
        lines.append(f'<span class="muted">{e(LABELS_HEADER[1])}</span> {words(drop_text(row))}')
    if row.get("verdict"):
        lines.append(e(price_text(row)))
    return "".join(f"<br>{line}" for line in lines)
