"""Files as answers: the media type of each format, and an attachment with an ASCII name."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Response

from gis.tables import charset

MEDIA_TYPES = {
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
    "shp.zip": "application/zip",
    "kml": "application/vnd.google-earth.kml+xml",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""The media type of each file format gridmap writes (`gis.io.EXPORT_FORMATS`, tables)."""


def safe_name(text: str) -> str:
    """``text`` in ASCII letters, digits, ``_`` and ``-`` (anything else becomes ``_``).

    Examples
    --------
    >>> safe_name("plan-12-110108010019"), safe_name("网格 2026")
    ('plan-12-110108010019', '___2026')
    """
    return re.sub(r"[^\w-]", "_", text, flags=re.ASCII)


def attachment(content: bytes, name: str, file_format: str, *, encoding: str = "") -> Response:
    """``content`` as a download named ``name.file_format`` (a CSV's charset in its type).

    ``encoding``: the codec a CSV was written with (``utf-8-sig`` is charset utf-8).
    """
    media = MEDIA_TYPES[file_format]
    if file_format == "csv":
        media += f"; charset={charset(encoding or 'utf-8')}"
    headers = {"Content-Disposition": f'attachment; filename="{name}.{file_format}"'}
    return Response(content, media_type=media, headers=headers)


def file_answer(what: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI answer of a file route: ``what``, as any of `MEDIA_TYPES`."""
    return {
        200: {
            "description": what,
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in MEDIA_TYPES.values()
            },
        }
    }
