"""Point lookup: which grid, community, subdistrict and district a point (or a batch) is in."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api import lookup_io
from api.deps import runtime
from api.uploads import read_body
from gis import limits, pointfiles
from gis.errors import PayloadTooLarge, UnreadableFile
from gis.pointfiles import Chunk, Rows
from gis.usecases.lookup import BatchAnswers, blank_answers, locate_batch, locate_point
from gis.values import crs_of, optional_time, parse_point

router = APIRouter(tags=["lookup"])
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
JSON_TYPES = ("application/json", "application/geo+json")
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
CrsQuery = Annotated[
    str, Query(description="wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n (of the input)")
]
AsOfQuery = Annotated[str | None, Query(description="ISO time: the boundaries valid then")]


def _query(name: str, description: str, default: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = (
        {"type": "string"} if default is None else {"type": "string", "default": default}
    )
    return {"name": name, "in": "query", "description": description, "schema": schema}


GET_PARAMETERS = [
    _query("lon", "longitude (or x for EPSG:n)"),
    _query("lat", "latitude (or y for EPSG:n)"),
    _query("crs", "wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n (of the input)", "wgs84"),
    _query("as_of", "ISO time: the boundaries valid then (default: now)"),
]


# The hot path: query parameters are read by hand (FastAPI's per-parameter validation costs more
# than the lookup itself) and declared for the docs in ``openapi_extra``.
@router.get("/lookup", openapi_extra={"parameters": GET_PARAMETERS})
async def lookup_point(request: Request) -> Response:
    """The grid, community, subdistrict and district of one point (nearest grid if outside)."""
    query = request.query_params
    point = parse_point(query.get("lon"), query.get("lat"), query.get("crs"))
    as_of = optional_time(query.get("as_of"), "as_of")
    # the version read (and a rebuild after a change) is I/O: in the thread pool
    answer = await run_in_threadpool(locate_point, runtime(request), point, as_of=as_of)
    return Response(
        orjson.dumps(answer.to_json()),
        media_type="application/json",
        headers={"X-Areas-Version": str(answer.version)},
    )


@router.post("/lookup")
async def lookup_batch(
    request: Request,
    crs: CrsQuery = "wgs84",
    as_of: AsOfQuery = None,
    file_format: Annotated[
        str | None, Query(alias="format", pattern="^(csv|ndjson)$", description="csv | ndjson")
    ] = None,
) -> StreamingResponse:
    """Locate a batch: CSV (``lon,lat[,...]`` header) or a GeoJSON FeatureCollection of Points.

    Answers stream back as CSV (default) or NDJSON, one row per input row, in order; rows
    that cannot be answered carry an ``error`` naming the field and the reason.
    """
    input_crs = crs_of(crs)
    when = optional_time(as_of, "as_of")
    ndjson = file_format == "ndjson" or (
        file_format is None and _media(request.headers.get("accept", "")) in NDJSON_TYPES
    )
    body = await _body(request)
    # parsing up to 200 MB and (re)building an index take a while: not on the event loop
    content_type = _media(request.headers.get("content-type", ""))
    header, chunks = await run_in_threadpool(_read, content_type, body)
    batch = await run_in_threadpool(locate_batch, runtime(request), chunks, input_crs, as_of=when)
    lines = _lines(batch, header, ndjson=ndjson)
    media_type = "application/x-ndjson" if ndjson else "text/csv; charset=utf-8"
    headers = {"X-Areas-Version": str(batch.version)}
    return StreamingResponse(lines, media_type=media_type, headers=headers)


def _media(value: str) -> str:
    return value.split(";")[0].split(",")[0].strip().lower()


async def _body(request: Request) -> bytes:
    return await read_body(
        request,
        limit=limits.BODY_BYTES,
        empty="send CSV (lon,lat[,id]) or a GeoJSON FeatureCollection",
    )


def _read(content_type: str, body: bytes) -> tuple[list[str], Iterator[tuple[Rows, Chunk]]]:
    """The header to echo and the chunks of a CSV or GeoJSON body (whole-input errors raise)."""
    is_json = content_type in JSON_TYPES or (not content_type and body.lstrip()[:1] == b"{")
    if is_json:
        features = pointfiles.feature_collection(body)
        _check_rows(len(features))
        return ["id", "lon", "lat"], pointfiles.geojson_chunks(features, limits.LOOKUP_CHUNK_ROWS)
    if content_type and content_type not in CSV_TYPES:
        raise UnreadableFile(
            f"body: content type {content_type!r} is not a batch of points; send text/csv "
            "(header lon,lat[,id]) or application/geo+json (a FeatureCollection of Points)"
        )
    _check_rows(body.count(b"\n") + (not body.endswith(b"\n")) - 1)
    stream = io.TextIOWrapper(io.BytesIO(body), encoding="utf-8-sig", errors="replace", newline="")
    points = pointfiles.CsvPoints(stream)
    return points.header, points.chunks(limits.LOOKUP_CHUNK_ROWS)


def _check_rows(count: int) -> None:
    if count > limits.LOOKUP_ROWS:
        raise PayloadTooLarge(
            f"body: {count:,} rows is over the limit of {limits.LOOKUP_ROWS:,}; split the batch"
        )


def _lines(batch: BatchAnswers, header: list[str], *, ndjson: bool) -> Iterator[bytes]:
    first = True
    for rows, answers in batch.chunks:
        if ndjson:
            yield lookup_io.ndjson_lines(rows, answers, header)
        else:
            yield lookup_io.csv_text(rows, answers, header if first else None).encode()
        first = False
    if first and not ndjson:  # no rows: still a header
        yield lookup_io.csv_text([], blank_answers(0), header).encode()
