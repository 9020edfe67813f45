"""`adapt report --html`: the dashboard's overview, batch and model pages as one self-contained HTML file, to mail
or attach to a ticket. `adapt replay` and `adapt demo` write it beside their md/json/png."""
from pathlib import Path
from typing import Optional

from core.config import Config
from core.workspace import Workspace
from pipeline.ui import pages
from pipeline.ui.views import Views

DEFAULT_NAME = "adapt-report.html"


def write_html_report(workspace: Workspace, config: Config, output: Optional[Path] = None) -> Path:
    output = output or workspace.reports / DEFAULT_NAME
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.tmp")
    temporary.write_text(pages.report(Views(workspace, config)))
    temporary.replace(output)
    return output
