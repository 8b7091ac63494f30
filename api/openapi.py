"""The OpenAPI document says what the server does: every status it answers, every error body.

FastAPI documents each route's success and a 422 in its own error shape (an array of
``ValidationError``), which is not what gridmap sends. `install` replaces the app's ``openapi()``
with one that, for every operation, lists the statuses the shared machinery can give — 400 (bad
input, or a NUL in the path or query), 413 (a body over its limit), 422 (a body or parameter of
the wrong type), 500 (unexpected, with a request id), 503 (store down or slow), 404 (what the
path names, or what the operation needs, such as a walking network, is not there); 409 where a
write can conflict — each with the body actually sent:
``{"detail", "code"}`` (`ErrorBody`); Open311's list of ``{code, description}`` on its routes
(the middleware's refusals keep the native shape there too); an HTML page for map pages'
domain errors.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field, TypeAdapter
from pydantic.json_schema import models_json_schema

from api import access
from api.errors import is_page
from api.schemas import FeatureCollection


class ErrorBody(BaseModel):
    """Every native error: what went wrong and why, and a stable code."""

    detail: str = Field(description="what was wrong, naming the field, and what was expected")
    code: str = Field(description="a stable code: InvalidInput, NotFound, StoreUnavailable, …")
    request_id: str | None = Field(
        default=None, description="on a 500: the id the operator finds the failure under"
    )


class Open311Error(BaseModel):
    """One Open311 GeoReport v2 error."""

    code: int
    description: str


WHY = {
    400: "Bad input: the detail names the field and what was expected",
    401: "No valid credentials (`Authorization: Bearer <token>` or the session cookie)",
    403: "The caller's roles lack the permission, the object lies outside its areas, or a "
    "session's form carries no CSRF token",
    404: "Not found: what the request names, or what it needs (boundaries, a walking network)",
    405: "Method not allowed (the Allow header lists the methods)",
    409: "Conflict with the stored state",
    413: "The body is over its limit",
    422: "A parameter or body field of the wrong type or out of range",
    500: "Unexpected error; the body carries a request id",
    503: "The store cannot be reached or did not answer in time",
}
WRITES = {"post", "put", "patch", "delete"}
_DROPPED = ("HTTPValidationError", "ValidationError")


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` build (once) the corrected document."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]


def document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of ``app`` with every error status and body as served."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _DROPPED:
        schemas.pop(name, None)
    schemas["ErrorBody"] = ErrorBody.model_json_schema()
    schemas["Open311Errors"] = TypeAdapter(list[Open311Error]).json_schema()
    _, geojson = models_json_schema(
        [(FeatureCollection, "serialization")], ref_template="#/components/schemas/{model}"
    )
    schemas.update(geojson.get("$defs", {}))
    _permissions(app, schema)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for answer in responses.values():
                _drop_placeholder(answer)
            for status in statuses(path, method, operation):
                responses[str(status)] = error_response(path, status)
    return schema


def _permissions(app: FastAPI, schema: dict[str, Any]) -> None:
    """Say on every operation who may call it (``x-permission``, and in its description)."""
    paths = schema.get("paths", {})
    for method, route in access.api_routes(app):
        operation = paths.get(route.path_format, {}).get(method.lower())
        requirement = access.requirement_of(route)
        if operation is None or requirement is None:
            continue
        who = requirement.describe()
        operation["x-permission"] = who
        if requirement.signing:  # reads the credentials of its own form
            operation.pop("security", None)
        elif requirement.public:  # credentials optional: {} is "none needed" (OpenAPI 3)
            operation["security"] = [{}, *operation.get("security", [])]
        operation["description"] = f"{operation.get('description', '')}\n\n**Who:** {who}".strip()


def _drop_placeholder(answer: dict[str, Any]) -> None:
    """FastAPI adds an empty ``application/json`` to a route that answers another type."""
    content = answer.get("content", {})
    if len(content) > 1 and content.get("application/json", {}).get("schema") == {}:
        del content["application/json"]


def statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation can answer.

    Examples
    --------
    >>> statuses("/isochrone", "get", {})
    [400, 404, 413, 422, 500, 503]
    >>> statuses("/stations", "post", {"requestBody": {}})
    [400, 404, 409, 413, 422, 500, 503]
    """
    found = [400, 404, 413, 422, 500, 503]  # 404 also when what it needs is not loaded
    if operation.get("security"):
        found += [401, 403]
    if method in WRITES:
        found.append(409)
    return sorted(found)


def error_response(path: str, status: int) -> dict[str, Any]:
    """The documented response for ``status`` on ``path``: its description and body."""
    native: dict[str, Any] = {"$ref": "#/components/schemas/ErrorBody"}
    if path.startswith("/open311"):
        body: dict[str, Any] = {"anyOf": [{"$ref": "#/components/schemas/Open311Errors"}, native]}
    else:
        body = native
    content: dict[str, Any] = {"application/json": {"schema": body}}
    if is_page(path) and status not in (413, 422):
        content["text/html"] = {"schema": {"type": "string"}}
    return {"description": WHY[status], "content": content}
