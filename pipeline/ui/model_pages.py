"""The Models page: every trained model (pushed or declined), what the serving model relies on, and two models
compared only on rows both were scored on: a candidate and the model it was validated against share one
holdout; any other pair was measured on different rows, and the page says so instead of ranking them."""
from typing import Any, Dict, List, Optional, Sequence

from pipeline.presentation import cell, comparison, holdout_text, when
from pipeline.ui.batch_pages import importance_list
from pipeline.ui.html import Links, e, facts, link, table
from pipeline.ui.views import Views


def model_key(row: Dict[str, Any]) -> str:
    """'v5', or 'candidate 47' for a declined one (its MLMD model id), the anchor its row opens."""
    return f"v{row['version']}" if row.get("version") else f"candidate {row.get('model_id')}"


def _anchor(row: Dict[str, Any]) -> str:
    return "model-" + model_key(row).replace(" ", "-")


def same_rows(a: Dict[str, Any], b: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """{newer, older, metrics: (newer's, older's), holdout} when one was validated against the other on one
    holdout, else None."""
    for newer, older in ((a, b), (b, a)):
        if newer.get("baseline_version") and newer.get("baseline_version") == older.get("version") \
                and newer.get("baseline_metrics"):
            return {"newer": newer, "older": older, "metrics": (newer["metrics"], newer["baseline_metrics"]),
                    "holdout": newer.get("holdout") or {}}
    return None


def compared(chosen: Sequence[Dict[str, Any]]) -> str:
    if len(chosen) < 2:
        return ""
    a, b = chosen[0], chosen[-1]
    shared = same_rows(a, b)
    if shared is not None:
        newer, older = shared["newer"], shared["older"]
        names = sorted(name for name in shared["metrics"][0] if name != "examples")
        return (f"<h2>{e(model_key(newer))} and {e(model_key(older))} on the same rows: "
                f"{e(holdout_text(shared['holdout']))}</h2>" + table(
                    ["metric", model_key(newer), model_key(older)],
                    [[e(name), e(cell(shared["metrics"][0].get(name))), e(cell(shared["metrics"][1].get(name)))]
                     for name in names], numeric=(1, 2)))
    names = sorted({name for row in (a, b) for name in row["metrics"] if name != "examples"})
    return (f"<h2>{e(model_key(a))} and {e(model_key(b))}: not comparable</h2>"
            f'<p class="note">These two were measured on different rows ({e(model_key(a))}: '
            f"{e(holdout_text(a.get('holdout') or {}))}; {e(model_key(b))}: {e(holdout_text(b.get('holdout') or {}))}),"
            " so their figures are shown side by side but not ranked. A candidate and the model it was validated "
            "against share one holdout: pick such a pair to compare them.</p>" + table(
                ["metric (own holdout)", model_key(a), model_key(b)],
                [[e(name), e(cell(a["metrics"].get(name))), e(cell(b["metrics"].get(name)))] for name in names],
                numeric=(1, 2)))


def _details(row: Dict[str, Any], links: Links) -> str:
    """What opening a model shows: its decision, its holdout, its metrics beside the serving model's there."""
    metrics = row.get("metrics") or {}
    baseline = row.get("baseline_metrics") or {}
    names = sorted(name for name in metrics if name != "examples")
    return (f'<details id="{e(_anchor(row))}"><summary>{e(model_key(row))}</summary>'
            + facts([["stage", e(row["stage"])], ["trained on", e(f"spans {row.get('spans') or '-'}")],
                     ["trained at", e(when(row.get("trained_at")))], ["holdout", e(holdout_text(row.get("holdout") or {}))],
                     ["decision", e(row.get("decision") or row["reason"])],
                     ["made by", link(links.run(row["run_id"]), "its training run") if row.get("run_id") else "-"]])
            + table(["metric", model_key(row), f"v{row['baseline_version']} (serving then)"
                     if row.get("baseline_version") else "serving then"],
                    [[e(n), e(cell(metrics.get(n))), e(cell(baseline.get(n)))] for n in names], numeric=(1, 2))
            + "</details>")


def models(views: Views, links: Links = Links(), compare: Sequence[Any] = (), rollback_form: str = "") -> str:
    rows = views.models()
    if not rows:
        return "<h1>Models</h1><p class='muted'>No model trained yet.</p>"
    lines = []
    for row in rows:
        action = ""
        if rollback_form and row["version"] and row["stage"] == "archived" and row.get("model_id") is not None:
            action = rollback_form.format(version=row["version"])
        run = link(links.run(row["run_id"]), "run") if row.get("run_id") else "-"
        schema = f"v{row['schema_version']}" if row.get("schema_version") else "-"
        lines.append([f'<a href="#{e(_anchor(row))}">{e(model_key(row))}</a>', e(row["stage"]),
                      e(f"spans {row.get('spans') or '-'}"), e(schema), e(holdout_text(row.get("holdout") or {})),
                      e(comparison(row)), e(cell(row["infra_blessed"])), e(when(row["pushed_at"])),
                      e(row.get("decision") or row["reason"]), run, action])
    parts = ["<h1>Models</h1>", table(["model", "stage", "trained on", "schema", "holdout", "candidate vs serving "
                                       "(same holdout)", "infra", "pushed at", "why", "made by", ""], lines,
                                      nowrap=(0, 2, 7, 10)),
             "<h2>Each model, opened</h2>" + "".join(_details(row, links) for row in rows)]
    serving = views.serving_version()
    parts.append(importance_list(views.importances(serving), serving))
    known = [row for row in rows if row.get("model_id") is not None]
    if len(known) >= 2:
        by_key = {model_key(row): row for row in known}
        wanted = [by_key[key] for key in (_key_of(c) for c in compare) if key in by_key]
        pushed = [row for row in known if row.get("version")]
        chosen = wanted if len(wanted) == 2 else (pushed[-2:] if len(pushed) >= 2 else known[-2:])
        parts.append(compared(chosen))
        contracts = sorted({row.get("schema_version") or 1 for row in chosen})
        if len(contracts) > 1:
            changes = views.workspace.schema_changes_between(contracts[0], contracts[-1])
            parts.append(f"<h2>Their data contracts: schema v{contracts[0]} to v{contracts[-1]}</h2>" + table(
                ["version", "feature", "change", "detail", "why"],
                [[e(f"v{c['version']}"), e(c["feature"]), e(c["change"]), e(c["detail"]), e(c["reason"])]
                 for c in changes]))
        if links.page("models").startswith("/"):
            parts.append(_compare_form(known, chosen))
    return "".join(parts)


def _key_of(value: Any) -> str:
    """A version number (5) or a key ('v5', 'candidate 47') from the form."""
    text = str(value)
    return f"v{text}" if text.isdigit() else text


def _compare_form(known: List[Dict[str, Any]], chosen: List[Dict[str, Any]]) -> str:
    def options(selected: Dict[str, Any]) -> str:
        return "".join(f'<option value="{e(model_key(row))}"{" selected" if row is selected else ""}>'
                       f"{e(model_key(row))}</option>" for row in known)
    return (f'<form method="get" action="/models">compare <select name="a">{options(chosen[0])}</select> with '
            f'<select name="b">{options(chosen[-1])}</select> <button>compare</button></form>')
