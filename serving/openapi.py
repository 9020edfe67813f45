"""The model server's OpenAPI document (GET /openapi.json): FastAPI's for the routes it serves, and the predict
requests, which a bare ASGI handler answers in front of FastAPI (serving/predict.py), described here.

Every error the server sends is a JSON object with an `error` message; the document says so for each status a
path may answer, and the REST fuzzing test (serving/openapi_test.py) holds the server to it.
"""
from typing import Any, Dict, Mapping, Optional, Sequence

from core.contract import INT64_MAX, INT64_MIN

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string", "minLength": 1}}}

_ANY_VALUE = {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}, {"type": "null"},
                        {"type": "object", "required": ["b64"], "properties": {"b64": {"type": "string"}}},
                        {"type": "array"}]}
_VALUE_OF = {"int": {"type": "integer", "minimum": INT64_MIN, "maximum": INT64_MAX},
             "float": {"type": "number"},
             "string": {"anyOf": [{"type": "string"},
                                  {"type": "object", "required": ["b64"], "additionalProperties": False,
                                   "properties": {"b64": {"type": "string", "format": "byte"}}}]}}


def _value(kind: str, optional: bool) -> Dict[str, Any]:
    """A feature's value in a request; an optional feature's may be null (left out of the example)."""
    return {"anyOf": [_VALUE_OF[kind], {"type": "null"}]} if optional else _VALUE_OF[kind]


def predict_request(features: Optional[Mapping[str, str]], required: Sequence[str]) -> Dict[str, Any]:
    """The body of a predict request for a model of these raw features ({name: int, float or string}); any
    object of values when no model is loaded yet."""
    if features:
        values = {name: _value(kind, name not in required) for name, kind in features.items()}
        row = {"type": "object", "properties": values, "required": list(required), "additionalProperties": False}
        columns = {"type": "object", "required": list(required), "additionalProperties": False,
                   "properties": {name: {"type": "array", "minItems": 1, "items": value}
                                  for name, value in values.items()},
                   "description": "every column as long as the others"}
    else:
        row = {"type": "object", "additionalProperties": _ANY_VALUE}
        columns = {"type": "object", "additionalProperties": {"type": "array", "items": _ANY_VALUE}}
    return {
        "description": "TF Serving's row format (`instances`: one object of raw feature values per row) or columnar "
                       "format (`inputs`: one list of values per feature); exactly one of them.",
        "type": "object", "additionalProperties": False,
        "properties": {"instances": {"type": "array", "minItems": 1, "items": row}, "inputs": columns},
        "oneOf": [{"required": ["instances"]}, {"required": ["inputs"]}],
    }


_OUTPUT_ROWS = {"type": "array", "items": {"anyOf": [{"type": "array", "items": {"type": ["number", "null"]}},
                                                     {"type": ["number", "null"]}]},
                "description": "one row per instance: a classifier's class probabilities ([P(second class)] for "
                               "two classes), a regression model's value; null where the model computed no number"}
PREDICT_RESPONSE = {"type": "object", "properties": {"predictions": _OUTPUT_ROWS, "outputs": _OUTPUT_ROWS},
                    "oneOf": [{"required": ["predictions"]}, {"required": ["outputs"]}]}
_ANSWER_HEADERS = {name: {"schema": {"type": "string"}, "description": text} for name, text in (
    ("X-Model-Version", "the version that answered"),
    ("X-Model-Label", "stable, canary, or version when the URL named one"),
    ("X-Request-Id", "the client's X-Request-Id, else one the server made; the prediction log's id"))}


def error_responses(*statuses: int) -> Dict[str, Any]:
    reasons = {400: "a malformed request", 404: "no such model, version, label or endpoint",
               413: "a body over serving.max_body_mb", 503: "no version loaded yet, or the queue is full "
               "(Retry-After)"}
    return {str(status): {"description": reasons[status],
                          "content": {"application/json": {"schema": ERROR}}} for status in statuses}


def _predict(model: str, body: Dict[str, Any], summary: str, *parameters: Dict[str, Any]) -> Dict[str, Any]:
    return {"post": {
        "summary": summary,
        "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": [model]},
                        "description": "the model this server serves"},
                       *parameters,
                       {"name": "X-Canary-Key", "in": "header", "required": False, "schema": {"type": "string"},
                        "description": "while a canary runs, requests naming the same key go to the same version"},
                       {"name": "X-Request-Id", "in": "header", "required": False, "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {"200": {"description": "the model's outputs", "headers": _ANSWER_HEADERS,
                              "content": {"application/json": {"schema": PREDICT_RESPONSE}}},
                      **error_responses(400, 404, 413, 503)}}}


def predict_paths(model: str, body: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "/v1/models/{name}:predict": _predict(
            model, body, "Predict with the production version (or, during a canary, its share)"),
        "/v1/models/{name}/versions/{version}:predict": _predict(
            model, body, "Predict with one version", {"name": "version", "in": "path", "required": True,
                                                      "schema": {"type": "integer", "minimum": 1}}),
        "/v1/models/{name}/labels/{label}:predict": _predict(
            model, body, "Predict with the stable or the canary version",
            {"name": "label", "in": "path", "required": True, "schema": {"type": "string",
                                                                          "enum": ["stable", "canary"]}}),
    }


def document(app, model: str, features: Optional[Mapping[str, str]] = None,
             required: Sequence[str] = ()) -> Dict[str, Any]:
    """FastAPI's document of `app`, with the predict paths of `model` (the one model the server serves) and the
    raw features of its production version."""
    from fastapi.openapi.utils import get_openapi
    found = get_openapi(title=app.title, version=app.version, routes=app.routes,
                        description="adapt's model server, in TF Serving's REST shape")
    found["paths"] = {**predict_paths(model, predict_request(features, required)), **found["paths"]}
    return found
