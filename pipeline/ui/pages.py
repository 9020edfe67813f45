"""The dashboard's pages as HTML strings, for `adapt ui` (one page per request) and `adapt report --html` (all of
them in one self-contained file). Names and values from the data go through `escape` everywhere: a feature called
`<script>` shows as text. Plain HTML and inline CSS: nothing is fetched, no script runs.

Links are made by a `Links` object: paths for the app, anchors for the report.
"""
from html import escape
from typing import Any, Dict, List, Optional, Sequence
from urllib.parse import quote, urlencode

from core.config import LOWER_IS_BETTER
from pipeline.presentation import cell, comparison, estimate_text, holdout_text, prediction_drift_text, when
from pipeline.ui import charts
from pipeline.ui.views import Views, headline

STYLE = """
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1e293b;
background:#f8fafc}header{background:#0f172a;color:#e2e8f0;padding:10px 24px;display:flex;gap:24px;align-items:center}
header b{font-size:16px;color:#fff}header a{color:#cbd5e1;text-decoration:none}header a.on{color:#fff;
border-bottom:2px solid #60a5fa}main{padding:18px 24px;max-width:1320px}h1{font-size:20px;margin:4px 0 12px}
h2{font-size:16px;margin:22px 0 8px}table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 14px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e2e8f0;vertical-align:top}th{background:#f1f5f9;
font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}td.nw{white-space:nowrap}
.facts-table th{width:190px;background:none;font-weight:500;color:#475569}.card{background:#fff;border:1px solid
#e2e8f0;border-radius:6px;padding:10px 14px;margin:8px 0}.facts{display:flex;gap:28px;flex-wrap:wrap}.facts div
span{display:block;color:#64748b;font-size:12px}.facts div b{font-size:18px}.yes{color:#dc2626;font-weight:600}
.ok{color:#16a34a}.muted{color:#64748b}.chart{width:100%;height:auto;background:#fff;border:1px solid #e2e8f0;
border-radius:6px}.chart .grid{stroke:#e2e8f0}.chart .tick{font-size:11px;fill:#475569}.chart .axis{font-size:12px;
fill:#334155;font-weight:600}.chart .line{fill:none;stroke:#93c5fd;stroke-width:2}.chart .realized{fill:#2563eb}
.chart .estimated{fill:#fff;stroke:#2563eb;stroke-width:2}.chart .unknown{fill:#cbd5e1}.chart .band{stroke:#bfdbfe;
stroke-width:6;stroke-linecap:round}.chart .label{font-size:11px;fill:#475569}.chart a:hover circle{r:7}
.legend{display:flex;gap:16px;font-size:12px;color:#475569;margin:4px 0 10px}.key i{display:inline-block;width:10px;
height:10px;margin-right:5px;vertical-align:-1px}.key i.dot{background:#2563eb;border-radius:50%}.key i.ring{border:2px
solid #2563eb;border-radius:50%}form.inline{display:inline;white-space:nowrap}input,select,button{font:inherit;padding:3px 6px}
button{background:#1d4ed8;color:#fff;border:0;border-radius:4px;padding:4px 10px;cursor:pointer}.note{background:
#fefce8;border:1px solid #fde68a;padding:8px 12px;border-radius:6px}section.page{border-top:3px solid #0f172a;
margin-top:28px;padding-top:6px}
"""

PAGES = (("overview", "Overview"), ("batches", "Batches"), ("models", "Models"), ("data", "Data"), ("runs", "Runs"))


class Links:
    """URLs of the app's pages."""

    def page(self, name: str) -> str:
        return "/" if name == "overview" else f"/{name}"

    def batch(self, batch: str, feature: Optional[str] = None) -> str:
        return f"/batches/{quote(batch, safe='')}" + (f"?{urlencode({'feature': feature})}" if feature else "")

    def log(self, name: str) -> str:
        return f"/logs/{quote(name, safe='')}"

    def run(self, run_id: str) -> str:
        return f"/runs#run-{quote(run_id, safe='')}"


class ReportLinks(Links):
    """Anchors inside the one-file report (a log is not in it: its name is shown instead)."""

    def page(self, name: str) -> str:
        return f"#{name}"

    def batch(self, batch: str, feature: Optional[str] = None) -> str:
        return f"#batch-{quote(batch, safe='')}" + (f"-feature-{quote(feature, safe='')}" if feature else "")

    def log(self, name: str) -> str:
        return ""

    def run(self, run_id: str) -> str:
        return f"#run-{quote(run_id, safe='')}"


def e(value: Any) -> str:
    return escape(str(value))


def table(header: Sequence[str], rows: List[Sequence[str]], numeric: Sequence[int] = (),
          nowrap: Sequence[int] = ()) -> str:
    """Rows of already-escaped cells; `numeric` columns align right, `nowrap` ones (times, ranges) never wrap."""
    def td(index: int, content: str) -> str:
        classes = " ".join(name for name, columns in (("n", numeric), ("nw", nowrap)) if index in columns)
        return f'<td class="{classes}">{content}</td>' if classes else f"<td>{content}</td>"
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(td(i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def facts(rows: List[Sequence[str]]) -> str:
    """A two-column table of (name, already-escaped value), no header."""
    return '<table class="facts-table"><tbody>' + "".join(
        f'<tr><th scope="row">{e(name)}</th><td>{value}</td></tr>' for name, value in rows) + "</tbody></table>"


def layout(title: str, body: str, active: str = "", links: Links = Links(), model: str = "") -> str:
    nav = "".join(f'<a href="{e(links.page(name))}" class="{"on" if name == active else ""}">{label}</a>'
                  for name, label in PAGES)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)} · adapt</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><style>{STYLE}</style></head>'
            f'<body><header><b>adapt</b><span class="muted">{e(model)}</span>{nav}</header>'
            f"<main>{body}</main></body></html>")


def _link(href: str, text: Any) -> str:
    return f'<a href="{e(href)}">{e(text)}</a>' if href else e(text)


# -- overview ---------------------------------------------------------------------------
def decision_line(row: Dict[str, Any]) -> str:
    """What hovering a batch's point says: its figure, the decision, and what the training did."""
    figure = (f"{row['metric']} {cell(row['value'])}" if row["value"] is not None else
              f"estimated {row['metric']} {cell(row['estimated'])}" if row["estimated"] is not None else "no figure")
    said = f"{row['batch']} (version {row['serving_version']}): {figure}; {row['reason'] or row['performance_reason']}"
    return said + (f" -> {row['training_outcome']}" if row["training_outcome"] else "")


def timeline_points(evaluations: List[Dict[str, Any]], history: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """One point per evaluation; a rollback marks the first evaluation after it (the last, when none came after)."""
    rollbacks = sorted(r["time"] for r in history if r["event"] == "rollback")
    points = []
    for index, row in enumerate(evaluations):
        before = evaluations[index - 1]["evaluated_at"] if index else 0.0
        if index == len(evaluations) - 1:
            row = {**row, "evaluated_at": float("inf")}
        points.append({"batch": row["batch"], "value": row["value"], "estimated": row["estimated"],
                       "low": row["estimated_low"], "high": row["estimated_high"], "title": decision_line(row),
                       "retrained": row["triggered"], "pushed": row["pushed_version"] is not None,
                       "declined": row["declined"],
                       "rolled_back": any(before < stamp <= row["evaluated_at"] for stamp in rollbacks)})
    return points


def overview(views: Views, links: Links = Links()) -> str:
    evaluations, history = views.batch_evaluations(), views.history()
    metric = headline(evaluations)
    version = views.serving_version()
    pushes = sum(1 for r in history if r["event"] == "retraining" and r["updated"])
    facts = [("model", views.config.model.name), ("serving version", version or "-"),
             ("batches evaluated", len(evaluations)), ("retrains", sum(1 for r in evaluations if r["triggered"])),
             ("pushes", pushes), ("declined", sum(1 for r in evaluations if r["declined"])),
             ("rollbacks", sum(1 for r in history if r["event"] == "rollback")),
             ("last evaluation", when(evaluations[-1]["evaluated_at"]) if evaluations else "-")]
    body = [f"<h1>{e(views.config.model.name)}: the model's life</h1>",
            '<div class="card facts">' + "".join(f"<div><span>{e(k)}</span><b>{e(v)}</b></div>" for k, v in facts)
            + "</div>",
            f"<h2>{e(metric)} of the serving model on each batch</h2>",
            charts.timeline(timeline_points(evaluations, history), metric, metric in LOWER_IS_BETTER, links.batch)]
    recent = list(reversed(history))[:10]
    if recent:
        body.append("<h2>Latest events</h2>" + table(
            ["time", "event", "trigger", "spans", "serving after", "outcome — reason"],
            [[e(when(r["time"])), e(r["event"]), e(r["trigger"]), e(r["spans"] or "-"),
              e(cell(r["production_version"])), e(f"{r['outcome']} — {r['reason']}" if r["reason"] else r["outcome"])]
             for r in recent], numeric=(4,), nowrap=(0, 1, 2, 3)))
    return "".join(body)


# -- batches ------------------------------------------------------------------------------
def batches(views: Views, links: Links = Links()) -> str:
    evaluations = views.batch_evaluations()
    if not evaluations:
        return "<h1>Batches</h1><p class='muted'>No batch evaluated yet: `adapt evaluate-batch` or `adapt replay`.</p>"
    metric = headline(evaluations)
    rows = [[_link(links.batch(r["batch"]), r["batch"]), e(when(r["evaluated_at"])), e(cell(r["serving_version"])),
             e(cell(r["value"])) if r["value"] is not None else f'<span class="muted">{e(cell(r["estimated"]))} est.</span>',
             e(", ".join(r["drifted_features"]) or "-"),
             '<span class="yes">retrain</span>' if r["retrain"] else "keep",
             e(r["training_outcome"] or "-")] for r in reversed(evaluations)]
    return ("<h1>Batches</h1>" + table(["batch", "evaluated", "serving version", metric, "drifted features",
                                         "decision", "training"], rows, numeric=(2, 3), nowrap=(0, 1)))


def drift_table(row: Dict[str, Any], links: Links) -> str:
    features = sorted(row["drift_features"], key=lambda f: (not f.get("drifted"), -(f.get("importance") or 0.0)))
    rows = [[_link(links.batch(row["batch"], f["feature"]), f["feature"]), e(f.get("kind", "")),
             e(f.get("method") or "-"), e(cell(f.get("value"))), e(cell(f.get("threshold"))), e(cell(f.get("p_value"))),
             e(cell(f.get("baseline_rows"))), e(cell(f.get("batch_rows"))), e(cell(f.get("importance"))),
             _drift_cell(f)] for f in features]
    return table(["feature", "kind", "method", "value", "threshold", "p-value", "baseline rows", "batch rows",
                  "importance", "drift"], rows, numeric=(3, 4, 5, 6, 7, 8))


def _drift_cell(feature: Dict[str, Any]) -> str:
    if feature.get("note"):   # a feature only one side has, or described two ways: not compared, and said so
        return f'<span class="yes">{e(feature["note"])}</span>'
    return '<span class="yes">drifted</span>' if feature.get("drifted") else '<span class="ok">no</span>'


def feature_chart(views: Views, row: Dict[str, Any], feature: str) -> str:
    found = views.feature_distributions(row, feature)
    if found is None:
        return f'<p class="muted">No statistics of {e(feature)} to compare.</p>'
    return (f"<h2>{e(feature)}: baseline (spans {e(', '.join(map(str, row['baseline_spans'])))}) vs this batch</h2>"
            + charts.distribution(found["labels"], found["baseline"], found["batch"], feature))


def batch(views: Views, name: str, feature: Optional[str] = None, links: Links = Links(),
          evaluations: Optional[List[Dict[str, Any]]] = None) -> str:
    found = [r for r in (evaluations if evaluations is not None else views.batch_evaluations()) if r["batch"] == name]
    if not found:
        return f"<h1>Batch {e(name)}</h1><p>No evaluation of this batch.</p>"
    parts = [f"<h1>Batch {e(name)}</h1>"]
    for row in reversed(found):   # the latest evaluation first (a batch is evaluated again when its labels come)
        metrics = ", ".join(f"{k} {cell(v)}" for k, v in sorted(row["metrics"].items())) or "no labels yet"
        decision = ('<span class="yes">retrain</span>' if row["retrain"] else "keep")
        parts.append(
            f'<div class="card"><p><b>{e(when(row["evaluated_at"]))}</b>, serving version '
            f'{e(cell(row["serving_version"]))}: {decision} — {e(row["reason"])}</p>'
            + facts([["metrics", e(metrics)],
                               ["estimated without labels", e(estimate_text(row["estimate"]))],
                               ["performance rule", e(row["performance_reason"])],
                               ["drift", e(row["drift_reason"])],
                               ["the model's answers", e(prediction_drift_text(row["prediction_drift"]))],
                               ["training", e(row["training_outcome"] or "-")]])
            + "</div>")
    latest = found[-1]
    parts.append("<h2>Drift against the serving model's spans (drifted first)</h2>" + drift_table(latest, links))
    if feature:
        parts.append(feature_chart(views, latest, feature))
    return "".join(parts)


# -- models -------------------------------------------------------------------------------
def models(views: Views, links: Links = Links(), compare: Sequence[int] = (), rollback_form: str = "") -> str:
    rows = views.models()
    if not rows:
        return "<h1>Models</h1><p class='muted'>No model trained yet.</p>"
    lines = []
    for row in rows:
        action = ""
        if rollback_form and row["version"] and row["stage"] == "archived" and row.get("model_id") is not None:
            action = rollback_form.format(version=row["version"])
        run = _link(links.run(row["run_id"]), "run") if row.get("run_id") else "-"
        schema = f"v{row['schema_version']}" if row.get("schema_version") else "-"
        lines.append([e(cell(row["version"])), e(row["stage"]), e(f"spans {row.get('spans') or '-'}"), e(schema),
                      e(holdout_text(row.get("holdout") or {})), e(comparison(row)), e(cell(row["infra_blessed"])),
                      e(when(row["pushed_at"])), e(row.get("decision") or row["reason"]), run, action])
    parts = ["<h1>Models</h1>", table(["version", "stage", "trained on", "schema", "holdout", "candidate vs serving",
                                       "infra", "pushed at", "why", "made by", ""], lines, nowrap=(2, 7, 10))]
    pushed = [row for row in rows if row["version"] and row.get("model_id") is not None]
    if len(pushed) >= 2:
        chosen = [row for row in pushed if row["version"] in compare] or pushed[-2:]   # unknown versions: the last two
        names = sorted({name for row in chosen for name in row["metrics"] if name != "examples"})
        parts.append("<h2>Compared on their own holdouts</h2>" + table(
            ["metric"] + [f"version {row['version']}" for row in chosen],
            [[e(name)] + [e(cell(row["metrics"].get(name))) for row in chosen] for name in names],
            numeric=tuple(range(1, len(chosen) + 1))))
        contracts = sorted({row.get("schema_version") or 1 for row in chosen})
        if len(contracts) > 1:
            changes = views.workspace.schema_changes_between(contracts[0], contracts[-1])
            parts.append(f"<h2>Their data contracts: schema v{contracts[0]} to v{contracts[-1]}</h2>" + table(
                ["version", "feature", "change", "detail", "why"],
                [[e(f"v{c['version']}"), e(c["feature"]), e(c["change"]), e(c["detail"]), e(c["reason"])]
                 for c in changes]))
        if links.page("models").startswith("/"):
            def options(selected: int) -> str:
                return "".join(f'<option value="{row["version"]}"{" selected" if row["version"] == selected else ""}>'
                               f'{row["version"]}</option>' for row in pushed)
            parts.append(f'<form method="get" action="/models">compare version <select name="a">'
                         f'{options(chosen[0]["version"])}</select> with <select name="b">'
                         f'{options(chosen[-1]["version"])}</select> <button>compare</button></form>')
    return "".join(parts)


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
             e(f"{r['seconds']:.1f}"),
             '<span class="yes">failed</span>' if r["failed"] else '<span class="ok">ok</span>',
             e(", ".join(f"{c['node']} {c['seconds']:g} s" + ("" if c["state"] in ("complete",) else f" ({c['state']})")
                         for c in r["components"])),
             _link(links.log(r["log"]), r["log"]) if r["log"] else "-"] for r in found]
    return "<h1>Pipeline runs</h1>" + (table(["started", "pipeline", "seconds", "status", "components", "log"], rows,
                                             numeric=(2,), nowrap=(0, 1)) if rows else "<p class='muted'>No run yet.</p>")


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
              f'<section class="page" id="data">{data(views)}</section>',
              f'<section class="page" id="runs">{runs(views, links)}</section>']
    return layout(f"{views.config.model.name} report", "".join(parts), links=links, model=views.config.model.name)
