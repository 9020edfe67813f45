"""The model server's GET endpoints, FastAPI's handlers (serving/server.py routes them):

    GET  /v1/models/<name>                         version status
    GET  /v1/models/<name>/versions/<v>            one version's status
    GET  /v1/models/<name>/metadata                features and signature
    GET  /healthz                                  200 once a version is loaded
    GET  /metrics                                  Prometheus text format
"""
from typing import Dict, Optional

from fastapi.responses import JSONResponse, PlainTextResponse

from core import versions
from core.contract import SIGNATURE_NAME, model_classes
from serving.metrics import CONTENT_TYPE, ServerMetrics
from serving.prediction_log import PredictionLog
from serving.repository import ModelRepository


def _version_status(version: int, state: str = "AVAILABLE") -> Dict:
    return {"version": str(version), "state": state, "status": {"error_code": "OK", "error_message": ""}}


class StatusEndpoints:
    """What the server holds, as TF Serving's REST API says it. The method names are FastAPI's operation names."""

    def __init__(self, repository: ModelRepository, metrics: ServerMetrics,
                 prediction_log: Optional[PredictionLog] = None):
        self.repository = repository
        self._metrics = metrics
        self.prediction_log = prediction_log

    def _error(self, status: int, message: str, endpoint: str) -> JSONResponse:
        self._metrics.count(endpoint, status)
        return JSONResponse({"error": message}, status_code=status)

    def health(self):
        repository, model = self.repository, self.repository.current
        if model is None:
            return JSONResponse({"status": "unavailable", "model": repository.name,
                                 "error": repository.last_error or "no version loaded"}, status_code=503)
        return {"status": "ok", "model": repository.name, "version": model.version}

    def metrics(self):
        model = self.repository.current
        text = self._metrics.exposition(model.version if model else 0, self.repository.reloads,
                                       self.prediction_log.dropped if self.prediction_log is not None else 0)
        return PlainTextResponse(text, media_type=CONTENT_TYPE)

    def model_status(self, name: str):
        repository = self.repository
        if name != repository.name:
            return self._error(404, f"model {name!r} not found; this server serves {repository.name!r}", "status")
        model = repository.current
        if model is None:
            return self._error(503, repository.last_error or "no version loaded yet", "status")
        self._metrics.count("status", 200)
        canary = repository.canary
        return {"model_version_status": [_version_status(model.version)]
                + ([_version_status(canary.model.version)] if canary else [])}

    def version_status(self, name: str, version: int):
        if name != self.repository.name:
            return self._error(404, f"model {name!r} not found", "status")
        if version not in versions.list_versions(self.repository.base_path):
            return self._error(404, f"model {name} has no version {version}", "status")
        model = self.repository.current
        state = "AVAILABLE" if model is not None and model.version == version else "END"
        return {"model_version_status": [_version_status(version, state)]}

    def metadata(self, name: str):
        model = self.repository.current
        if name != self.repository.name or model is None:
            return self._error(404, f"model {name!r} not available", "metadata")
        return {"model_spec": {"name": name, "version": str(model.version)},
                "metadata": {"raw_features": model.raw_types, "label": model.info.get("label"),
                             "required_features": model.required,
                             "optional_features": sorted(set(model.raw_types) - set(model.required)),
                             "classes": model_classes(model.info), "spans": model.info.get("spans"),
                             "schema_version": model.info.get("schema_version"),
                             "task": model.info.get("task", "classification"),
                             "signature_name": SIGNATURE_NAME}}
