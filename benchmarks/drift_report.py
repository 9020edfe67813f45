"""The report of `python -m benchmarks.drift`: the table of false alarms and power per size and shift, and the
bars it is held to."""
import time
from typing import Dict, List


def share(count: int, total: int) -> str:
    return f"{count / total:.1%}" if total else "-"


def report(cells: List[Dict], splits: Dict[str, Dict], command: str, seconds: float, settings) -> str:
    lines = ["# Drift decisions: false alarms and power, adapt beside scipy", "",
             f"Command: `{command}` ({time.strftime('%Y-%m-%d')}, 2-core machine, {seconds:.0f} s)", "",
             f"Settings: adapt's defaults (KS / chi-square, Benjamini-Hochberg at {settings.false_alarm_rate:g}, "
             f"batch drifted when drifted features carry >= {settings.min_importance:.0%} of the importance; here "
             "every feature weighs the same). adapt reads TFDV statistics; scipy reads the raw rows.", "",
             "## (a) False alarms: pairs drawn from one distribution", "",
             "| data | rows per sample | pairs | any feature flagged (adapt) | batch flagged (adapt) | any feature flagged "
             "(scipy, same tests) | any feature flagged (scipy, KS alone) |",
             "|---|---|---|---|---|---|---|"]
    for cell in cells:
        null = cell["null"]
        lines.append(f"| {cell['source']} | {cell['size']:,} | {cell['pairs']} | {share(null['adapt_any'], cell['pairs'])} "
                     f"| {share(null['adapt_batch'], cell['pairs'])} | {share(null['scipy_any'], cell['pairs'])} "
                     f"| {share(null['ks_any'], cell['pairs'])} |")
    for kind, cell in splits.items():
        lines.append(f"| taxi quarters: {kind} | ~{'200 vs 800' if 'span' in kind else '500'} | {cell['pairs']} "
                     f"| {share(cell['adapt_any'], cell['pairs'])} | | {share(cell['scipy_any'], cell['pairs'])} | |")
    lines += ["", "## (b, c) Power: the share of pairs where the shifted feature is flagged", "",
              "adapt / scipy's exact tests on the raw rows (the same tests: KS and Welch's t for numbers, chi-square "
              "for categories) / scipy's KS alone for numbers.", "",
              "| data | shift | " + " | ".join(f"{s:,} rows" for s in sorted({c['size'] for c in cells})) + " |",
              "|---|---|" + "---|" * len({c["size"] for c in cells})]
    by_source: Dict[str, Dict[int, Dict]] = {}
    for cell in cells:
        by_source.setdefault(cell["source"], {})[cell["size"]] = cell
    for name, per_size in by_source.items():
        labels = list(next(iter(per_size.values()))["shifts"])
        for label in labels:
            parts = []
            for size in sorted(per_size):
                cell = per_size[size]
                counts = cell["shifts"][label]
                parts.append(f"{share(counts['adapt'], cell['pairs'])} / {share(counts['scipy'], cell['pairs'])} / "
                             f"{share(counts['ks'], cell['pairs'])}")
            lines.append(f"| {name} | {label} | " + " | ".join(parts) + " |")
    lines += ["", "## Bars (issue 33)", ""] + bars(cells)
    return "\n".join(lines) + "\n"


def bars(cells: List[Dict]) -> List[str]:
    def verdict(ok: bool, text: str) -> str:
        return f"- {'met' if ok else 'NOT met'}: {text}"
    worst_batch = max(c["null"]["adapt_batch"] / c["pairs"] for c in cells)
    worst_any = max(cells, key=lambda c: c["null"]["adapt_any"] / c["pairs"])
    out = [verdict(worst_batch <= 0.05, f"batch-level false alarms <= 5 % at every size (worst: {worst_batch:.1%}; "
                                          "any single feature flagged, which retrains nothing by itself: worst "
                                          f"{worst_any['null']['adapt_any'] / worst_any['pairs']:.1%}, "
                                          f"{worst_any['source']} at {worst_any['size']:,} rows, scipy's exact tests "
                                          f"{worst_any['null']['scipy_any'] / worst_any['pairs']:.1%} on the same pairs)")]
    weak = []
    for cell in cells:
        if cell["size"] < 1000:
            continue
        for label, counts in cell["shifts"].items():
            if ("0.25 sd" in label or "+10 pts" in label) and counts["adapt"] / cell["pairs"] < 0.9:
                weak.append(f"{cell['source']} {cell['size']:,}: {label} {counts['adapt'] / cell['pairs']:.0%}")
    out.append(verdict(not weak, "at >= 1,000 rows, 0.25 sd mean shifts and 10-point share moves detected in "
                                 ">= 90 % of pairs" + (f" (below: {'; '.join(weak)})" if weak else "")))
    gaps = [(abs(c["shifts"][label]["adapt"] - c["shifts"][label]["scipy"]) / c["pairs"], c, label)
            for c in cells for label in c["shifts"]]
    worst = max(gaps, key=lambda g: g[0])
    out.append(verdict(worst[0] <= 0.05, f"power within 5 points of scipy's exact tests at every size (largest gap "
                                         f"{worst[0] * 100:.0f} points: {worst[1]['source']}, "
                                         f"{worst[1]['size']:,} rows, {worst[2]})"))
    return out
