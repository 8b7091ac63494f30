"""Request bodies arriving over HTTP: their limits, and boundary files (GeoJSON or multipart).

Every route has a body limit (`body_limit`, served by the `BodyLimits` middleware before the
route reads a byte). A boundary upload is written to a temporary file with its own suffix, so
that the same readers (and checks) as the CLI's apply, and is refused before it is read when it
holds more areas, or unzips to more, than `gis.settings.UploadSettings` allows; the work on it
runs in a thread under a `Deadline` that stops it when its time is up or the client left.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import runtime
from api.errors import body as error_body
from gis import limits
from gis.errors import GridmapError, PayloadTooLarge, UnreadableFile
from gis.io import FORMATS, check_upload
from gis.limits import Deadline

JSON_TYPES = ("application/json", "application/geo+json")
MAX_BYTES = limits.BOUNDARY_UPLOAD_BYTES
"""A boundary file's limit (`BodyLimits` serves it too, before the route is reached)."""
ROUTE_BYTES = {
    ("POST", "/lookup"): limits.BODY_BYTES,
    ("POST", "/checks"): limits.BOUNDARY_UPLOAD_BYTES,
    ("POST", "/plans"): limits.BOUNDARY_UPLOAD_BYTES,
    ("POST", "/stations/import"): limits.STATION_IMPORT_BYTES,
}
"""The routes whose bodies may pass `gis.limits.REQUEST_BYTES`, and their own limits."""
POLL_SECONDS = 0.25
"""How often a running upload's work looks whether its client is still there."""
Result = TypeVar("Result")


def body_limit(method: str, path: str) -> int:
    """The most bytes a request body to ``method path`` may have.

    Examples
    --------
    >>> body_limit("POST", "/checks") // 2**20, body_limit("POST", "/incidents") // 2**20
    (64, 2)
    """
    return ROUTE_BYTES.get((method, path.rstrip("/") or "/"), limits.REQUEST_BYTES)


class BodyLimits:
    """Refuse a body over its route's limit with 413 before the route reads it into memory.

    A declared ``Content-Length`` over the limit is answered at once; a body sent without one
    is counted as it arrives, and the route is told the client left as soon as it passes.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a request on, unless its body is (or turns out) over its limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send, _too_large(f"{declared // 2**20} MB", limit))
            return
        guard = _CountedBody(receive, limit)
        try:
            await self.app(scope, guard.receive, guard.send_to(send))
        except Exception:
            if not guard.over:
                raise
        if guard.over:
            await _refuse(scope, receive, send, _too_large("more", limit))


class _CountedBody:
    """The body as the route receives it, counted.

    Past the limit the route hears that the client left, and whatever it answers is dropped: the
    middleware answers 413 instead.
    """

    def __init__(self, receive: Receive, limit: int) -> None:
        self._receive = receive
        self.limit = limit
        self.received = 0
        self.over = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.over = True
                return {"type": "http.disconnect"}
        return message

    def send_to(self, send: Send) -> Send:
        async def unless_over(message: Message) -> None:
            if not self.over:
                await send(message)

        return unless_over


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, error: PayloadTooLarge) -> None:
    response = JSONResponse(error_body(error.detail, error.code), status_code=413)
    await response(scope, receive, send)


@asynccontextmanager
async def boundary_upload(request: Request) -> AsyncIterator[Path]:
    """The request's boundary file on disk (checked against the upload limits), removed after."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    with tempfile.TemporaryDirectory(prefix="gridmap-upload-") as folder, _no_paths(folder):
        if content_type in JSON_TYPES:
            path = Path(folder) / "upload.geojson"
            path.write_bytes(await _limited(request))
        elif content_type == "multipart/form-data":
            path = await _from_form(request, Path(folder))
        else:
            raise UnreadableFile(
                f"body: content type {content_type or '(none)'!r} is not a boundary file; send "
                "GeoJSON (application/geo+json) or a multipart upload in field 'file'"
            )
        uploads = runtime(request).uploads
        await run_in_threadpool(
            check_upload,
            path,
            max_areas=uploads.max_areas,
            max_unzipped_bytes=uploads.max_unzipped_bytes,
        )
        yield path


async def with_deadline(
    request: Request, work: Callable[[Deadline], Result], *, what: str
) -> Result:
    """Run ``work`` in a thread under a `Deadline` of the upload time limit, returning its result.

    While it runs, the client is looked for every `POLL_SECONDS`: when it has gone the deadline
    is stopped, so that the work ends at its next check instead of running on for no one.
    """
    deadline = Deadline(runtime(request).uploads.work_seconds, what=what)
    running = asyncio.ensure_future(run_in_threadpool(work, deadline))
    while not running.done():
        await asyncio.wait({running}, timeout=POLL_SECONDS)
        if not running.done() and await request.is_disconnected():
            deadline.stop("the client disconnected")
    return running.result()


@contextmanager
def _no_paths(folder: str) -> Iterator[None]:
    """Errors about the upload name it as the client sent it, never the server's temporary path."""
    try:
        yield
    except GridmapError as exc:
        if folder not in exc.detail:
            raise
        raise type(exc)(exc.detail.replace(f"{folder}/", "").replace(folder, "")) from None


async def read_body(request: Request, *, limit: int | None = None, empty: str) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` (checked while reading).

    ``limit`` defaults to the route's own (`body_limit`).
    """
    limit = limit or body_limit(request.method, request.url.path)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(f"{int(declared) // 2**20} MB", limit)
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise _too_large("more", limit)
    if not body.strip():
        raise UnreadableFile(f"body: empty; {empty}")
    return bytes(body)


def _too_large(size: str, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"body: {size} is over the limit of {limit // 2**20} MB; split it")


async def _limited(request: Request) -> bytes:
    return await read_body(request, limit=MAX_BYTES, empty="expected a GeoJSON FeatureCollection")


async def _from_form(request: Request, folder: Path) -> Path:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise _too_large(f"{int(declared) // 2**20} MB", MAX_BYTES)
    form = await request.form(max_part_size=MAX_BYTES)  # file parts spool to disk
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise UnreadableFile("file: the multipart upload has no file in field 'file'")
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix not in FORMATS:
        raise UnreadableFile(
            f"file: unknown format {suffix or '(no extension)'!r} of "
            f"{upload.filename!r}; expected one of {', '.join(sorted(FORMATS))}"
        )
    path = folder / f"upload{suffix}"
    await run_in_threadpool(_copy, upload, path)
    return path


def _copy(upload: UploadFile, path: Path) -> None:
    """The spooled part to its file, a piece at a time (never all of it in memory)."""
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
