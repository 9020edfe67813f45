"""The Batches list and a batch's page: what each evaluation measured and decided, the numbers that decided it
(the adjusted p-values, one effect size), what only moved, and the batch's data quality."""
from typing import Any, Dict, List, Optional, Sequence

from core.drift.comparison import SIZE_MEASURE
from core.labeling.estimate import PartialEstimate
from core.labeling.explain import DropExplained
from pipeline.presentation import (LABELS_HEADER, PRICE_HEADER, cell, estimate_text, is_partial,
                                   partial_parts, prediction_drift_text, price_cells, price_text, priced, when)
from pipeline.ui import charts
from pipeline.ui.html import Links, e, facts, link, table, words
from pipeline.ui.quality import OutOfRange
from pipeline.ui.views import Views, headline


def p_text(value: Optional[float]) -> str:
    """A p-value readable at any size: 0.042, 0.0021, 1.5e-07."""
    if value is None:
        return "-"
    return f"{value:.3f}" if value >= 0.01 else f"{value:.2g}"


def outside_band(row: Dict[str, Any]) -> Optional[str]:
    """'realized 0.871 outside its estimate's band 0.887-0.937' when the labels disagree with the estimate (not for
    a figure from some labeled rows only: nothing is realized yet)."""
    value, low, high = row.get("value"), row.get("estimated_low"), row.get("estimated_high")
    if value is None or low is None or high is None or low <= value <= high or is_partial(row, row["metric"]):
        return None
    return f"realized {cell(value)} outside its estimate's band {cell(low)}-{cell(high)}"


def estimate_cell(row: Dict[str, Any]) -> str:
    if row.get("estimated") is None:
        return "-"
    band = (f" ({cell(row['estimated_low'])}-{cell(row['estimated_high'])})"
            if row.get("estimated_low") is not None else "")
    return words(f"{cell(row['estimated'])}{band}")


PARTIAL_NOTE = "an estimate from the labeled rows only (weighted by how each was chosen), not the realized figure"
PARTIAL_LEGEND = f"partial: {PARTIAL_NOTE}, until the rest of the batch's labels come."


def partial_cell(row: Dict[str, Any], metric: Optional[str] = None) -> str:
    """'0.790 (band 0.657-0.922) from 60 of 300 rows' marked partial: a figure from some labeled rows."""
    figure, rows = partial_parts(row, metric or row["metric"])   # partial_text's words, on two lines
    return (f'<span class="partial" title="{e(PARTIAL_NOTE)}"><span class="nw">{e(figure)}</span><br>from {e(rows)} '
            '<span class="muted">partial</span></span>')


def realized_cell(row: Dict[str, Any]) -> str:
    if row.get("value") is None:
        return '<span class="muted">no labels</span>'
    if is_partial(row, row["metric"]):
        return partial_cell(row)
    flag = outside_band(row)
    return (f'<span class="warn" title="{e(flag)}">{e(cell(row["value"]))} ⚠</span>' if flag
            else e(cell(row["value"])))


def decision_cell(row: Dict[str, Any]) -> str:
    """Red only for a retrain that changed the serving model; a declined candidate left it as it was."""
    if not row.get("retrain"):
        return "keep"
    if row.get("declined"):
        return '<span class="muted">retrain → declined</span>'
    if row.get("pushed_version") is not None:
        return f'<span class="yes">retrain → v{e(row["pushed_version"])}</span>'
    return '<span class="warn">retrain</span>' if row.get("triggered") else '<span class="warn">retrain (span only)</span>'


def quality_cell(row: Dict[str, Any], out_of_range: Dict[str, OutOfRange]) -> str:
    quality = row.get("quality")
    if quality is None:
        return "-"
    worst = quality.most_missing(1)
    said = [f"{quality.rows:,} rows" if quality.rows else "?"]
    if worst:
        said.append(f"{worst[0][0]} {worst[0][1]:.0%} missing")
    unused = _not_used(row)   # a timestamp the model leaves out is always past its training range
    outside = sorted(((name, found.share) for name, found in out_of_range.items() if found.share > 0
                      and name not in unused), key=lambda item: -item[1])
    if outside:
        said.append(f"{outside[0][0]} {_share(outside[0][1])} out of range"
                    + (f" (+{len(outside) - 1} column(s))" if len(outside) > 1 else ""))
    problems = ([f"{len(quality.missing_columns)} column(s) missing"] if quality.missing_columns else []) + \
        ([f"{len(quality.unknown_columns)} unknown"] if quality.unknown_columns else [])
    text = e("; ".join(said))
    return text + (f'; <span class="warn">{e(", ".join(problems))}</span>' if problems else "")


def _not_used(row: Dict[str, Any]) -> set:
    """The columns the drift report measured but the model does not use (they never decide)."""
    return {f["feature"] for f in row.get("drift_features") or [] if not f.get("decides", True)}


def _share(share: float) -> str:
    """'2.1%'; a share too small to show at one decimal is '<0.1%', never a '0.0%' beside a flag."""
    return f"{share:.1%}" if share >= 0.001 else "<0.1%"


def _within(found: OutOfRange) -> str:
    """' ±0.5%': the quantile sketch the share was read from is exact only to one of its buckets."""
    return f" ±{found.within:.1%}" if found.within and found.share < 1.0 else ""


def batches(views: Views, links: Links = Links()) -> str:
    evaluations = views.batch_evaluations()
    if not evaluations:
        return "<h1>Batches</h1><p class='muted'>No batch evaluated yet: `adapt evaluate-batch` or `adapt replay`.</p>"
    metric = headline(evaluations)
    with_price = priced(evaluations)   # with `economics:`: each decision's price, in columns of its own
    rows = [[link(links.batch(r["batch"]), r["batch"]), words(when(r["evaluated_at"])), e(cell(r["serving_version"])),
             e(cell(r.get("rows"))), realized_cell(r), estimate_cell(r), quality_cell(r, views.out_of_range(r)),
             e(", ".join(r["drifted_features"]) or "-"), decision_cell(r)]
            + ([e(c) for c in price_cells(r)] if with_price else []) + [_short(r["training_outcome"])]
            for r in reversed(evaluations)]
    header = ["batch", "evaluated", "serving version", "rows", metric, f"estimated {metric} (band)", "data quality",
              "drift that decides", "decision"] + (list(PRICE_HEADER) if with_price else []) + ["training"]
    notes = ["⚠: the realized figure fell outside the band estimated before the labels."]
    if any(is_partial(r, r["metric"]) for r in evaluations):
        notes.append(PARTIAL_LEGEND)
    # the time, the estimate and the decision may wrap (a date from its time, a figure from its band), never inside
    # a word: with the price columns and a partial figure the list still fits the page's 1320 px
    return ("<h1>Batches</h1>" + table(header, rows, numeric=(2, 3, 4, 5) + ((9, 10) if with_price else ()),
                                       nowrap=(0,))
            + "".join(f'<p class="muted">{e(note)}</p>' for note in notes))


def _short(outcome: str) -> str:
    """The outcome's first clause ('pushed as version 5', 'not triggered'); the whole of it on hover."""
    if not outcome:
        return "-"
    return f'<span title="{e(outcome)}">{e(outcome.split(":")[0])}</span>'


def _drift_rows(features: Sequence[Dict[str, Any]], links: Links, batch: str, deciding: bool) -> List[List[str]]:
    rows = []
    for f in features:
        statistic = f"{f['method']} {cell(f.get('value'))}" if f.get("method") else "-"
        size = (f.get("distances") or {}).get(SIZE_MEASURE)
        row = [link(links.batch(batch, f["feature"]), f["feature"]), e(f.get("kind", "")), e(statistic),
               f"<b>{e(p_text(f.get('adjusted_p_value')))}</b>", e(p_text(f.get("p_value"))),
               e(cell(f.get("threshold"))), e(cell(size)), e(cell(f.get("baseline_rows"))),
               e(cell(f.get("batch_rows")))]
        if deciding:
            row.insert(1, e(cell(f.get("importance"))))
        rows.append(row + [_drift_cell(f, deciding)])
    return rows


def _drift_cell(feature: Dict[str, Any], deciding: bool) -> str:
    if feature.get("note"):   # a feature only one side has, or described two ways: not compared, and said so
        return f'<span class="warn">{e(feature["note"])}</span>'
    if not feature.get("drifted"):
        return '<span class="ok">no</span>'
    return '<span class="yes">drifted</span>' if deciding else '<span class="warn">moved</span>'


def drift_table(row: Dict[str, Any], links: Links) -> str:
    """Two tables: the features that decide (the model relies on them), then those that only moved."""
    ordered = sorted(row["drift_features"], key=lambda f: (not f.get("drifted"), -(f.get("importance") or 0.0)))
    deciding = [f for f in ordered if f.get("decides", True)]
    others = [f for f in ordered if not f.get("decides", True)]
    rate = next((f.get("threshold") for f in ordered if f.get("threshold") is not None), None)
    head = ["feature", "kind", "test statistic", "p adjusted (decides)", "p raw", "threshold",
            f"effect size ({SIZE_MEASURE.upper()})", "baseline rows", "batch rows"]
    said = [f"<p class='muted'>A feature drifted when its Benjamini-Hochberg adjusted p-value is at most "
            f"{e(cell(rate))}; the raw p-value is shown beside it. The test statistic is the method's own (chi2 for "
            f"categories, a KS distance for numbers); the effect size is {SIZE_MEASURE.upper()} for every feature."
            "</p>",
            "<h3>Features the model uses: these decide</h3>"
            + (table(head[:1] + ["importance"] + head[1:] + ["drift"], _drift_rows(deciding, links, row["batch"], True),
                     numeric=tuple(range(1, 11)), nowrap=(3,)) if deciding else "<p class='muted'>none</p>")]
    if others:
        said.append("<h3>Moved but not used by the model (measured, never decide)</h3>"
                    + table([h.replace(" (decides)", "") for h in head] + ["drift"],
                            _drift_rows(others, links, row["batch"], False),
                            numeric=tuple(range(2, 9)), nowrap=(2,)))
    return "".join(said)


def feature_chart(views: Views, row: Dict[str, Any], feature: str) -> str:
    found = views.feature_distributions(row, feature)
    if found is None:
        return f'<p class="muted">No statistics of {e(feature)} to compare.</p>'
    return (f"<h2>{e(feature)}: baseline (spans {e(', '.join(map(str, row['baseline_spans'])))}) vs this batch</h2>"
            + charts.distribution(found["labels"], found["baseline"], found["batch"], feature))


def quality_section(views: Views, row: Dict[str, Any]) -> str:
    quality = row.get("quality")
    if quality is None:
        return ""
    new = views.new_categories(row)
    ranges = views.out_of_range(row)
    unused = _not_used(row)
    outside = sorted(((n, found) for n, found in ranges.items() if found.share > 0),
                     key=lambda item: (item[0] in unused, -item[1].share))
    lines = [["rows", e(cell(quality.rows))],
             ["missing values", e(", ".join(f"{n} {s:.1%}" for n, s in quality.most_missing(50)) or "none")],
             ["out of range", e("; ".join(f"{n} {_share(found.share)}{_within(found)} (allowed {found.allowed()}, "
                                         f"{found.source}"
                                         + ("; not used by the model)" if n in unused else ")") for n, found in outside)
                                or (f"none of {len(ranges)} numeric column(s)" if ranges else "no range known"))],
             ["new categories", e("; ".join(f"{n}: {', '.join(v[:8])}" + (f" (+{len(v) - 8})" if len(v) > 8 else "")
                                            for n, v in new.items()) or "none")],
             ["columns missing (contract)", e(", ".join(quality.missing_columns) or "none")],
             ["unknown columns (contract)", e(", ".join(quality.unknown_columns) or "none")],
             ["checked under", e(f"schema v{quality.schema_version}" if quality.schema_version else "-")]]
    return "<h2>Data quality</h2>" + facts(lines)


def importance_list(importances: Dict[str, float], version: Any) -> str:
    if not importances:
        return '<p class="muted">The serving model recorded no feature importances.</p>'
    return (f"<h3>What version {e(cell(version))} relies on (feature importances)</h3>"
            + charts.bars(sorted(importances.items(), key=lambda item: -item[1])[:15], "importance"))


def batch(views: Views, name: str, feature: Optional[str] = None, links: Links = Links(),
          evaluations: Optional[List[Dict[str, Any]]] = None) -> str:
    found = [r for r in (evaluations if evaluations is not None else views.batch_evaluations()) if r["batch"] == name]
    if not found:
        return f"<h1>Batch {e(name)}</h1><p>No evaluation of this batch.</p>"
    parts = [f"<h1>Batch {e(name)}</h1>"]
    for row in reversed(found):   # the latest evaluation first (a batch is evaluated again when its labels come)
        metrics = ", ".join(f"{k} {cell(v)}" for k, v in sorted(row["metrics"].items())) or "no labels yet"
        flag = outside_band(row)
        parts.append(
            f'<div class="card"><p><b>{e(when(row["evaluated_at"]))}</b>, serving version '
            f'{e(cell(row["serving_version"]))}, {e(cell(row.get("rows")))} rows: {decision_cell(row)} — '
            f'{e(row["reason"])}</p>'
            + (f'<p class="warn">⚠ {e(flag)}</p>' if flag else "")
            + facts([["metrics" + (f" (from {row['labeled_rows']} of {row['rows']} rows)" if is_partial(
                row, row["metric"]) else ""), e(metrics)]]
                    # as `adapt evaluate-batch` says them: core/labeling/estimate.py and explain.py
                    + ([[LABELS_HEADER[0], e(PartialEstimate(**row["partial"]).describe())
                         + ' <span class="muted">partial</span>']] if is_partial(row, row["metric"]) else [])
                    + [["estimated without labels", e(estimate_text(row["estimate"]))]]
                    + ([["the drop", e(DropExplained.from_dict(row["drop_explained"]).describe())]]
                       if row.get("drop_explained") else [])
                    + [["performance rule", e(row["performance_reason"])],
                       ["drift", e(row["drift_reason"])],
                       ["the model's answers", e(prediction_drift_text(row["prediction_drift"]))]]
                    + ([["price of the retrain", e(price_text(row))]] if row.get("verdict") else [])
                    + [["training", e(row["training_outcome"] or "-")]])
            + "</div>")
    latest = found[-1]
    parts.append(quality_section(views, latest))
    parts.append("<h2>Drift against the serving model's spans (drifted first)</h2>"
                 f'<div class="side"><div>{drift_table(latest, links)}</div>'
                 f'<div>{importance_list(views.importances(latest["serving_version"]), latest["serving_version"])}'
                 "</div></div>")
    if feature:
        parts.append(feature_chart(views, latest, feature))
    return "".join(parts)
