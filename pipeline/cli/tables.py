"""How the command line prints its tables: the registry, a lineage, the history and a drift report (values said
in words as pipeline/presentation.py says them, for the dashboard too)."""
import shutil
import textwrap
from typing import Any, Dict, List, Optional, Sequence

from core.label_scale import LabelScale
from pipeline.presentation import (PRICE_HEADER, cell, comparison, holdout_text, hyperparameters_text,
                                   prediction_drift_text, price_cells, priced, when)


def render(header: Sequence[str], rows: List[Sequence[str]], width: Optional[int] = None) -> str:
    """Left-aligned columns two spaces apart; the last column (the words) wraps to the terminal, never cut."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    lines = [list(header)] + [list(row) for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    indent = sum(widths) + 2 * len(widths)
    room = max(30, width - indent)
    out = []
    for line in lines:
        head = "".join(text.ljust(w) + "  " for text, w in zip(line, widths))
        wrapped = textwrap.wrap(line[-1], room) or [""]
        out.append((head + wrapped[0]).rstrip())
        out += [" " * indent + more for more in wrapped[1:]]
    return "\n".join(out)


def models_table(rows: List[Dict[str, Any]]) -> str:
    """One row per trained model: the accuracy (or error) that decided it, on the holdout it was measured on."""
    header = ["version", "stage", "trained on", "schema", "holdout", "candidate vs serving", "infra", "pushed at",
              "decision"]
    lines = [[str(row["version"] or "-"), row["stage"], f"spans {row.get('spans') or '-'}",
              f"v{row['schema_version']}" if row.get("schema_version") else "-",
              holdout_text(row.get("holdout") or {}), comparison(row), cell(row["infra_blessed"]),
              when(row["pushed_at"]), row.get("decision") or row["reason"]] for row in rows]
    return render(header, lines)


def lineage_text(shown: Dict[str, Any]) -> str:
    metrics = ", ".join(f"{k} {v:.3f}" for k, v in sorted(shown["metrics"].items()) if k != "examples")
    lines = [f"version {shown['version']} ({shown['stage']}), pushed {when(shown['pushed_at'])}, "
             f"spans {shown['spans']}, {shown['training_mode']}, schema "
             + (f"v{shown['schema_version']}" if shown.get("schema_version") else "-"),
             f"  on the holdout ({holdout_text(shown.get('holdout') or {})}): {metrics or '-'}; "
             f"{comparison(shown)}; blessed {cell(shown['blessed'])}, infra {cell(shown['infra_blessed'])}",
             f"  decision: {shown.get('decision') or shown['reason']}"]
    calibration = shown.get("calibration") or {}
    if calibration:
        out_of_fold = int(calibration.get("calibration_out_of_fold_rows") or 0)
        rows = (f"{calibration['calibration_rows']} rows" if not out_of_fold else
                f"{calibration['calibration_rows']} rows, {out_of_fold} of them training rows answered out of fold")
        lines.append(f"  calibration on the holdout ({rows}): expected calibration "
                     f"error {calibration['ece_before']:.3f} raw, {calibration['ece_after']:.3f} calibrated; "
                     + ("the calibration is kept" if calibration["calibrated"] else "raw probabilities kept"))
    if shown.get("hyperparameters"):
        lines.append(f"  hyperparameters: {hyperparameters_text(shown['hyperparameters'])}")
    if shown.get("label_scale"):
        lines.append(f"  {LabelScale.from_dict(shown['label_scale']).text()}")
    for step in shown["lineage"]:
        lines.append(f"  {step['component']}" + (f"  (execution {step['execution_id']})" if "execution_id" in step
                                                 else ""))
        for artifact in step.get("outputs", []):
            span = f" span {artifact['span']}" if "span" in artifact else ""
            lines.append(f"    -> {artifact['type']}{span}: {artifact['uri']}")
    return "\n".join(lines)


def schema_changes_table(changes: List[Dict[str, Any]], with_version: bool = False) -> str:
    """One row per change a batch brings to the data contract (or a version accepted)."""
    header = (["version"] if with_version else []) + ["feature", "change", "detail", "blocks"]
    lines = [([f"v{c['version']}"] if with_version else []) + [c["feature"], c["change"], c["detail"],
                                                               "yes" if c["blocks"] else "no"] for c in changes]
    return render(header, lines)


def history_table(rows: List[Dict[str, Any]]) -> str:
    """One row per retraining event, rollback, canary, alert or schema version; what happened and why wrap,
    never cut. With `economics:`, a priced retrain's expected gain, cost and verdict stand in their own columns."""
    with_price = priced(rows)
    header = ["time", "event", "trigger", "spans", "schema", "serving after", "batch: realized / estimated",
              "candidate vs serving", "compute s", *(PRICE_HEADER if with_price else ()), "outcome — reason"]
    lines = [[when(r["time"]), r["event"], r["trigger"], r["spans"] or "-",
              f"v{r['schema_version']}" if r.get("schema_version") else "-", cell(r["production_version"]),
              f"{cell(r.get('batch_value'))} / {cell(r.get('estimated_value'))}",
              "-" if r.get("candidate_value") is None else
              f"{r['metric']} {cell(r['candidate_value'])} vs {cell(r['baseline_value'])}", cell(r["compute_seconds"]),
              *(price_cells(r) if with_price else ()),
              f"{r['outcome']} — {r['reason']}" if r["reason"] else r["outcome"]] for r in rows]
    return render(header, lines)


def _number(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _drift_rows(rows: List[Dict]) -> List[List[str]]:
    """Every cell says something: a row that was not tested (a feature one side lacks) reads '-' and its note."""
    return [[row["feature"], row.get("method") or row["kind"], _number(row.get("value"), ".4f"),
             _number(row.get("adjusted_p_value"), ".2g"), _number(row.get("threshold"), "g"),
             f"{row['baseline_rows']}/{row['batch_rows']}", _number(row.get("importance"), ".2f"),
             cell(row["drifted"]), cell(row["decides"]),
             " ".join(f"{k} {v:.3f}" for k, v in (row.get("distances") or {}).items()) or row.get("note") or "-"]
            for row in rows]


DRIFT_HEADER = ["feature", "test", "statistic", "adj. p", "alpha", "rows (base/batch)", "importance", "drifted",
                "decides", "distances"]


def drift_text(report: Dict) -> str:
    """The drift report as `adapt drift` prints it: decision, per-feature tests, skew and label shift."""
    lines = [f"drift of {report['current']} against {report['baseline']}: "
             f"{'DRIFTED' if report['drifted'] else 'no drift'} — {report['reason']}", "",
             render(DRIFT_HEADER, _drift_rows(report["features"]))]
    if report.get("skew"):
        lines += ["", "training/serving skew (against the newest training span alone):",
                  render(DRIFT_HEADER, _drift_rows(report["skew"]))]
    if report.get("prediction_drift"):
        lines += ["", f"predictions: {prediction_drift_text(report['prediction_drift'])}"]
    shift = report.get("label_shift") or {}
    if shift.get("measured"):
        lines += ["", f"label shift: {shift['method']} p={shift['p_value']:.2g} "
                      f"({'shifted' if shift['drifted'] else 'not shifted'})"]
        if shift.get("baseline_shares") is not None:   # classes; a numeric label has its test line alone
            lines.append(render(["class", "baseline share", "current share", "change"], _class_share_rows(shift)))
    elif shift:
        lines += ["", f"label shift: not measured ({shift.get('reason')})"]
    return "\n".join(lines)


def _class_share_rows(shift: Dict[str, Any]) -> List[List[str]]:
    """One row per class either side has; a class one side lacks has a share of 0 there."""
    before, after = shift["baseline_shares"], shift.get("batch_shares") or {}
    return [[name, f"{before.get(name, 0.0):.3f}", f"{after.get(name, 0.0):.3f}",
             f"{after.get(name, 0.0) - before.get(name, 0.0):+.3f}"] for name in sorted(set(before) | set(after))]
