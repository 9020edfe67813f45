"""The dashboard's pages as HTML strings, for `adapt ui` (one page per request) and `adapt report --html` (all of
them in one self-contained file). Names and values from the data go through `escape` everywhere: a feature called
`<script>` shows as text. Plain HTML and inline CSS: nothing is fetched, no script runs.

Links are made by a `Links` object: paths for the app, anchors for the report.
"""
import re
from typing import Any, Dict, List, Optional
from urllib.parse import quote

from core.config import LOWER_IS_BETTER
from pipeline.presentation import PRICE_HEADER, cell, is_partial, partial_text, price_cells, price_text, priced, when
from pipeline.ui import charts
from pipeline.ui.batch_pages import batch, batches, drift_table, feature_chart  # noqa: F401 (the pages, in one place)
from pipeline.ui.html import Links, ReportLinks, e, layout, link, table  # noqa: F401
from pipeline.ui.model_pages import models  # noqa: F401
from pipeline.ui.policy_pages import policies  # noqa: F401
from pipeline.ui.views import Views, headline

ALERT_SUBJECT = re.compile(r"^(?:batch (?P<batch>\S+) under version|spans (?P<spans>\d+(?:-\d+)?):)")


# -- overview ---------------------------------------------------------------------------
def decision_line(row: Dict[str, Any]) -> str:
    """What hovering a batch's point says: the batch and its size, the figure and the estimate, the decision, and
    what the training did."""
    size = f", {row['rows']:,} rows" if row.get("rows") else ""
    figure = f"{row['metric']} {cell(row['value'])}" if row["value"] is not None else "no labels"
    if is_partial(row, row["metric"]):
        figure = f"{row['metric']} {partial_text(row, row['metric'])} (partial)"
    estimate = (f"estimated {cell(row['estimated'])}" + (f" ({cell(row['estimated_low'])}-{cell(row['estimated_high'])})"
                                                         if row.get("estimated_low") is not None else "")
                if row["estimated"] is not None else "no estimate")
    price = f" ({price_text(row)})" if row.get("verdict") else ""   # with `economics:`
    said = (f"{row['batch']}{size} (version {row['serving_version']}): {figure}; {estimate}; "
            f"{'retrain' if row['retrain'] else 'keep'}{price}: {row['reason'] or row['performance_reason']}")
    return said + (f" -> {row['training_outcome']}" if row["training_outcome"] else "")


def rule_lines(row: Dict[str, Any]) -> Dict[str, Optional[float]]:
    """{reference, threshold}: the serving model's holdout score the rule compared with, and where it fires."""
    rule = row.get("performance_rule") or {}
    reference, max_drop, floor = rule.get("reference"), rule.get("max_drop"), rule.get("threshold")
    threshold = None
    if reference and max_drop:
        threshold = reference * (1 + max_drop) if row["metric"] in LOWER_IS_BETTER else reference * (1 - max_drop)
    if floor:
        threshold = floor if threshold is None else (min(threshold, floor) if row["metric"] in LOWER_IS_BETTER
                                                     else max(threshold, floor))
    return {"reference": reference or None, "threshold": threshold}


def timeline_points(evaluations: List[Dict[str, Any]], history: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """One point per evaluation; a rollback marks the first evaluation after it (the last, when none came after)."""
    rollbacks = sorted(r["time"] for r in history if r["event"] == "rollback")
    points = []
    for index, row in enumerate(evaluations):
        before = evaluations[index - 1]["evaluated_at"] if index else 0.0
        if index == len(evaluations) - 1:
            row = {**row, "evaluated_at": float("inf")}
        partial = is_partial(row, row["metric"])   # from some labeled rows: an estimate, drawn hollow with its band
        metric = row["metric"]
        points.append({"batch": row["batch"], "rows": row.get("rows"), "value": None if partial else row["value"],
                       "estimated": row["estimated"], **rule_lines(row),
                       "low": row["estimated_low"], "high": row["estimated_high"], "title": decision_line(row),
                       "partial": row[f"partial_{metric}"] if partial else None,
                       "partial_low": row.get(f"partial_{metric}_low"), "partial_high": row.get(f"partial_{metric}_high"),
                       "retrained": row["triggered"], "pushed": row["pushed_version"] is not None,
                       "declined": row["declined"],
                       "rolled_back": any(before < stamp <= row["evaluated_at"] for stamp in rollbacks)})
    return points


def overview(views: Views, links: Links = Links()) -> str:
    evaluations, history = views.batch_evaluations(), views.history()
    metric = headline(evaluations)
    version = views.serving_version()
    # the first model is trained before any batch: a push replaces a serving model, as the replay report counts
    pushes = max(sum(1 for r in history if r["event"] == "retraining" and r["updated"]) - 1, 0)
    facts = [("model", views.config.model.name), ("serving version", version or "-"),
             ("batches evaluated", len(evaluations)), ("retrains", sum(1 for r in evaluations if r["triggered"])),
             ("pushes after the first model", pushes), ("declined", sum(1 for r in evaluations if r["declined"])),
             ("rollbacks", sum(1 for r in history if r["event"] == "rollback")),
             ("last evaluation", when(evaluations[-1]["evaluated_at"]) if evaluations else "-")]
    body = [f"<h1>{e(views.config.model.name)}: the model's life</h1>",
            '<div class="card facts">' + "".join(f"<div><span>{e(k)}</span><b>{e(v)}</b></div>" for k, v in facts)
            + "</div>",
            f"<h2>{e(metric)} of the serving model on each batch</h2>",
            charts.timeline(timeline_points(evaluations, history), metric, metric in LOWER_IS_BETTER, links.batch)]
    recent = list(reversed(history))[:10]
    if recent:
        batch_of_span = views.span_batches()
        known = set(batch_of_span.values()) | {r["batch"] for r in evaluations}
        with_price = priced(recent)   # with `economics:`: a retraining's price, as `adapt history` shows it
        body.append("<h2>Latest events</h2>" + table(
            ["time", "event", "batch", "trigger", "spans", "serving after"] + (list(PRICE_HEADER) if with_price else [])
            + ["outcome — reason"],
            [[e(when(r["time"])), e(r["event"]), _event_batch(r, batch_of_span, known, links), e(r["trigger"]),
              e(r["spans"] or "-"), e(cell(r["production_version"]))]
             + ([e(c) for c in price_cells(r)] if with_price else [])
             + [e(f"{r['outcome']} — {r['reason']}" if r["reason"] else r["outcome"])]
             for r in recent], numeric=(5, 6, 7) if with_price else (5,),
            nowrap=(0, 1, 2, 3, 4, 6, 7) if with_price else (0, 1, 2, 3, 4)))
    return "".join(body)


def _event_batch(event: Dict[str, Any], batch_of_span: Dict[int, str], known: set, links: Links) -> str:
    """The batch behind an event: the one that became the last span of the window it trained on; an alert's text
    names its batch or window first ('batch 2015-Q1 under version 3: ...', 'spans 3-6: pushed ...')."""
    batch = event.get("batch")
    spans = str(event.get("spans") or "")
    said = ALERT_SUBJECT.match(str(event.get("reason") or "")) if event.get("event") == "alert" else None
    if said and said.group("batch") in known:
        batch = said.group("batch")
    elif said and said.group("spans"):
        spans = said.group("spans")
    last = spans.split("-")[-1]
    if not batch and last.isdigit():
        batch = batch_of_span.get(int(last))
    return link(links.batch(batch), batch) if batch else "-"


# -- data and runs --------------------------------------------------------------------------
def data(views: Views) -> str:
    found = views.data()
    spans = [[e(s["span"]), e(s["batch"] or "-"), e(cell(s["rows"].get("train"))), e(cell(s["rows"].get("test"))),
              e(when(s["written_at"])), e(f"v{s['schema_version']}" if s.get("schema_version") else "-"),
              '<span class="yes">quarantined</span> ' + e(s["reason"]) if s["quarantined"]
              else '<span class="ok">accepted</span>'] for s in found["spans"]]
    records = [[e(r["batch"]), e(r["status"]), e(cell(r["span"])), e(when(r["updated_at"])), e(r["reason"])]
               for r in found["records"]]
    waiting = [[e(w["batch"]), e(w["uri"])] for w in found["waiting"]]
    return ("<h1>Data</h1><h2>Spans</h2>" + table(["span", "from batch", "train rows", "test rows", "written", "validated under", "state"],
                                                  spans, numeric=(0, 2, 3), nowrap=(4,))
            + "<h2>Batches processed</h2>" + (table(["batch", "state", "span", "updated", "why"], records,
                                                    nowrap=(0, 3))
                                              if records else "<p class='muted'>none</p>")
            + "<h2>Batches waiting in incoming/</h2>" + (table(["batch", "folder"], waiting)
                                                         if waiting else "<p class='muted'>none</p>"))


def runs(views: Views, links: Links = Links()) -> str:
    found = views.runs()
    rows = [[f'<span id="run-{e(quote(r["run_id"], safe=""))}">{e(when(r["started_at"]))}</span>', e(r["pipeline"]),
             link(links.batch(r["batch"]), r["batch"]) if r.get("batch") else "-",
             e(f"spans {r['spans']}" if r.get("spans") else "-"), e(f"{r['seconds']:.1f}"),
             '<span class="yes">failed</span>' if r["failed"] else '<span class="ok">ok</span>',
             e(", ".join(f"{c['node']} {c['seconds']:g} s" + ("" if c["state"] in ("complete",) else f" ({c['state']})")
                         for c in r["components"])),
             link(links.log(r["log"]), r["log"]) if r["log"] else "-"] for r in found]
    return "<h1>Pipeline runs</h1>" + (table(["started", "pipeline", "batch", "trained on", "seconds", "status",
                                              "components", "log"], rows, numeric=(4,), nowrap=(0, 1, 2, 3))
                                       if rows else "<p class='muted'>No run yet.</p>")


# -- the one-file report ---------------------------------------------------------------------
def report(views: Views) -> str:
    """Overview, every batch (with the charts of its drifted features) and the models, in one HTML file."""
    links = ReportLinks()
    evaluations = views.batch_evaluations()
    parts = [f'<section class="page" id="overview">{overview(views, links)}</section>',
             f'<section class="page" id="batches">{batches(views, links)}</section>']
    for name in dict.fromkeys(r["batch"] for r in evaluations):
        latest = [r for r in evaluations if r["batch"] == name][-1]
        charts_of = "".join(f'<div id="batch-{e(quote(name, safe=""))}-feature-{e(quote(f, safe=""))}">'
                            f"{feature_chart(views, latest, f)}</div>" for f in latest["drifted_features"])
        parts.append(f'<section class="page" id="batch-{e(quote(name, safe=""))}">'
                     f"{batch(views, name, links=links, evaluations=evaluations)}{charts_of}</section>")
    parts += [f'<section class="page" id="models">{models(views, links)}</section>',
              f'<section class="page" id="policies">{policies(views, links)}</section>',
              f'<section class="page" id="data">{data(views)}</section>',
              f'<section class="page" id="runs">{runs(views, links)}</section>']
    return layout(f"{views.config.model.name} report", "".join(parts), links=links, model=views.config.model.name)
