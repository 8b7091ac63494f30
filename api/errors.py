"""Domain errors → HTTP, in one table. Every error body is ``{"detail": ..., "code": ...}``."""

from __future__ import annotations

import logging
import re
from html import escape
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import access
from gis import errors

STATUS: dict[type[errors.GridmapError], int] = {
    errors.InvalidInput: 400,
    errors.CRSError: 400,
    errors.CodeError: 400,
    errors.InvalidGeometry: 400,
    errors.UnreadableFile: 400,
    errors.StoreRefused: 400,
    errors.IdempotencyKeyReused: 422,
    errors.Unauthenticated: 401,
    errors.CsrfFailed: 403,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.UnknownParent: 409,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.TimeLimitExceeded: 413,
    errors.Locked: 423,
    errors.StoreUnavailable: 503,
    errors.StoreTimeout: 503,
}


def status_for(exc: errors.GridmapError) -> int:
    """The HTTP status of a domain error (its nearest class in `STATUS`, else 500)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def body(detail: str, code: str) -> dict[str, str]:
    """The one error body shape."""
    return {"detail": detail, "code": code}


LOG = logging.getLogger("gridmap.api")
UNAVAILABLE = "the store cannot be reached; try again later"
TIMED_OUT = "the store did not answer in time; try again later"


def public_detail(exc: errors.GridmapError) -> str:
    """What a caller is told: its error's detail, but for a store failure only that it failed.

    The host, port and reason of a store failure go to the server's log, for the operator.
    """
    if status_for(exc) >= 500:
        LOG.warning("%s: %s", exc.code, exc.detail)
        return TIMED_OUT if isinstance(exc, errors.StoreTimeout) else UNAVAILABLE
    return exc.detail


def is_page(path: str) -> bool:
    """Whether ``path`` is a map page (errors as HTML) rather than data (errors as JSON).

    Examples
    --------
    >>> is_page("/maps/grids.html"), is_page("/maps"), is_page("/maps/grids/facts/12/1/2.json")
    (True, True, False)
    >>> is_page("/areas")
    False
    """
    return (path == "/maps" or path.startswith("/maps/")) and not path.endswith(".json")


async def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.GridmapError)
    await access.audit_refusal(request, exc)
    detail = public_detail(exc)
    if is_page(request.url.path):
        if status_for(exc) == 401 and "text/html" in request.headers.get("accept", ""):
            # a browser: to the login page, and back afterwards
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(path, safe='')}", status_code=303)
        return error_page(detail, exc.code, status_for(exc))
    # RFC 6750: a 401 names the scheme that would be accepted
    challenge = {"WWW-Authenticate": "Bearer"} if status_for(exc) == 401 else None
    return JSONResponse(body(detail, exc.code), status_code=status_for(exc), headers=challenge)


def error_page(detail: str, code: str, status: int) -> HTMLResponse:
    """A map page that could not be drawn says why, instead of showing a blank map."""
    return HTMLResponse(
        "<!doctype html><html><head><meta charset='utf-8'><title>gridmap: error</title></head>"
        f"<body><h1>{status} {escape(code)}</h1><p class='detail'>{escape(detail)}</p>"
        "<p><a href='/maps'>maps</a></p></body></html>",
        status_code=status,
    )


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return JSONResponse(body("; ".join(problems), "InvalidInput"), status_code=422)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = "NotFound" if exc.status_code == 404 else f"HTTP{exc.status_code}"
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return JSONResponse(body(str(exc.detail), code), status_code=exc.status_code, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method the API documents at the request's path, ``HEAD`` with ``GET``.

    Starlette's 405 names only the first matching route's methods; the OpenAPI document knows
    them all.
    """
    path = request.url.path
    methods: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        for method, operation in item.items():
            if _template(template, operation).fullmatch(path):
                methods.add(method.upper())
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _template(path: str, operation: dict[str, Any]) -> re.Pattern[str]:
    """The regular expression of a documented path; integer parameters match only digits."""
    numbers = {
        p["name"]
        for p in operation.get("parameters", [])
        if p.get("in") == "path" and p.get("schema", {}).get("type") == "integer"
    }
    parts = re.split(r"\{([^}]+)\}", path)
    pattern = "".join(
        ("[0-9]+" if part in numbers else "[^/]+") if odd else re.escape(part)
        for odd, part in ((i % 2 == 1, part) for i, part in enumerate(parts))
    )
    return re.compile(pattern)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(errors.GridmapError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
