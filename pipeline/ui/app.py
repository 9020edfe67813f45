"""`adapt ui`: the dashboard, a FastAPI app on the same uvicorn stack as `adapt serve`, reading the workspace.

Pages (pipeline/ui/pages.py): / (overview), /batches, /batches/<batch>[?feature=F], /models[?a=M&b=M] (M: a version,
or `candidate <id>`), /policies, /data, /runs, and /logs/<file> (a run's log, as text); /metrics is the same in
Prometheus' text format (pipeline/ui/monitoring.py). Each request reads the workspace afresh, without TensorFlow;
two models that share no holdout are scored once on the newer one's, in a child process, and the result is kept in
reports/comparisons/ (pipeline/ui/comparisons.py).

Safety:
- it listens on 127.0.0.1 unless told otherwise; bound to any other address it needs a token
  (`ADAPT_UI_TOKEN`, or one it makes and prints): `?token=` once (kept in a same-site cookie) or
  `Authorization: Bearer <token>`, as the cloud function takes it;
- it is read-only unless started with `--allow-rollback`; then the Models page has a rollback form per
  archived version, which asks for a reason and records the rollback exactly as `adapt models rollback`
  (pipeline/lineage/registry.py). The form carries a key made when the app starts, so no other site can
  post it on the user's behalf.
"""
import hmac
import re
import secrets
from html import escape
from typing import Optional
from urllib.parse import parse_qs, urlencode

from core.errors import AdaptError
from core.workspace import Workspace
from pipeline.ui import pages
from pipeline.ui.views import Views

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MODEL_KEY = r"^(v?[0-9]{1,9}|candidate [0-9]{1,9})$"   # a version (5, v5) or a declined candidate's id
TOKEN_COOKIE = "adapt_ui_token"
# The rollback form's fields, for the OpenAPI document the tests fuzz the dashboard from (it is not served).
ROLLBACK_FORM = {"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "required": ["version", "reason", "form_key"],
    "properties": {"version": {"type": "string"}, "reason": {"type": "string"}, "form_key": {"type": "string"}}}}}}}


def same_secret(sent: Optional[str], secret: str) -> bool:
    """A constant-time comparison that any text may reach (hmac's refuses non-ASCII str)."""
    return hmac.compare_digest((sent or "").encode("utf-8", "replace"), secret.encode())


def create_app(workspace: Workspace, allow_rollback: bool = False, token: Optional[str] = None):
    from fastapi import FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from serving.server import request_problem

    app = FastAPI(title="adapt ui", docs_url=None, redoc_url=None, openapi_url=None)
    form_key = secrets.token_urlsafe(16)

    # Every refusal is one line of text, as the token's and the rollback's are (FastAPI's would be JSON).
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, err):
        return PlainTextResponse(f"{err.detail}: {request.url.path}", status_code=err.status_code, headers=err.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request, err):
        return PlainTextResponse(f"bad request: {request_problem(err)}", status_code=400)

    def views() -> Views:
        return Views(workspace, workspace.load_config())

    @app.middleware("http")
    async def require_token(request: Request, call_next):
        if not token:
            return await call_next(request)
        sent = (request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE)
                or request.headers.get("authorization", "").removeprefix("Bearer ").strip())
        if not same_secret(sent, token):
            return PlainTextResponse("missing or wrong token: open the URL `adapt ui` printed", status_code=401)
        response = await call_next(request)
        if request.query_params.get("token"):
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return response

    def page(title: str, body: str, active: str, current: Views, status: int = 200) -> HTMLResponse:
        return HTMLResponse(pages.layout(title, body, active, model=current.config.model.name), status_code=status)

    @app.get("/", response_class=HTMLResponse)
    def overview():
        current = views()
        return page("Overview", pages.overview(current), "overview", current)

    @app.get("/batches", response_class=HTMLResponse)
    def batches():
        current = views()
        return page("Batches", pages.batches(current), "batches", current)

    @app.get("/batches/{name}", response_class=HTMLResponse)
    def batch(name: str, feature: Optional[str] = None):
        current = views()
        return page(f"Batch {name}", pages.batch(current, name, feature), "batches", current)

    @app.get("/models", response_class=HTMLResponse)
    def models(a: Optional[str] = Query(None, pattern=MODEL_KEY), b: Optional[str] = Query(None, pattern=MODEL_KEY),
               message: str = ""):
        current = views()
        form = ""
        if allow_rollback:
            form = ('<form class="inline" method="post" action="/models/rollback">'
                    '<input type="hidden" name="version" value="{version}">'
                    f'<input type="hidden" name="form_key" value="{form_key}">'
                    '<input name="reason" required placeholder="why roll back?" size="16"> '
                    '<button>roll back to {version}</button></form>')
        note = f'<p class="note">{escape(message)}</p>' if message else ""
        return page("Models", note + pages.models(current, compare=[v for v in (a, b) if v], rollback_form=form,
                                                    rescore=True),
                    "models", current)

    @app.post("/models/rollback", openapi_extra=ROLLBACK_FORM)
    async def rollback(request: Request):
        if not allow_rollback:
            return PlainTextResponse("read-only: start `adapt ui --allow-rollback` to roll back", status_code=403)
        fields = {k: v[0] for k, v in parse_qs((await request.body()).decode(errors="replace")).items()}
        if not same_secret(fields.get("form_key"), form_key):
            return PlainTextResponse("this form was not made by this dashboard", status_code=403)
        reason = fields.get("reason", "").strip()
        if not reason or not re.fullmatch(r"[0-9]{1,9}", fields.get("version", "")):
            return PlainTextResponse("a rollback needs a version and a reason", status_code=400)
        from pipeline.lineage import registry
        try:
            done = registry.rollback(workspace, workspace.load_config(), int(fields["version"]), reason=reason)
            message = f"rolled back from version {done['from_version']} to {done['to_version']}: {reason}"
        except AdaptError as err:
            message = f"not rolled back: {err}"
        return RedirectResponse(f"/models?{urlencode({'message': message})}", status_code=303)

    @app.get("/policies", response_class=HTMLResponse)
    def policies():
        current = views()
        return page("Policies", pages.policies(current), "policies", current)

    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics():
        from pipeline.ui import monitoring
        return PlainTextResponse(monitoring.exposition(views()), media_type=monitoring.CONTENT_TYPE)

    @app.get("/data", response_class=HTMLResponse)
    def data():
        current = views()
        return page("Data", pages.data(current), "data", current)

    @app.get("/runs", response_class=HTMLResponse)
    def runs():
        current = views()
        return page("Runs", pages.runs(current), "runs", current)

    @app.get("/logs/{name}", response_class=PlainTextResponse)
    def log(name: str):
        logs = workspace.reports / "logs"
        path = logs / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return PlainTextResponse(f"no log {name!r}", status_code=404)  # repr: one line, whatever the name
        return PlainTextResponse(path.read_text(errors="replace"))

    @app.get("/healthz")
    def health():
        return JSONResponse({"status": "ok", "workspace": str(workspace.root)})

    return app


def serve(workspace: Workspace, host: str = "127.0.0.1", port: int = 8600, allow_rollback: bool = False,
          token: Optional[str] = None, on_ready=None) -> None:
    """Runs the dashboard until interrupted; a host other than loopback gets a token (made here when not given)."""
    import uvicorn

    from serving.server import bind_socket
    if host not in LOOPBACK and not token:
        token = secrets.token_urlsafe(18)
    sock = bind_socket(host, port)
    actual_port = sock.getsockname()[1]
    if on_ready:
        on_ready(actual_port, token)
    config = uvicorn.Config(create_app(workspace, allow_rollback, token), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
