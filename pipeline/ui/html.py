"""What every page of the dashboard is made of: the style, the links (paths in the app, anchors in the one-file
report), escaped cells, tables and the page layout. Names and values from the data go through `escape` everywhere."""
from html import escape
from typing import Any, List, Optional, Sequence
from urllib.parse import quote, urlencode

STYLE = """
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1e293b;
background:#f8fafc}header{background:#0f172a;color:#e2e8f0;padding:10px 24px;display:flex;gap:24px;align-items:center}
header b{font-size:16px;color:#fff}header a{color:#cbd5e1;text-decoration:none}header a.on{color:#fff;
border-bottom:2px solid #60a5fa}main{padding:18px 24px;max-width:1320px}h1{font-size:20px;margin:4px 0 12px}
h2{font-size:16px;margin:22px 0 8px}table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 14px}
th,td{text-align:left;padding:5px 6px;border-bottom:1px solid #e2e8f0;vertical-align:top}th{background:#f1f5f9;
font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}th.n{text-align:right}.nw{white-space:nowrap}
.facts-table th{width:190px;background:none;font-weight:500;color:#475569}.card{background:#fff;border:1px solid
#e2e8f0;border-radius:6px;padding:10px 14px;margin:8px 0}.facts{display:flex;gap:28px;flex-wrap:wrap}.facts div
span{display:block;color:#64748b;font-size:12px}.facts div b{font-size:18px}.yes{color:#dc2626;font-weight:600}
.ok{color:#16a34a}.muted{color:#64748b}.chart{width:100%;height:auto;background:#fff;border:1px solid #e2e8f0;
border-radius:6px}.chart .grid{stroke:#e2e8f0}.chart .tick{font-size:11px;fill:#475569}.chart .axis{font-size:12px;
fill:#334155;font-weight:600}.chart .line{fill:none;stroke:#93c5fd;stroke-width:2}.chart .realized{fill:#2563eb}
.chart .estimated{fill:#fff;stroke:#2563eb;stroke-width:2}.chart .partial{fill:#fff;stroke:#2563eb;stroke-width:2;
stroke-dasharray:2 2}.chart .unknown{fill:#cbd5e1}.chart .band{stroke:#bfdbfe;
stroke-width:6;stroke-linecap:round}.chart .label{font-size:11px;fill:#475569}.chart a:hover circle{r:7}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:#475569;margin:4px 0 10px}.key i{display:inline-block;width:10px;
height:10px;margin-right:5px;vertical-align:-1px}.key i.dot{background:#2563eb;border-radius:50%}.key i.ring{border:2px
solid #2563eb;border-radius:50%}.key i.dashed{border-style:dashed}.key{white-space:nowrap}form.inline{display:inline;white-space:nowrap}input,select,button{font:inherit;padding:3px 6px}
button{background:#1d4ed8;color:#fff;border:0;border-radius:4px;padding:4px 10px;cursor:pointer}.note{background:
#fefce8;border:1px solid #fde68a;padding:8px 12px;border-radius:6px}section.page{border-top:3px solid #0f172a;
margin-top:28px;padding-top:6px}.warn{color:#b45309;font-weight:600}.chart .reference{stroke:#16a34a;
stroke-width:1.5;stroke-dasharray:5 3}.chart .threshold{stroke:#dc2626;stroke-width:1.5;stroke-dasharray:2 3}
.chart .size{font-size:10px;fill:#94a3b8}.side>div:last-child{max-width:380px}
@media (min-width:1600px){.side{display:flex;gap:16px;align-items:flex-start}.side>div:first-child{flex:1 1 auto;
min-width:0}.side>div:last-child{flex:0 0 300px}}
"""

PAGES = (("overview", "Overview"), ("batches", "Batches"), ("models", "Models"), ("policies", "Policies"), ("data", "Data"),
         ("runs", "Runs"))


class Links:
    """URLs of the app's pages."""

    def page(self, name: str) -> str:
        return "/" if name == "overview" else f"/{name}"

    def batch(self, batch: str, feature: Optional[str] = None) -> str:
        return f"/batches/{quote(batch, safe='')}" + (f"?{urlencode({'feature': feature})}" if feature else "")

    def log(self, name: str) -> str:
        return f"/logs/{quote(name, safe='')}"

    def run(self, run_id: str) -> str:
        return f"/runs#run-{quote(run_id, safe='')}"


class ReportLinks(Links):
    """Anchors inside the one-file report (a log is not in it: its name is shown instead)."""

    def page(self, name: str) -> str:
        return f"#{name}"

    def batch(self, batch: str, feature: Optional[str] = None) -> str:
        return f"#batch-{quote(batch, safe='')}" + (f"-feature-{quote(feature, safe='')}" if feature else "")

    def log(self, name: str) -> str:
        return ""

    def run(self, run_id: str) -> str:
        return f"#run-{quote(run_id, safe='')}"


def e(value: Any) -> str:
    return escape(str(value))


def table(header: Sequence[str], rows: List[Sequence[str]], numeric: Sequence[int] = (),
          nowrap: Sequence[int] = ()) -> str:
    """Rows of already-escaped cells; `numeric` columns (their headers too) align right, `nowrap` ones (times,
    ranges) never wrap."""
    def td(index: int, content: str) -> str:
        classes = " ".join(name for name, columns in (("n", numeric), ("nw", nowrap)) if index in columns)
        return f'<td class="{classes}">{content}</td>' if classes else f"<td>{content}</td>"
    head = "".join(f'<th class="n">{e(h)}</th>' if i in numeric else f"<th>{e(h)}</th>" for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(td(i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def words(text: Any) -> str:
    """Escaped text that may wrap between its words but never inside one ('2026-12-07 23:42', '0.886 (0.856-0.915)':
    a browser breaks after a hyphen too)."""
    return " ".join(f'<span class="nw">{e(word)}</span>' for word in str(text).split(" "))


def facts(rows: List[Sequence[str]]) -> str:
    """A two-column table of (name, already-escaped value), no header."""
    return '<table class="facts-table"><tbody>' + "".join(
        f'<tr><th scope="row">{e(name)}</th><td>{value}</td></tr>' for name, value in rows) + "</tbody></table>"


def layout(title: str, body: str, active: str = "", links: Links = Links(), model: str = "") -> str:
    nav = "".join(f'<a href="{e(links.page(name))}" class="{"on" if name == active else ""}">{label}</a>'
                  for name, label in PAGES)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)} · adapt</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><style>{STYLE}</style></head>'
            f'<body><header><b>adapt</b><span class="muted">{e(model)}</span>{nav}</header>'
            f"<main>{body}</main></body></html>")


def link(href: str, text: Any) -> str:
    return f'<a href="{e(href)}">{e(text)}</a>' if href else e(text)
