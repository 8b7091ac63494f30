"""Point lookup: which grid, community, subdistrict and district a point (or a batch) is in."""

from __future__ import annotations

import io
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from api import lookup_io
from api.access import Public, requires
from api.deps import runtime
from api.schemas import BATCH_ANSWER, BATCH_BODY, LookupAnswer
from gis import limits, pointfiles
from gis.errors import PayloadTooLarge, UnreadableFile
from gis.identity.access import Acting
from gis.pointfiles import Chunk, Rows
from gis.usecases.lookup import BatchAnswers, blank_answers, locate_batch, locate_point
from gis.values import crs_of, optional_time, parse_point

router = APIRouter(tags=["lookup"])
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
JSON_TYPES = ("application/json", "application/geo+json")
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
SPOOL_BYTES = 2**20  # a batch body larger than this waits on disk, not in the worker's memory
SNIFF_BYTES = 4096
SWITCH_SECONDS = 0.0005  # how long a thread may keep the GIL from the event loop (`_prompt_loop`)
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
@router.get(
    "/lookup",
    openapi_extra={"parameters": GET_PARAMETERS},
    responses={200: {"model": LookupAnswer, "description": "the areas of the point"}},
)
async def lookup_point(request: Request, _: Public) -> Response:
    """The grid, community, subdistrict and district of one point (nearest grid if outside)."""
    query = request.query_params
    point = parse_point(query.get("lon"), query.get("lat"), query.get("crs"))
    as_of = optional_time(query.get("as_of"), "as_of")
    # the version read (and a rebuild after a change) is I/O: in the thread pool
    answer = await run_in_threadpool(locate_point, runtime(request), point, as_of=as_of)
    return Response(
        orjson.dumps(answer.to_json()),
        media_type="application/json",
        headers=area_headers(answer.version, stale=answer.stale),
    )


def area_headers(version: int, *, stale: bool) -> dict[str, str]:
    """``X-Areas-Version``, and ``X-Areas-Stale: true`` when the store could not confirm it."""
    headers = {"X-Areas-Version": str(version)}
    if stale:
        headers["X-Areas-Stale"] = "true"
    return headers


@router.post("/lookup", openapi_extra=BATCH_BODY, responses=BATCH_ANSWER)
async def lookup_batch(
    request: Request,
    _: Annotated[Acting, requires("lookup:batch")],
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
    content_type = _media(request.headers.get("content-type", ""))
    body = await _spool(request)
    _prompt_loop()
    try:
        # parsing up to 200 MB and (re)building an index take a while: not on the event loop
        header, chunks = await run_in_threadpool(_read, content_type, body)
        batch = await run_in_threadpool(
            locate_batch, runtime(request), chunks, input_crs, as_of=when
        )
    except BaseException:
        body.file.close()
        raise
    return StreamingResponse(
        _lines(batch, header, ndjson=ndjson),  # a plain iterator: each chunk in the thread pool
        media_type="application/x-ndjson" if ndjson else "text/csv; charset=utf-8",
        headers=area_headers(batch.version, stale=batch.stale),
        background=BackgroundTask(body.file.close),
    )


def _prompt_loop() -> None:
    """From the first batch on, a thread holding the GIL hands it back after 0.5 ms, not 5.

    A batch is parsed and answered in threads, in pure Python for much of it; every time the
    event loop needs the GIL meanwhile it waits for the holder's switch interval. A client of
    the same worker had p50/p99 17/293 ms during a batch of a million points with the default
    5 ms, 6.2/26 ms with 0.5 ms (`bench/lookup_batch.py --workers 1`); the batch took 26 s and
    37 s. Once set it stays: a worker that answers batches keeps answering others promptly.
    """
    if sys.getswitchinterval() > SWITCH_SECONDS:
        sys.setswitchinterval(SWITCH_SECONDS)


def _media(value: str) -> str:
    return value.split(";")[0].split(",")[0].strip().lower()


@dataclass
class Body:
    """A request body spooled to a temporary file (in memory while small), and its line count."""

    file: IO[bytes]
    lines: int


async def _spool(request: Request) -> Body:
    """The body in a temporary file, refused with 413 as soon as it passes the limit.

    A batch body may be up to `limits.BODY_BYTES`; holding it in memory would add that much to
    the worker for the length of the answer, so past 1 MiB it goes to disk.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.BODY_BYTES:
        raise _too_large(f"{int(declared) // 2**20} MB")
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 closed by the caller
    size = lines = 0
    blank, last = True, b"\n"
    async for part in request.stream():
        size += len(part)
        if size > limits.BODY_BYTES:
            spooled.close()
            raise _too_large("more")
        spooled.write(part)
        lines += part.count(b"\n")
        blank = blank and not part.strip()
        last = part[-1:] or last
    if blank:
        spooled.close()
        raise UnreadableFile("body: empty; send CSV (lon,lat[,id]) or a GeoJSON FeatureCollection")
    spooled.seek(0)
    return Body(spooled, lines + (last != b"\n"))


def _too_large(size: str) -> PayloadTooLarge:
    limit = limits.BODY_BYTES // 2**20
    return PayloadTooLarge(f"body: {size} is over the limit of {limit} MB; split it")


def _read(content_type: str, body: Body) -> tuple[list[str], Iterator[tuple[Rows, Chunk]]]:
    """The header to echo and the chunks of a CSV or GeoJSON body (whole-input errors raise).

    GeoJSON is read whole here (feature by feature, kept compact), so that a broken document is
    a 400 before the answer starts; CSV is read chunk by chunk as the answer is sent (its only
    whole-input error is in the header).
    """
    if content_type in JSON_TYPES or (not content_type and _starts_with_brace(body.file)):
        found = pointfiles.point_features(
            body.file, max_rows=limits.LOOKUP_ROWS, size=limits.LOOKUP_CHUNK_ROWS
        )
        return ["id", "lon", "lat"], ((pointfiles.feature_rows(c), c) for c in found)
    if content_type and content_type not in CSV_TYPES:
        raise UnreadableFile(
            f"body: content type {content_type!r} is not a batch of points; send text/csv "
            "(header lon,lat[,id]) or application/geo+json (a FeatureCollection of Points)"
        )
    _check_rows(body.lines - 1)
    stream = io.TextIOWrapper(body.file, encoding="utf-8-sig", errors="replace", newline="")
    points = pointfiles.CsvPoints(stream)
    return points.header, points.chunks(limits.LOOKUP_CHUNK_ROWS)


def _starts_with_brace(file: IO[bytes]) -> bool:
    start = file.read(SNIFF_BYTES).lstrip()[:1]
    file.seek(0)
    return start == b"{"


def _check_rows(count: int) -> None:
    if count > limits.LOOKUP_ROWS:
        raise PayloadTooLarge(
            f"body: {count:,} rows is over the limit of {limits.LOOKUP_ROWS:,}; split the batch"
        )


def _lines(batch: BatchAnswers, header: list[str], *, ndjson: bool) -> Iterator[bytes]:
    first = True
    for rows, answers in batch.chunks:
        yield from lookup_io.pieces(
            rows, answers, header if first or ndjson else None, ndjson=ndjson
        )
        first = False
    if first and not ndjson:  # no rows: still a header
        yield lookup_io.csv_text([], blank_answers(0), header).encode()
