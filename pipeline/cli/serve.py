"""`adapt serve`, `adapt ui` and `adapt report`: the production model over TF Serving's REST API, the dashboard in a
browser, and its pages as one HTML file."""
import argparse
import os
import sys
from pathlib import Path

from core.errors import AdaptError, UsageError
from pipeline.cli.common import command, open_workspace
from serving.server import add_address_flags


def cmd_serve(args) -> int:
    from core import versions
    from serving import server
    workspace, config = open_workspace(args)
    config = config.with_overrides({"serving.port": args.port, "serving.host": args.host})
    base = workspace.serving_model_dir(config)
    if versions.production_version(base) is None:
        raise AdaptError(f"no model to serve under {base}: run `adapt train` (or `adapt demo`) first")

    def ready(actual_port, repository):
        print(f"serving {config.model.name} version {repository.current.version} on "
              f"http://{config.serving.host}:{actual_port}/v1/models/{config.model.name} (Ctrl-C stops)",
              file=sys.stderr)

    server.serve(base, config.model.name, config.serving, str(workspace.prediction_log(config)), on_ready=ready)
    return 0


def cmd_ui(args) -> int:
    from core.workspace import Workspace
    from pipeline.ui import app
    workspace = Workspace.existing(args.workdir)

    def ready(port, token):
        where = f"http://{args.host}:{port}/" + (f"?token={token}" if token else "")
        print(f"adapt ui: {where} ({'rollback allowed' if args.allow_rollback else 'read-only'}; Ctrl-C stops)",
              file=sys.stderr, flush=True)
        if args.port_file:
            Path(args.port_file).write_text(str(port))

    app.serve(workspace, host=args.host, port=args.port, allow_rollback=args.allow_rollback,
              token=os.environ.get("ADAPT_UI_TOKEN") or None, on_ready=ready)
    return 0


def cmd_report(args) -> int:
    from pipeline.ui import report
    workspace, config = open_workspace(args)
    if not args.html:
        raise UsageError("adapt report writes HTML: add --html")
    written = report.write_html_report(workspace, config, Path(args.output) if args.output else None)
    print(written)
    return 0


def add_parsers(commands) -> None:
    serve = command(commands, "serve", cmd_serve, "serve the production version over TF Serving's REST API")
    add_address_flags(serve)

    ui = command(commands, "ui", cmd_ui, "the dashboard: batches, drift, models, data and runs in a browser")
    ui.add_argument("--port", type=int, default=8600, help="default 8600; 0 picks a free port")
    ui.add_argument("--host", default="127.0.0.1",
                    help="default 127.0.0.1; any other address needs a token ($ADAPT_UI_TOKEN, or one printed)")
    ui.add_argument("--allow-rollback", action="store_true", help="a rollback form on the Models page")
    ui.add_argument("--port-file", help=argparse.SUPPRESS)

    report = command(commands, "report", cmd_report, "the dashboard's pages as one self-contained HTML file")
    report.add_argument("--html", action="store_true", help="write HTML (the only format)")
    report.add_argument("--output", help="default: reports/adapt-report.html in the workspace")
