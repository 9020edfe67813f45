"""Charts as inline SVG, drawn on the server: no script, no library, nothing fetched, the same in the dashboard and in
the self-contained HTML report. Every text from the data is escaped; a point's <title> is what hovering shows.

- `timeline`: the watched metric of each evaluated batch (realized: filled dot; estimated before labels: hollow,
  with its band; estimated from some labeled rows only: hollow and dashed, with its band), and markers for
  retrained, pushed, declined and rolled back.
- `distribution`: a feature's shares in the baseline and in the batch on the same bins, as paired bars.
"""
import math
from html import escape
from typing import Callable, Dict, List, Optional, Sequence

WIDTH, HEIGHT = 920, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 56
COLORS = {"realized": "#2563eb", "estimated": "#2563eb", "retrained": "#d97706", "pushed": "#16a34a",
          "declined": "#dc2626", "rolled back": "#7c3aed", "baseline": "#94a3b8", "batch": "#2563eb"}


def _scale(low: float, high: float, top: float, bottom: float) -> Callable[[float], float]:
    span = (high - low) or 1.0
    return lambda value: bottom - (value - low) / span * (bottom - top)


def nice_ticks(low: float, high: float, count: int = 5) -> List[float]:
    """About `count` round ticks covering [low, high]: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if not high > low:
        return [low]
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int(math.floor((high - first) / step + 1e-9)) + 1)]


def _tick_text(value: float, ticks: Sequence[float]) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) + (1 if round(step / 10 ** math.floor(
        math.log10(step)), 6) == 2.5 else 0)
    return f"{value:.{decimals}f}"


def timeline(points: Sequence[Dict], metric: str, lower_is_better: bool, link: Callable[[str], str]) -> str:
    """points: {batch, rows, value, estimated, low, high, partial, partial_low, partial_high, reference, threshold,
    title, retrained, pushed, declined, rolled_back} in order; `partial` is the estimate from some labeled rows
    (never a realized `value`); `reference` (the serving model's holdout score) and `threshold` (where the rule
    fires) are drawn as a step line each."""
    if not points:
        return '<p class="empty">No batch evaluated yet.</p>'
    values = [v for p in points for v in (p.get("value"), p.get("estimated"), p.get("low"), p.get("high"),
                                          p.get("partial"), p.get("partial_low"), p.get("partial_high"),
                                          p.get("reference"), p.get("threshold")) if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = (high - low) * 0.1 or 0.05
    low, high = low - pad, high + pad
    y = _scale(low, high, TOP + 18, HEIGHT - BOTTOM)
    step = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    x = lambda index: LEFT + step * (index + 0.5)   # noqa: E731
    parts = [f'<svg class="chart timeline" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(metric)} per batch">']
    ticks = nice_ticks(low, high)
    for tick in ticks:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" class="tick" text-anchor="end">'
                     f'{_tick_text(tick, ticks)}</text>')
    for name, said in (("reference", "the serving model's score on its holdout"), ("threshold", "the rule fires past")):
        for index, point in enumerate(points):
            if point.get(name) is not None:
                parts.append(f'<line class="{name}" x1="{x(index) - step / 2:.1f}" x2="{x(index) + step / 2:.1f}" '
                             f'y1="{y(point[name]):.1f}" y2="{y(point[name]):.1f}"><title>{escape(said)}: '
                             f'{point[name]:.3f}</title></line>')
    axis = f"{metric} (lower is better)" if lower_is_better else metric
    parts.append(f'<text x="12" y="{TOP - 10}" class="axis">{escape(axis)}</text>')
    realized = [(x(i), y(p["value"])) for i, p in enumerate(points) if p.get("value") is not None]
    if len(realized) > 1:
        parts.append('<polyline class="line" points="' + " ".join(f"{a:.1f},{b:.1f}" for a, b in realized) + '"/>')
    for index, point in enumerate(points):
        cx = x(index)
        title = escape(point.get("title", ""))
        shown = [f'<a href="{escape(link(point["batch"]))}" class="point" data-batch="{escape(point["batch"])}">'
                 f"<title>{title}</title>"]
        partial = point.get("partial") is not None
        band = (point.get("partial_low"), point.get("partial_high")) if partial else (point.get("low"),
                                                                                     point.get("high"))
        if None not in band:
            shown.append(f'<line class="band" x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(band[0]):.1f}" '
                         f'y2="{y(band[1]):.1f}"/>')
        if partial:   # from some labeled rows: its band, and the estimate before any label beside it
            if point.get("estimated") is not None:
                shown.append(f'<circle class="estimated" cx="{cx:.1f}" cy="{y(point["estimated"]):.1f}" r="3"/>')
            shown.append(f'<circle class="partial" cx="{cx:.1f}" cy="{y(point["partial"]):.1f}" r="5"/>')
        elif point.get("value") is not None:
            if point.get("estimated") is not None:   # what was estimated before the labels, beside what they said
                shown.append(f'<circle class="estimated" cx="{cx:.1f}" cy="{y(point["estimated"]):.1f}" r="3"/>')
            shown.append(f'<circle class="realized" cx="{cx:.1f}" cy="{y(point["value"]):.1f}" r="5"/>')
        elif point.get("estimated") is not None:
            shown.append(f'<circle class="estimated" cx="{cx:.1f}" cy="{y(point["estimated"]):.1f}" r="5"/>')
        else:
            shown.append(f'<circle class="unknown" cx="{cx:.1f}" cy="{y((low + high) / 2):.1f}" r="3"/>')
        marks = [name for name in ("retrained", "pushed", "declined", "rolled back")
                 if point.get(name.replace(" ", "_"))]
        for k, name in enumerate(marks):
            shown.append(f'<rect class="marker" x="{cx - 4:.1f}" y="{TOP + k * 10 - 6:.1f}" width="8" height="8" '
                         f'fill="{COLORS[name]}"><title>{escape(name)}</title></rect>')
        shown.append(f'<text class="label" x="{cx:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="end" '
                     f'transform="rotate(-35 {cx:.1f} {HEIGHT - BOTTOM + 16})">{escape(point["batch"][:18])}</text>')
        if point.get("rows"):
            shown.append(f'<text class="size" x="{cx:.1f}" y="{HEIGHT - BOTTOM + 4}" text-anchor="middle">'
                         f'{point["rows"]:,}</text>')
        shown.append("</a>")
        parts.append("".join(shown))
    parts.append("</svg>")
    legend = "".join(f'<span class="key"><i style="background:{COLORS[name]}"></i>{name}</span>'
                     for name in ("retrained", "pushed", "declined", "rolled back"))
    partial = ('<span class="key"><i class="ring dashed"></i>from some labeled rows (band)</span>'
               if any(p.get("partial") is not None for p in points) else "")
    return ("".join(parts) + f'<div class="legend"><span class="key"><i class="dot"></i>realized</span>'
            f'<span class="key"><i class="ring"></i>estimated before labels (band)</span>{partial}'
            f'<span class="key"><i style="border-top:2px dashed #16a34a;height:0"></i>serving model on its holdout'
            f'</span><span class="key"><i style="border-top:2px dotted #dc2626;height:0"></i>rule threshold</span>'
            f'{legend}<span class="key">grey numbers: rows in the batch</span></div>')


def bars(items: Sequence[tuple], unit: str) -> str:
    """Horizontal bars of (label, value) with value >= 0, largest first as given; each bar's <title> says both."""
    row, label_width, bar_width = 20, 150, 140
    top = max((value for _, value in items), default=0.0) or 1.0
    parts = [f'<svg class="chart bars" style="max-width:{label_width + bar_width + 60}px" '
             f'viewBox="0 0 {label_width + bar_width + 60} {row * len(items) + 8}" '
             f'role="img" aria-label="{escape(unit)}">']
    for index, (label, value) in enumerate(items):
        y0 = 4 + row * index
        parts.append(f'<text x="{label_width - 6}" y="{y0 + 12}" class="tick" text-anchor="end">'
                     f'{escape(str(label)[:22])}</text><rect class="batch" x="{label_width}" y="{y0 + 3}" '
                     f'width="{value / top * bar_width:.1f}" height="11" fill="{COLORS["batch"]}"><title>'
                     f'{escape(str(label))}: {unit} {value:.3f}</title></rect><text x="'
                     f'{label_width + value / top * bar_width + 4:.1f}" y="{y0 + 12}" class="tick">{value:.2f}</text>')
    return "".join(parts) + "</svg>"


def distribution(labels: Sequence[str], baseline: Sequence[float], batch: Sequence[float],
                 title: Optional[str] = None) -> str:
    """Paired horizontal bars: each bin's share of the baseline (grey) and of the batch (blue)."""
    row, label_width, bar_width = 26, 170, 600
    height = TOP + row * len(labels) + 30
    top = max(max(baseline, default=0.0), max(batch, default=0.0)) or 1.0
    parts = [f'<svg class="chart distribution" viewBox="0 0 {label_width + bar_width + 80} {height}" role="img" '
             f'aria-label="{escape(title or "distribution")}">']
    for index, label in enumerate(labels):
        y0 = TOP + row * index
        text = str(label) if len(str(label)) <= 24 else str(label)[:23] + "…"   # the whole name on hover
        parts.append(f'<text x="{label_width - 8}" y="{y0 + 14}" class="tick" text-anchor="end">'
                     f"<title>{escape(str(label))}</title>{escape(text)}</text>")
        for k, (name, share) in enumerate((("baseline", baseline[index]), ("batch", batch[index]))):
            width = share / top * bar_width
            parts.append(f'<rect class="{name}" x="{label_width}" y="{y0 + k * 10}" width="{width:.1f}" '
                         f'height="9" fill="{COLORS[name]}"><title>{name}: {share:.1%}</title></rect>')
        parts.append(f'<text x="{label_width + max(baseline[index], batch[index]) / top * bar_width + 6:.1f}" '
                     f'y="{y0 + 14}" class="tick">{baseline[index]:.0%} → {batch[index]:.0%}</text>')
    parts.append(f'<text x="{label_width}" y="{TOP - 10}" class="axis">share of rows: '
                 f'<tspan fill="{COLORS["baseline"]}">baseline</tspan> vs '
                 f'<tspan fill="{COLORS["batch"]}">batch</tspan></text></svg>')
    return "".join(parts)


SERIES_COLORS = ("#94a3b8", "#2563eb", "#d97706", "#16a34a", "#7c3aed", "#dc2626")


def lines(series: Dict[str, Sequence[Dict]], metric: str, lower_is_better: bool) -> str:
    """One line per series over the batches (in the order they first appear); points: {batch, value, title}."""
    batches = list(dict.fromkeys(p["batch"] for points in series.values() for p in points))
    values = [p["value"] for points in series.values() for p in points if p.get("value") is not None]
    if not batches or not values:
        return '<p class="empty">Nothing to draw.</p>'
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or 0.05
    low, high = low - pad, high + pad
    y = _scale(low, high, TOP, HEIGHT - BOTTOM)
    step = (WIDTH - LEFT - RIGHT) / len(batches)
    x = {batch: LEFT + step * (index + 0.5) for index, batch in enumerate(batches)}
    parts = [f'<svg class="chart lines" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(metric)}">']
    ticks = nice_ticks(low, high)
    for tick in ticks:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" class="tick" text-anchor="end">'
                     f'{_tick_text(tick, ticks)}</text>')
    for batch in batches:
        parts.append(f'<text class="label" x="{x[batch]:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="end" '
                     f'transform="rotate(-35 {x[batch]:.1f} {HEIGHT - BOTTOM + 16})">{escape(batch[:18])}</text>')
    legend = []
    for index, (name, points) in enumerate(series.items()):
        color = SERIES_COLORS[index % len(SERIES_COLORS)]
        drawn = [p for p in points if p.get("value") is not None]
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
                     + " ".join(f"{x[p['batch']]:.1f},{y(p['value']):.1f}" for p in drawn) + '"/>')
        parts += [f'<circle cx="{x[p["batch"]]:.1f}" cy="{y(p["value"]):.1f}" r="4" fill="{color}" class="point">'
                  f'<title>{escape(name)}: {escape(p.get("title", ""))}</title></circle>' for p in drawn]
        legend.append(f'<span class="key"><i style="background:{color}"></i>{escape(name)}</span>')
    axis = f"{metric} (lower is better)" if lower_is_better else metric
    parts.append(f'<text x="12" y="{TOP - 10}" class="axis">{escape(axis)}</text></svg>')
    return "".join(parts) + f'<div class="legend">{"".join(legend)}</div>'
