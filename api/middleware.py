"""ASGI middleware around every route: request ids, NUL guards, JSON 500s, ``HEAD``.

Pure ASGI classes (not ``BaseHTTPMiddleware``) so that streamed answers pass through unbuffered.
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid
from urllib.parse import parse_qsl

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOG = logging.getLogger("gridmap.api")
REQUEST_ID = "X-Request-ID"
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class HeadAsGet:
    """Answer ``HEAD`` as the ``GET`` of the same URL would, without the body (RFC 9110 9.3.2)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass every request on; a HEAD one as a GET whose body is not sent."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


class RequestGuard:
    """What holds for every request, whatever the route.

    - It has an id: the caller's ``X-Request-ID`` when it is a plain token, else a new one; the
      answer carries it back.
    - A NUL character in the path or the query is refused (400 naming where), before any route
      could hand it to PostgreSQL, which cannot store it.
    - Anything unexpected becomes a JSON 500 ``{"detail", "code": "InternalError",
      "request_id"}``. The log gets the exception's type, the request id, the method and path
      (not the query) and where it happened (file, line, function per frame), but not the
      exception's message or locals, which may quote a request's personal data.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Guard one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message).append(REQUEST_ID, request_id)
            await send(message)

        refusal = nul_refusal(scope)
        if refusal is not None:
            await _answer(send_with_id, 400, {"detail": refusal, "code": "InvalidInput"})
            return
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            LOG.error(
                "unexpected %s [request %s] %s %s at %s",
                type(exc).__name__,
                request_id,
                scope.get("method"),
                scope.get("path"),
                _where(exc),
            )
            if not started:
                detail = f"unexpected error; the operator can find it by request id {request_id}"
                await _answer(
                    send_with_id,
                    500,
                    {"detail": detail, "code": "InternalError", "request_id": request_id},
                )


def nul_refusal(scope: Scope) -> str | None:
    r"""Why a request's path or query cannot be served (a NUL character), or None.

    Examples
    --------
    >>> nul_refusal({"path": "/areas", "query_string": b"scope=a%00"})
    "query: parameter 'scope' contains a NUL character (U+0000)"
    >>> nul_refusal({"path": "/static/a\x00b", "query_string": b""})
    'path: contains a NUL character (U+0000)'
    >>> nul_refusal({"path": "/areas", "query_string": b"scope=1101"}) is None
    True
    """
    if "\x00" in scope.get("path", ""):
        return "path: contains a NUL character (U+0000)"
    query = scope.get("query_string", b"")
    if b"%00" not in query and b"\x00" not in query:
        return None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "\\x00")[:40]
            return f"query: parameter {shown!r} contains a NUL character (U+0000)"
    return None


def _request_id(scope: Scope) -> str:
    given = Headers(scope=scope).get(REQUEST_ID, "")
    return given if _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return " < ".join(f"{f.filename}:{f.lineno} {f.name}" for f in reversed(frames[-8:]))


async def _answer(send: Send, status: int, content: dict[str, str]) -> None:
    payload = orjson.dumps(content)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
