"""How adapt says a value in words, for the command line's tables (pipeline/cli/tables.py), the replay report
(pipeline/replay/reports.py) and the dashboard's pages (pipeline/ui/) alike: a number, a time, a batch's estimate,
a holdout, the candidate against the serving model, prediction drift, a decision's price, an estimate from some
labeled rows, a drop split by cause, a model's hyperparameters. Plain strings; the callers escape or lay them out.

The `*_fields` functions turn what a component recorded into the flat row fields these read (a replay report's
row and a dashboard row alike), so a value is named one way everywhere."""
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from core.config import headline_of
from core.policy.economics import StatedPrice


def when(stamp: Optional[float]) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "-"


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"  # an error in the label's unit may be large
    return str(value)


def estimate_text(estimated: Dict[str, Any]) -> str:
    """'accuracy 0.842 (band 0.801-0.883), auc 0.911; calibrated, 2000 rows' (a regression model's: 'mae 4.210
    (band 3.900-4.520), rmse 6.020; error model of 4 bins, 2000 rows'): a batch's estimate without labels."""
    metric = headline_of(estimated)
    if not estimated.get("rows") or metric is None:
        return "-"
    said = f"{metric} {cell(estimated[metric])}"
    if estimated.get(f"{metric}_low") is not None:
        said += f" (band {cell(estimated[metric + '_low'])}-{cell(estimated[metric + '_high'])})"
    for other in ("auc", "rmse"):
        if other != metric and estimated.get(other) is not None:
            said += f", {other} {cell(estimated[other])}"
    how = (f"error model of {estimated['error_bins']} bin{'s' if estimated['error_bins'] != 1 else ''}"
           if "error_bins" in estimated else "calibrated" if estimated.get("calibrated") else "uncalibrated")
    return f"{said}; {how}, {estimated['rows']} rows"


def holdout_text(holdout: Dict[str, Any]) -> str:
    return f"{holdout['rows']} rows, spans {holdout['spans']}" if holdout.get("rows") else "-"


def comparison(row: Dict[str, Any]) -> str:
    """'accuracy 0.830 vs 0.731 (v1)' (a regression model: 'mae 4.210 vs 5.020 (v1)'): the candidate's and the
    serving model's figure on the same holdout."""
    metrics = row.get("metrics") or {}
    metric = headline_of(metrics)
    if metric is None:
        return "-"
    candidate, baseline = metrics[metric], (row.get("baseline_metrics") or {}).get(metric)
    if baseline is None:
        return f"{metric} {cell(candidate)} (no serving model)"
    return f"{metric} {cell(candidate)} vs {cell(baseline)} (v{row['baseline_version']})"


def prediction_drift_text(found: Dict[str, Any]) -> str:
    """'steady against its answers on the holdout: ks_t p=0.41, psi 0.012 (2000/300 rows)': prediction drift."""
    if not found.get("measured"):
        return f"not compared ({found.get('reason', 'no predictions')})"
    size = (found.get("distances") or {}).get("psi")
    return (f"{'shifted' if found['shifted'] else 'steady'} against the model's answers on its holdout: "
            f"{found['method']} p={found['p_value']:.2g}" + (f", psi {size:.3f}" if size is not None else "")
            + f" ({found['baseline_rows']}/{found['batch_rows']} rows)")


PRICE_HEADER = ("expected gain", "cost", "verdict")


def price_fields(price: Optional[StatedPrice]) -> Dict[str, Any]:
    """A decision's price (SpanPreparator's report, `economics:`) as a row's `expected_gain`, `retrain_cost` and
    `verdict`, None each for a decision not priced."""
    return {"expected_gain": price.expected_gain if price else None, "retrain_cost": price.cost if price else None,
            "verdict": price.verdict if price else None}


def price_cells(row: Dict[str, Any]) -> List[str]:
    """A priced decision's expected gain, cost and verdict (`economics:`; '-' for a decision not priced), from a
    row's `expected_gain`, `retrain_cost` and `verdict` (the history's and the replay report's rows alike)."""
    gain, cost = row.get("expected_gain"), row.get("retrain_cost")
    return ["-" if gain is None else f"{gain:,.2f}", "-" if cost is None else f"{cost:,.2f}",
            row.get("verdict") or "-"]


def price_text(row: Dict[str, Any]) -> str:
    """'expected gain 1,234.00, cost 20.50: pays' ('-' for a decision not priced)."""
    if not row.get("verdict"):
        return "-"
    gain, cost, verdict = price_cells(row)
    return f"{PRICE_HEADER[0]} {gain}, {PRICE_HEADER[1]} {cost}: {verdict}"


def priced(rows: Iterable[Dict[str, Any]]) -> bool:
    """Whether any row states a price: tables show the price columns only then (without `economics:`, as before)."""
    return any(row.get("verdict") for row in rows)


DROP_PARTS = ("total", "input_shift", "class_shares", "concept")   # core/labeling/explain.py's split
LABELS_HEADER = ("from labels on some rows", "drop: inputs / class shares / concept")


def partial_fields(partial: Mapping[str, Any], metric: str) -> Dict[str, Any]:
    """The estimate from a batch's labeled rows when only some are labeled (PerformanceEvaluator's `partial`) as a
    row's `partial_<metric>`, its band, `labeled_rows` and `rows` (None each when all or none are)."""
    found = partial if partial.get("metric") == metric else {}
    return {f"partial_{metric}": found.get("value"), f"partial_{metric}_low": found.get("low"),
            f"partial_{metric}_high": found.get("high"), "labeled_rows": found.get("labeled_rows"),
            "rows": found.get("rows")}


def drop_fields(explained: Mapping[str, Any]) -> Dict[str, Any]:
    """A fallen metric's drop and its three causes (PerformanceEvaluator's `drop_explained`) as a row's
    `drop_<part>` and `drop_<part>_error` (None when not split)."""
    fields = {}
    for part in DROP_PARTS:
        found = explained.get(part) or {}
        fields[f"drop_{part}"], fields[f"drop_{part}_error"] = found.get("value"), found.get("standard_error")
    return fields


def is_partial(row: Dict[str, Any], metric: str) -> bool:
    """Whether the row's metric is an estimate from some labeled rows, not a figure from all of them."""
    return row.get(f"partial_{metric}") is not None


def partial_parts(row: Dict[str, Any], metric: str) -> Tuple[str, str]:
    """('0.812 (band 0.751-0.873)', '100 of 1000 rows'): partial_text's figure and the rows it is from."""
    band = (f" (band {cell(row[f'partial_{metric}_low'])}-{cell(row[f'partial_{metric}_high'])})"
            if row.get(f"partial_{metric}_low") is not None else "")
    return f"{cell(row.get(f'partial_{metric}'))}{band}", f"{row.get('labeled_rows')} of {row.get('rows')} rows"


def partial_text(row: Dict[str, Any], metric: str) -> str:
    """'0.812 (band 0.751-0.873) from 100 of 1000 rows': the estimate from a batch labeled on some rows only,
    from a row's `partial_<metric>`, its band, `labeled_rows` and `rows` ('-' when all or none were labeled)."""
    if row.get(f"partial_{metric}") is None:
        return "-"
    figure, rows = partial_parts(row, metric)
    return f"{figure} from {rows}"


def drop_text(row: Dict[str, Any]) -> str:
    """'0.080: +0.010 / +0.000 / +0.070 ±0.021': a fallen metric's drop, then what the inputs' shift, the class
    shares and the rest (concept drift) explain, the last with its standard error ('-' when not split)."""
    if row.get("drop_total") is None:
        return "-"
    error = row.get("drop_concept_error")
    return (f"{row['drop_total']:.3f}: " + " / ".join(f"{row.get('drop_' + part) or 0.0:+.3f}"
                                                     for part in DROP_PARTS[1:])
            + (f" ±{error:.3f}" if error is not None else ""))


def labels_cells(row: Dict[str, Any], metric: str) -> List[str]:
    return [partial_text(row, metric), drop_text(row)]


def partly_labeled(rows: Iterable[Dict[str, Any]]) -> bool:
    """Whether any row has an estimate from some labeled rows or a drop split: tables show those columns only then."""
    return any(row.get("labeled_rows") is not None or row.get("drop_total") is not None for row in rows)


# -- hyperparameters (core/hyperparameters.py: what the trees' search chose, on the Model and in its info file) ------
def hyperparameter_values(chosen: Mapping[str, Any]) -> str:
    """'max_depth 4, shrinkage 0.1', or 'the defaults'."""
    return ", ".join(f"{k} {v}" for k, v in sorted((chosen.get("values") or {}).items())) or "the defaults"


def hyperparameters_origin(chosen: Mapping[str, Any], searched_by: str = "") -> str:
    """Where a model's hyperparameters come from: 'searched this retrain', 'reused from v3' (`searched_by`: the
    model whose search they are, when known), 'reused from the search 2 retrain(s) before', or 'defaults'."""
    if not chosen:
        return "defaults"
    if chosen.get("searched"):
        return "searched this retrain"
    return (f"reused from {searched_by}" if searched_by else
            f"reused from the search {chosen.get('retrains_since_search')} retrain(s) before")


def hyperparameters_text(chosen: Mapping[str, Any], searched_by: str = "") -> str:
    """The values, then how they were had: 'max_depth 4, shrinkage 0.1; searched now: 12 trials in 9.8 s, validation
    loss 0.41 on the newest 300 training rows (defaults 0.45)', or '...; reused from the search 1 retrain(s) before'."""
    if not chosen:
        return "the defaults"
    if chosen.get("searched"):
        how = (f"searched now: {chosen.get('trials')} trials in {chosen.get('search_seconds')} s, validation loss "
               f"{chosen.get('validation_loss')} on the newest {chosen.get('validation_rows')} training rows "
               f"(defaults {chosen.get('default_loss')})" + (f"; {chosen['reason']}" if chosen.get("reason") else ""))
    else:
        how = hyperparameters_origin(chosen, searched_by)
    return f"{hyperparameter_values(chosen)}; {how}"
