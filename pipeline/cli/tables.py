"""How the command line prints its tables: the registry, a lineage, the history and a drift report."""
import time
from typing import Any, Dict, List, Optional, Sequence


def render(header: Sequence[str], rows: List[Sequence[str]]) -> str:
    """Left-aligned columns, each as wide as its widest cell, two spaces apart."""
    lines = [list(header)] + [list(row) for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines)


def when(stamp: Optional[float]) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "-"


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.0f}"
    return str(value)


def models_table(rows: List[Dict[str, Any]]) -> str:
    header = ["version", "stage", "pushed at", "spans", "mode", "accuracy", "auc", "baseline", "blessed",
              "infra", "reason"]
    lines = []
    for row in rows:
        metrics = row.get("metrics") or {}
        lines.append([
            str(row["version"] or "-"), row["stage"], when(row["pushed_at"]), row.get("spans", ""),
            row.get("training_mode", ""), cell(metrics.get("accuracy")), cell(metrics.get("auc")),
            str(row["baseline_version"] or "-"), cell(row["blessed"]), cell(row["infra_blessed"]),
            row["reason"][:70]])
    return render(header, lines)


def lineage_text(shown: Dict[str, Any]) -> str:
    metrics = ", ".join(f"{k} {v:.3f}" for k, v in sorted(shown["metrics"].items()) if k != "examples")
    lines = [f"version {shown['version']} ({shown['stage']}), pushed {when(shown['pushed_at'])}, "
             f"spans {shown['spans']}, {shown['training_mode']}",
             f"  metrics: {metrics or '-'}; baseline version {shown['baseline_version'] or '-'}; "
             f"blessed {cell(shown['blessed'])}, infra {cell(shown['infra_blessed'])}"]
    for step in shown["lineage"]:
        lines.append(f"  {step['component']}" + (f"  (execution {step['execution_id']})" if "execution_id" in step
                                                 else ""))
        for artifact in step.get("outputs", []):
            span = f" span {artifact['span']}" if "span" in artifact else ""
            lines.append(f"    -> {artifact['type']}{span}: {artifact['uri']}")
    return "\n".join(lines)


def history_table(rows: List[Dict[str, Any]]) -> str:
    header = ["time", "event", "trigger", "spans", "updated", "serving", "candidate acc", "baseline acc",
              "compute s", "reason / outcome"]
    lines = [[when(r["time"]), r["event"], r["trigger"], r["spans"] or "-", cell(r["updated"]),
              cell(r["production_version"]), cell(r["candidate_accuracy"]), cell(r["baseline_accuracy"]),
              cell(r["compute_seconds"]), f"{r['reason']} -> {r['outcome']}"[:110]] for r in rows]
    return render(header, lines)


def drift_text(report: Dict) -> str:
    lines = [f"drift of {report['current']} against {report['baseline']}: "
             f"{'DRIFTED' if report['drifted'] else 'no drift'} — {report['reason']}",
             "", f"{'feature':<24} {'metric':<12} {'value':>9} {'threshold':>9}  drifted"]
    for row in report["features"]:
        value = "-" if row["value"] is None else f"{row['value']:.4f}"
        threshold = "-" if row["threshold"] is None else f"{row['threshold']:g}"
        lines.append(f"{row['feature']:<24} {row['metric']:<12} {value:>9} {threshold:>9}  "
                     f"{'yes' if row['drifted'] else ''}")
    if report.get("skew"):
        lines += ["", "training/serving skew (TFDV skew comparator):"]
        for row in report["skew"]:
            lines.append(f"{row['feature']:<24} {row['metric']:<12} {row['value']:>9.4f} {row['threshold']:>9g}  "
                         f"{'yes' if row['drifted'] else ''}")
    return "\n".join(lines)
