"""Screenshots of every page of `adapt ui` for the README: `make screenshots WORKDIR=...` (the demo's workspace).

Starts `adapt ui` on the workspace, opens each page in Debian's headless Chromium (tests/browser.py) and keeps the
part a reader needs (the top of a page, or the section a selector names), as small palette PNGs. The pages it
opens are chosen from the workspace itself: the batch behind the latest push and its first drifted feature, the
serving version compared with an older version it was not validated against (scored on one holdout, as the
Models page does on request).

    python -m tests.screenshots --workdir adapt-workspace --output pipeline/ui/screens
"""
import argparse
import base64
import io
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional
from urllib.parse import quote, urlencode

WIDTH = 1200
HEIGHT = 860
COLORS = 96   # a palette PNG of the dashboard's flat colours: a fifth of the RGB file, the text as sharp


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    section: Optional[str] = None   # a script expression for an element: the capture starts at it (else at the top)
    height: int = HEIGHT


def shots_of(workdir: Path) -> List[Shot]:
    """Every page, with the batch, the feature and the pair of models this workspace has to show."""
    from core.workspace import Workspace
    from pipeline.ui.views import Views
    workspace = Workspace(workdir)
    views = Views(workspace, workspace.load_config())
    evaluations = views.batch_evaluations()
    pushed = [row for row in evaluations if row.get("pushed_version") is not None]
    batch = (pushed or evaluations or [{}])[-1]
    found = [Shot("overview", "/"), Shot("batches", "/batches")]
    if batch:
        page = f"/batches/{quote(batch['batch'], safe='')}"
        found.append(Shot("batch", page))
        drifted = sorted((f for f in batch["drift_features"] if f.get("drifted") and f.get("decides", True)),
                         key=lambda f: -(f.get("importance") or 0.0))
        if drifted:   # the drifted feature the model relies on most
            found.append(Shot("batch-feature", page + "?" + urlencode({"feature": drifted[0]["feature"]}),
                              "[...document.querySelectorAll('h2')].pop()", 440))
    found.append(Shot("models", "/models"))
    versions = sorted(row["version"] for row in views.models() if row.get("version") and row.get("model_id"))
    if len(versions) >= 3:   # the newest and one it was not validated against: scored on the newest's holdout
        found.append(Shot("models-compared", "/models?" + urlencode({"a": versions[-3], "b": versions[-1]}),
                          "[...document.querySelectorAll('h2')].find(h => / on the same rows|not comparable/"
                          ".test(h.textContent))", 260))
    return found + [Shot("policies", "/policies"), Shot("data", "/data"), Shot("runs", "/runs")]


def start_dashboard(workdir: Path, folder: Path):
    port_file = folder / "port"
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "ui", "--workdir", str(workdir), "--port", "0",
                               "--port-file", str(port_file)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    deadline = time.time() + 60
    while not port_file.exists():
        if server.poll() is not None or time.time() > deadline:
            raise SystemExit(f"adapt ui did not start: {server.stderr.read() if server.poll() is not None else ''}")
        time.sleep(0.1)
    return server, f"http://127.0.0.1:{port_file.read_text()}"


def capture(browser, shot: Shot) -> bytes:
    """The shot's region as PNG bytes: from its section's heading (or the page's top), `shot.height` pixels."""
    browser.send("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1,
                                                        "mobile": False})   # first: the layout is measured at it
    browser.send("Emulation.setScrollbarsHidden", {"hidden": True})
    top = 0
    if shot.section:
        top = browser.evaluate(f"(() => {{ const found = {shot.section}; if (!found) return -1;"
                               " return found.getBoundingClientRect().top + window.scrollY - 8; })()")
        if top < 0:
            raise SystemExit(f"{shot.path}: nothing matches {shot.section}")
    height = int(browser.evaluate("document.documentElement.scrollHeight"))
    browser.evaluate(f"window.scrollTo(0, {top})")   # the clip is in the page's coordinates, drawn from the view
    clip = {"x": 0, "y": top, "width": WIDTH, "height": min(shot.height, max(height - top, 100)), "scale": 1}
    found = browser.send("Page.captureScreenshot", {"format": "png", "clip": clip})
    return base64.b64decode(found["data"])


def small_png(data: bytes) -> bytes:
    from PIL import Image
    image = Image.open(io.BytesIO(data)).convert("RGB").quantize(colors=COLORS, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", required=True, type=Path, help="the workspace to show (the demo's)")
    parser.add_argument("--output", type=Path, default=Path(__file__).parents[1] / "pipeline" / "ui" / "screens")
    args = parser.parse_args(argv)
    from tests.browser import Browser
    args.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        server, url = start_dashboard(args.workdir.resolve(), Path(folder))
        try:
            with Browser(Path(folder)) as browser:
                for shot in shots_of(args.workdir.resolve()):
                    browser.open(url + shot.path)
                    path = args.output / f"{shot.name}.png"
                    path.write_bytes(small_png(capture(browser, shot)))
                    print(f"{path}  {os.path.getsize(path) // 1024} KB  {shot.path}")
                if browser.errors:
                    raise SystemExit(f"the pages logged errors: {browser.errors}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
