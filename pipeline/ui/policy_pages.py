"""The Policies page: several replays of the same batches (reports/replay-<policy>.json, one per policy) side by
side: the metric per batch, retrains, pushes and compute seconds, with the policy that never retrains (static) as
the line the others are measured against."""
from typing import Any, Dict, List

from core.config import LOWER_IS_BETTER
from pipeline.presentation import cell
from pipeline.replay.reports import headline, summarize
from pipeline.ui import charts
from pipeline.ui.html import Links, e, table
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
    batches = list(dict.fromkeys(r["batch"] for policy in order for r in series[policy]))
    by_batch = {policy: {r["batch"]: r for r in series[policy]} for policy in order}
    parts.append(table(["batch"] + [f"{policy}: {metric}" for policy in order],
                       [[e(b)] + [_cell(by_batch[policy].get(b), metric) for policy in order] for b in batches],
                       numeric=tuple(range(1, len(order) + 1))))
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
    return e(f"{cell(row.get(metric))}{marks}")
