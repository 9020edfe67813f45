"""How adapt says a value in words, for the command line's tables (pipeline/cli/tables.py) and the dashboard's
pages (pipeline/ui/pages.py) alike: a number, a time, a batch's estimate, a holdout, the candidate against the
serving model, prediction drift. Plain strings; the callers escape or lay them out."""
import time
from typing import Any, Dict, Iterable, List, Optional

from core.config import headline_of


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


def price_cells(row: Dict[str, Any]) -> List[str]:
    """A priced decision's expected gain, cost and verdict (`economics:`; '-' for a decision not priced), from a
    row's `expected_gain`, `retrain_cost` and `verdict` (the history's and the replay report's rows alike)."""
    gain, cost = row.get("expected_gain"), row.get("retrain_cost")
    return ["-" if gain is None else f"{gain:,.2f}", "-" if cost is None else f"{cost:,.2f}",
            row.get("verdict") or "-"]


def priced(rows: Iterable[Dict[str, Any]]) -> bool:
    """Whether any row states a price: tables show the price columns only then (without `economics:`, as before)."""
    return any(row.get("verdict") for row in rows)


DROP_PARTS = ("total", "input_shift", "class_shares", "concept")   # core/labeling/explain.py's split
LABELS_HEADER = ("from labels on some rows", "drop: inputs / class shares / concept")


def partial_text(row: Dict[str, Any], metric: str) -> str:
    """'0.812 (band 0.751-0.873) from 100 of 1000 rows': the estimate from a batch labeled on some rows only,
    from a row's `partial_<metric>`, its band, `labeled_rows` and `rows` ('-' when all or none were labeled)."""
    value = row.get(f"partial_{metric}")
    if value is None:
        return "-"
    band = (f" (band {cell(row[f'partial_{metric}_low'])}-{cell(row[f'partial_{metric}_high'])})"
            if row.get(f"partial_{metric}_low") is not None else "")
    return f"{cell(value)}{band} from {row.get('labeled_rows')} of {row.get('rows')} rows"


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
