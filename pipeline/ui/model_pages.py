"""The Models page: every trained model (pushed or declined), what the serving model relies on, and two models
compared only on the same rows: a candidate and the model it was validated against share one holdout (the
Evaluator scored both there); any other pair is scored on the newer one's holdout through both serving signatures
(pipeline/ui/comparisons.py, cached), and when that cannot be done the page says the rows differ and ranks nothing."""
from typing import Any, Dict, List, Optional, Sequence

from pipeline.presentation import (cell, comparison, holdout_text, hyperparameter_values, hyperparameters_origin,
                                   hyperparameters_text, when)
from pipeline.ui.batch_pages import importance_list
from pipeline.ui.comparisons import Comparison, model_key
from pipeline.ui.html import Links, e, facts, link, table
from pipeline.ui.views import Views


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


def _side_by_side(newer: str, older: str, metrics: Sequence[Dict[str, Any]]) -> str:
    names = sorted({name for found in metrics for name in found if name != "examples"})
    return table(["metric", newer, older], [[e(name), e(cell(metrics[0].get(name))), e(cell(metrics[1].get(name)))]
                                           for name in names], numeric=(1, 2))


def compared(views: Views, chosen: Sequence[Dict[str, Any]], rescore: bool = False) -> str:
    if len(chosen) < 2:
        return ""
    a, b = chosen[0], chosen[-1]
    if a is b:
        return "<p class='muted'>Pick two different models to compare them.</p>"
    shared = same_rows(a, b)
    if shared is not None:
        newer, older = shared["newer"], shared["older"]
        return (f"<h2>{e(model_key(newer))} and {e(model_key(older))} on the same rows: "
                f"{e(holdout_text(shared['holdout']))}</h2>"
                + _side_by_side(model_key(newer), model_key(older), shared["metrics"]))
    newer, older = sorted((a, b), key=lambda row: row.get("trained_at") or 0.0)[::-1]
    found = views.comparison(newer, older, rescore)
    if found is not None and found.ranked:
        return (f"<h2>{e(found.newer)} and {e(found.older)} on the same rows: {e(found.newer)}'s holdout, "
                f"{e(holdout_text(found.holdout))}</h2>"
                f"<p class='muted'>Both scored through their serving signatures on the {found.rows:,} labeled rows of "
                f"{e(found.newer)}'s holdout ({e(_when_scored(found))}).</p>"
                + _side_by_side(found.newer, found.older, [found.metrics[found.newer], found.metrics[found.older]]))
    why = (found.problem if found is not None else
           f"not scored on {model_key(newer)}'s holdout yet: the Models page of `adapt ui` does it once")
    return (f"<h2>{e(model_key(a))} and {e(model_key(b))}: not comparable</h2>"
            f'<p class="note">These two were measured on different rows ({e(model_key(a))}: '
            f"{e(holdout_text(a.get('holdout') or {}))}; {e(model_key(b))}: {e(holdout_text(b.get('holdout') or {}))}),"
            f" so their figures are shown side by side but not ranked. They could not be scored on one holdout: "
            f"{e(why)}.</p>"
            + _side_by_side(f"{model_key(a)} (own holdout)", f"{model_key(b)} (own holdout)",
                            [a["metrics"], b["metrics"]]))


def _when_scored(found: Comparison) -> str:
    return f"scored {when(found.scored_at)}" if found.scored_at else "scored"


def searched_by(row: Dict[str, Any], by_version: Dict[int, Dict[str, Any]]) -> str:
    """'v3': the model whose search chose the hyperparameters this one reused, found by following each model's serving
    model then (a retrain reuses the serving model's) to the one that searched the same values; '' when not found."""
    chosen = row.get("hyperparameters") or {}
    version, seen = row.get("baseline_version"), set()
    while chosen and not chosen.get("searched") and version and version not in seen:
        seen.add(version)
        theirs = (by_version.get(version) or {}).get("hyperparameters") or {}
        if theirs.get("values") != chosen.get("values"):
            return ""
        if theirs.get("searched"):
            return f"v{version}"
        version = (by_version.get(version) or {}).get("baseline_version")
    return ""


def _hyperparameters_cell(row: Dict[str, Any], by_version: Dict[int, Dict[str, Any]]) -> str:
    chosen = row.get("hyperparameters") or {}
    origin = e(hyperparameters_origin(chosen, searched_by(row, by_version)))
    return origin + (f'<br><span class="muted">{e(hyperparameter_values(chosen))}</span>' if chosen else "")


def _details(row: Dict[str, Any], links: Links, by_version: Optional[Dict[int, Dict[str, Any]]] = None) -> str:
    """What opening a model shows: its decision, its holdout, its hyperparameters (when a model of the workspace
    records some), its metrics beside the serving model's there."""
    metrics = row.get("metrics") or {}
    baseline = row.get("baseline_metrics") or {}
    names = sorted(name for name in metrics if name != "examples")
    chosen = row.get("hyperparameters") or {}
    return (f'<details id="{e(_anchor(row))}"><summary>{e(model_key(row))}</summary>'
            + facts([["stage", e(row["stage"])], ["trained on", e(f"spans {row.get('spans') or '-'}")],
                     ["trained at", e(when(row.get("trained_at")))], ["holdout", e(holdout_text(row.get("holdout") or {}))],
                     ["decision", e(row.get("decision") or row["reason"])]]
                    + ([["hyperparameters", e(hyperparameters_text(chosen, searched_by(row, by_version)))]]
                       if by_version is not None else [])
                    + [["made by", link(links.run(row["run_id"]), "its training run") if row.get("run_id") else "-"]])
            + table(["metric", model_key(row), f"v{row['baseline_version']} (serving then)"
                     if row.get("baseline_version") else "serving then"],
                    [[e(n), e(cell(metrics.get(n))), e(cell(baseline.get(n)))] for n in names], numeric=(1, 2))
            + "</details>")


def models(views: Views, links: Links = Links(), compare: Sequence[Any] = (), rollback_form: str = "",
           rescore: bool = False) -> str:
    """`rescore`: score a pair that shares no holdout now (the app), else only read a cached scoring (the report)."""
    rows = views.models()
    if not rows:
        return "<h1>Models</h1><p class='muted'>No model trained yet.</p>"
    # the trees' hyperparameters (core/hyperparameters.py), in a column only when a model records some
    by_version = ({row["version"]: row for row in rows if row.get("version")}
                  if any(row.get("hyperparameters") for row in rows) else None)
    lines = []
    for row in rows:
        action = ""
        if rollback_form and row["version"] and row["stage"] == "archived" and row.get("model_id") is not None:
            action = rollback_form.format(version=row["version"])
        run = link(links.run(row["run_id"]), "run") if row.get("run_id") else "-"
        schema = f"v{row['schema_version']}" if row.get("schema_version") else "-"
        lines.append([f'<a href="#{e(_anchor(row))}">{e(model_key(row))}</a>', e(row["stage"]),
                      e(f"spans {row.get('spans') or '-'}"), e(schema)]
                     + ([_hyperparameters_cell(row, by_version)] if by_version is not None else [])
                     + [e(holdout_text(row.get("holdout") or {})), e(comparison(row)), e(cell(row["infra_blessed"])),
                        e(when(row["pushed_at"])), e(row.get("decision") or row["reason"]), run, action])
    after = 1 if by_version is not None else 0   # the columns after the hyperparameters' move one along
    header = (["model", "stage", "trained on", "schema"] + (["hyperparameters"] if after else [])
              + ["holdout", "candidate vs serving (same holdout)", "infra", "pushed at", "why", "made by", ""])
    parts = ["<h1>Models</h1>", table(header, lines, nowrap=(0, 2, 7 + after, 10 + after)),
             "<h2>Each model, opened</h2>" + "".join(_details(row, links, by_version) for row in rows)]
    serving = views.serving_version()
    parts.append(importance_list(views.importances(serving), serving))
    known = [row for row in rows if row.get("model_id") is not None]
    if len(known) >= 2:
        by_key = {model_key(row): row for row in known}
        wanted = [by_key[key] for key in (_key_of(c) for c in compare) if key in by_key]
        pushed = [row for row in known if row.get("version")]
        chosen = wanted if len(wanted) == 2 else (pushed[-2:] if len(pushed) >= 2 else known[-2:])
        parts.append(compared(views, chosen, rescore))
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
