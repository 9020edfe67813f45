"""Charts as inline SVG, drawn on the server: no script, no library, nothing fetched, the same in the dashboard and in
the self-contained HTML report. Every text from the data is escaped; a point's <title> is what hovering shows.

- `timeline`: the watched metric of each evaluated batch (realized: filled dot; estimated before labels: hollow,
  with its band), and markers for retrained, pushed, declined and rolled back.
- `distribution`: a feature's shares in the baseline and in the batch on the same bins, as paired bars.
"""
from html import escape
from typing import Callable, Dict, List, Optional, Sequence

WIDTH, HEIGHT = 920, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 56
COLORS = {"realized": "#2563eb", "estimated": "#2563eb", "retrained": "#d97706", "pushed": "#16a34a",
          "declined": "#dc2626", "rolled back": "#7c3aed", "baseline": "#94a3b8", "batch": "#2563eb"}


def _scale(low: float, high: float, top: float, bottom: float) -> Callable[[float], float]:
    span = (high - low) or 1.0
    return lambda value: bottom - (value - low) / span * (bottom - top)


def _ticks(low: float, high: float, count: int = 5) -> List[float]:
    step = (high - low) / (count - 1) if high > low else 1.0
    return [low + i * step for i in range(count)]


def timeline(points: Sequence[Dict], metric: str, lower_is_better: bool, link: Callable[[str], str]) -> str:
    """points: {batch, value, estimated, low, high, title, retrained, pushed, declined, rolled_back} in order."""
    if not points:
        return '<p class="empty">No batch evaluated yet.</p>'
    values = [v for p in points for v in (p.get("value"), p.get("estimated"), p.get("low"), p.get("high"))
              if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = (high - low) * 0.1 or 0.05
    low, high = low - pad, high + pad
    y = _scale(low, high, TOP + 18, HEIGHT - BOTTOM)
    step = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    x = lambda index: LEFT + step * (index + 0.5)   # noqa: E731
    parts = [f'<svg class="chart timeline" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(metric)} per batch">']
    for tick in _ticks(low, high):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" class="tick" text-anchor="end">{tick:.3g}</text>')
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
        if point.get("low") is not None and point.get("high") is not None:
            shown.append(f'<line class="band" x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(point["low"]):.1f}" '
                         f'y2="{y(point["high"]):.1f}"/>')
        if point.get("value") is not None:
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
        shown.append("</a>")
        parts.append("".join(shown))
    parts.append("</svg>")
    legend = "".join(f'<span class="key"><i style="background:{COLORS[name]}"></i>{name}</span>'
                     for name in ("retrained", "pushed", "declined", "rolled back"))
    return ("".join(parts) + f'<div class="legend"><span class="key"><i class="dot"></i>realized</span>'
            f'<span class="key"><i class="ring"></i>estimated before labels (band)</span>{legend}</div>')


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
        parts.append(f'<text x="{label_width - 8}" y="{y0 + 14}" class="tick" text-anchor="end">'
                     f"{escape(str(label)[:28])}</text>")
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
