"""Point lookup: which grid, community, subdistrict and district a point (or a batch) is in."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from api import lookup_io
from api.access import Public, requires
from api.deps import runtime
from api.schemas import BATCH_ANSWER, BATCH_BODY, LookupAnswer
from gis import limits, pointfiles, tables
from gis.errors import PayloadTooLarge, UnreadableFile
from gis.identity.access import Acting
from gis.pointfiles import Chunk, Rows
from gis.tables import TableOptions
from gis.usecases.lookup import locate_batch, locate_point
from gis.values import crs_of, optional_time, parse_point

router = APIRouter(tags=["lookup"])
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
JSON_TYPES = ("application/json", "application/geo+json")
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
SPOOL_BYTES = 2**20  # a batch body larger than this waits on disk, not in the worker's memory
SNIFF_BYTES = 4096
UPLOAD_KINDS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".txt": "csv",
}
"""A multipart upload's kind, by its file name."""
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


EncodingQuery = Annotated[
    str | None, Query(description="utf-8 | utf-8-sig | gbk | gb18030 | gb2312 (default: found)")
]
OutEncodingQuery = Annotated[
    str | None, Query(description="utf-8 | utf-8-sig | gbk | gb18030 (default: the input's)")
]
FieldQuery = Annotated[
    str | None, Query(description="a column's name (default: lon/lng/经度/x, lat/纬度/y …)")
]
SheetQuery = Annotated[str | None, Query(description="the .xlsx sheet (default: the first)")]


@router.post("/lookup", openapi_extra=BATCH_BODY, responses=BATCH_ANSWER)
async def lookup_batch(
    request: Request,
    _: Annotated[Acting, requires("lookup:batch")],
    crs: CrsQuery = "wgs84",
    as_of: AsOfQuery = None,
    file_format: Annotated[
        str | None, Query(alias="format", pattern="^(csv|ndjson)$", description="csv | ndjson")
    ] = None,
    encoding: EncodingQuery = None,
    lon_field: FieldQuery = None,
    lat_field: FieldQuery = None,
    sheet: SheetQuery = None,
    out_encoding: OutEncodingQuery = None,
) -> StreamingResponse:
    """Locate a batch: a table (CSV in UTF-8 or GBK, or .xlsx) or a GeoJSON FeatureCollection.

    A table's coordinate columns are found by their usual names (lon/lng/经度, lat/纬度 …) or
    named. Answers stream back as CSV (default; in the input's encoding, every input column
    kept) or NDJSON, one row per input row, in order; rows that cannot be answered carry an
    ``error`` naming the field and the reason.
    """
    input_crs = crs_of(crs)
    when = optional_time(as_of, "as_of")
    options = tables.table_options(
        encoding=encoding, sheet=sheet, lon_field=lon_field, lat_field=lat_field
    )
    asked = tables.parse_encoding(out_encoding, "out_encoding", tables.OUT_ENCODINGS)
    ndjson = file_format == "ndjson" or (
        file_format is None and _media(request.headers.get("accept", "")) in NDJSON_TYPES
    )
    body = await _body(request)
    _prompt_loop()
    try:
        # parsing up to 200 MB and (re)building an index take a while: not on the event loop
        batch_input = await run_in_threadpool(_read, body, options)
        batch = await run_in_threadpool(
            locate_batch, runtime(request), batch_input.chunks, input_crs, as_of=when
        )
    except BaseException:
        body.close()
        raise
    written = tables.answer_encoding(batch_input.encoding, asked)
    return StreamingResponse(
        # a plain iterator: each chunk in the thread pool
        lookup_io.answer_bytes(batch.chunks, batch_input.header, ndjson=ndjson, encoding=written),
        media_type="application/x-ndjson"
        if ndjson
        else f"text/csv; charset={tables.charset(written)}",
        headers=area_headers(batch.version, stale=batch.stale),
        background=BackgroundTask(body.close),
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
    """A batch body in a temporary file (in memory while small), and what kind it is.

    ``kind``: ``geojson``, ``csv`` or ``xlsx``, by the content type (a multipart file's by
    its name); None when the body did not say (sniffed). ``closing``: what reads it.
    """

    file: IO[bytes]
    kind: str | None
    closing: list[Any] = field(default_factory=list)

    def close(self) -> None:
        """Close the file, and what reads it."""
        self.file.close()
        for thing in self.closing:
            thing.close()


@dataclass
class BatchInput:
    """A batch read: the header to echo, its chunks, and the encoding a CSV was read in."""

    header: list[str]
    chunks: Iterator[tuple[Rows, Chunk]]
    encoding: str | None  # None: a workbook (answered in UTF-8 with a BOM)


async def _body(request: Request) -> Body:
    """The batch's bytes and kind: the body, or the file of a multipart upload."""
    content_type = _media(request.headers.get("content-type", ""))
    if content_type == "multipart/form-data":
        return await _upload(request)
    if content_type in JSON_TYPES:
        kind: str | None = "geojson"
    elif content_type == tables.XLSX_TYPE:
        kind = "xlsx"
    elif content_type in CSV_TYPES:
        kind = "csv"
    elif not content_type:
        kind = None
    else:
        raise UnreadableFile(
            f"body: content type {content_type!r} is not a batch of points; send text/csv "
            "(a header with lon,lat or 经度,纬度), an .xlsx, application/geo+json (a "
            "FeatureCollection of Points), or a multipart upload in field 'file'"
        )
    return Body(await _spool(request), kind)


async def _upload(request: Request) -> Body:
    """The file of a multipart upload (field ``file``): .csv, .xlsx or .geojson by its name."""
    try:
        form = await request.form(max_files=1)  # the file part spools to disk
    except (MultiPartException, ValueError) as exc:
        raise UnreadableFile(f"file: unreadable multipart body: {exc}") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        await form.close()
        raise UnreadableFile("file: the multipart upload has no file in field 'file'")
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix == ".xls":
        await form.close()
        tables.table_kind(upload.filename, what="file")  # raises: save it as .xlsx
    return Body(upload.file, UPLOAD_KINDS.get(suffix))  # another name: sniffed


async def _spool(request: Request) -> IO[bytes]:
    """The body in a temporary file, refused with 413 as soon as it passes the limit.

    A batch body may be up to `limits.BODY_BYTES`; holding it in memory would add that much to
    the worker for the length of the answer, so past 1 MiB it goes to disk.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.BODY_BYTES:
        raise _too_large(f"{int(declared) // 2**20} MB")
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 closed by the caller
    size = 0
    blank = True
    async for part in request.stream():
        size += len(part)
        if size > limits.BODY_BYTES:
            spooled.close()
            raise _too_large("more")
        spooled.write(part)
        blank = blank and not part.strip()
    if blank:
        spooled.close()
        raise UnreadableFile(
            "body: empty; send a table (lon,lat or 经度,纬度) or a GeoJSON FeatureCollection"
        )
    spooled.seek(0)
    return spooled


def _too_large(size: str) -> PayloadTooLarge:
    limit = limits.BODY_BYTES // 2**20
    return PayloadTooLarge(f"body: {size} is over the limit of {limit} MB; split it")


def _read(body: Body, options: TableOptions) -> BatchInput:
    """The header to echo and the chunks of a table or GeoJSON body (whole-input errors raise).

    GeoJSON is read whole here (feature by feature, kept compact), so that a broken document is
    a 400 before the answer starts; a table is read chunk by chunk as the answer is sent (its
    whole-input errors — its encoding, its header, its row count — are found first).
    """
    kind = body.kind
    if kind is None:  # the body did not say: GeoJSON starts with a brace, a workbook with PK
        brace = _starts_with_brace(body.file)
        kind = "geojson" if brace else tables.table_kind(None, body.file.read(SNIFF_BYTES))
        body.file.seek(0)
    if kind == "geojson":
        found = pointfiles.point_features(
            body.file, max_rows=limits.LOOKUP_ROWS, size=limits.LOOKUP_CHUNK_ROWS
        )
        chunks = ((pointfiles.feature_rows(c), c) for c in found)
        return BatchInput(["id", "lon", "lat"], chunks, "utf-8")
    if kind == "csv":
        _check_rows(_lines(body.file) - 1)
    table = tables.open_table(body.file, kind=kind, options=options, what="body")
    body.closing.append(table)
    if table.declared_rows is not None:
        _check_rows(table.declared_rows - 1)
    points = pointfiles.CsvPoints(table.rows, options=options)
    return BatchInput(points.header, points.chunks(limits.LOOKUP_CHUNK_ROWS), table.encoding)


def _lines(file: IO[bytes]) -> int:
    """How many lines a file has (a last one without a newline counts), read a block at a time."""
    lines, last = 0, b"\n"
    while block := file.read(SPOOL_BYTES):
        lines += block.count(b"\n")
        last = block[-1:]
    file.seek(0)
    return lines + (last != b"\n")


def _starts_with_brace(file: IO[bytes]) -> bool:
    start = file.read(SNIFF_BYTES).lstrip()[:1]
    file.seek(0)
    return start == b"{"


def _check_rows(count: int) -> None:
    if count > limits.LOOKUP_ROWS:
        raise PayloadTooLarge(
            f"body: {count:,} rows is over the limit of {limits.LOOKUP_ROWS:,}; split the batch"
        )
