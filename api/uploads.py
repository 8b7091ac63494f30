"""Boundary files arriving over HTTP: a GeoJSON body or a multipart file upload.

The upload is written to a temporary file with its own suffix, so that the same readers (and
checks) as the CLI's apply.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from fastapi import Request
from starlette.datastructures import UploadFile

from gis.errors import GridmapError, PayloadTooLarge, UnreadableFile
from gis.io import FORMATS
from gis.limits import BODY_BYTES as MAX_BYTES

JSON_TYPES = ("application/json", "application/geo+json")


@asynccontextmanager
async def boundary_upload(request: Request) -> AsyncIterator[Path]:
    """The request's boundary file on disk, removed afterwards."""
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
        yield path


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
    """The request body, refused with 413 as soon as it passes ``limit`` (checked while reading)."""
    limit = limit or MAX_BYTES
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
    return await read_body(request, empty="expected a GeoJSON FeatureCollection")


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
    path.write_bytes(await upload.read())
    return path
