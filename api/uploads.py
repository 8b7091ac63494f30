"""Boundary files arriving over HTTP: a GeoJSON body or a multipart file upload.

The upload is written to a temporary file with its own suffix, so that the same readers (and
checks) as the CLI's apply.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Request
from starlette.datastructures import UploadFile

from gis.errors import UnreadableFile
from gis.io import FORMATS

JSON_TYPES = ("application/json", "application/geo+json")
MAX_BYTES = 200 * 1024 * 1024


@asynccontextmanager
async def boundary_upload(request: Request) -> AsyncIterator[Path]:
    """The request's boundary file on disk, removed afterwards."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    with tempfile.TemporaryDirectory(prefix="gridmap-upload-") as folder:
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


async def _limited(request: Request) -> bytes:
    body = await request.body()
    if not body:
        raise UnreadableFile("body: empty; expected a GeoJSON FeatureCollection")
    if len(body) > MAX_BYTES:
        raise UnreadableFile(f"body: larger than {MAX_BYTES // 2**20} MB")
    return body


async def _from_form(request: Request, folder: Path) -> Path:
    form = await request.form()
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
