"""The monthly report's tables as files: ``GET /incidents.{csv,xlsx}`` and ``/stats.{csv,xlsx}``.

The same filters and scopes as ``GET /incidents`` and ``GET /stats``; reporters' names and
phones masked; Chinese headers (``lang=en``: English); a CSV in UTF-8 with a BOM (Excel opens
it) or ``encoding=gbk``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.access import requires
from api.deps import Rt
from api.files import attachment, file_answer, safe_name
from gis.areas import parse_level
from gis.checks import parse_lang
from gis.identity.access import Acting
from gis.incidents.lifecycle import parse_statuses
from gis.incidents.records import IncidentQuery
from gis.incidents.reports import incidents_table, stats_table
from gis.incidents.stats import parse_attribution
from gis.spreadsheets import parse_csv_encoding, parse_table_format, table_bytes
from gis.usecases import incidents
from gis.values import Period, optional_time, parse_bbox, parse_period

router = APIRouter(tags=["incidents"])
TableFormat = Annotated[str, Path(description="csv | xlsx")]
Encoding = Annotated[str | None, Query(description="a CSV's: utf-8 (default, BOM) | gbk")]
Lang = Annotated[str | None, Query(description="headers in zh (default) | en")]
MAX_ROWS = 200_000
"""The most incidents one file holds (a month of a city's; ask for a shorter period)."""


def _stamp(period: Period) -> str:
    start = f"{period.start:%Y%m%d}" if period.start else "start"
    end = f"{period.end:%Y%m%d}" if period.end else "now"
    return f"{start}-{end}"


def _table_file(frame_bytes: bytes, name: str, file_format: str, encoding: str) -> Response:
    return attachment(frame_bytes, safe_name(name), file_format, encoding=encoding)


@router.get(
    "/incidents.{file_format}",
    response_class=Response,
    responses=file_answer("the incidents, one row each (names and phones masked)"),
)
def incidents_file(
    rt: Rt,
    acting: Annotated[Acting, requires("incidents:read", "incidents:assigned")],
    file_format: TableFormat,
    category: str | None = None,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    scope: Annotated[str | None, Query(description="grid/community/… code prefix")] = None,
    start: Annotated[str | None, Query(description="ISO time, reported from (included)")] = None,
    end: Annotated[str | None, Query(description="ISO time, reported before")] = None,
    bbox: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = MAX_ROWS,
    encoding: Encoding = None,
    lang: Lang = None,
) -> Response:
    """The incidents ``GET /incidents`` lists, as a CSV or an XLSX sheet for the report."""
    chosen_format, chosen, language = (
        parse_table_format(file_format),
        parse_csv_encoding(encoding),
        parse_lang(lang),
    )
    period = parse_period(start, end)
    query = IncidentQuery(
        category=category,
        status=parse_statuses(status),
        scope=scope,
        period=period,
        bbox=parse_bbox(bbox) if bbox else None,
        limit=limit,
    )
    found = incidents.list_incidents(rt, query, acting=acting)
    table = incidents_table(
        found, now=datetime.now(UTC), categories=rt.catalogue.names(language), lang=language
    )
    content = table_bytes(table, chosen_format, encoding=chosen, sheet="incidents")
    name = f"incidents-{scope or 'all'}-{_stamp(period)}"
    return _table_file(content, name, chosen_format, chosen)


@router.get(
    "/stats.{file_format}",
    response_class=Response,
    responses=file_answer("statistics per area, one row each (counts, rates, by category)"),
)
def stats_file(
    rt: Rt,
    acting: Annotated[Acting, requires("stats:read")],
    file_format: TableFormat,
    level: Annotated[str, Query(description="district | subdistrict | community | grid")] = "grid",
    start: Annotated[str | None, Query(alias="from", description="ISO time, included")] = None,
    end: Annotated[str | None, Query(alias="to", description="ISO time, excluded")] = None,
    by: Annotated[str, Query(description="recorded (grid at intake) | current")] = "recorded",
    as_of: Annotated[str | None, Query(description="now, for overdue (default: now)")] = None,
    scope: Annotated[
        str | None, Query(max_length=15, description="only the areas under this code")
    ] = None,
    encoding: Encoding = None,
    lang: Lang = None,
) -> Response:
    """The statistics ``GET /stats`` answers, as a CSV or an XLSX sheet for the report."""
    chosen_format, chosen, language = (
        parse_table_format(file_format),
        parse_csv_encoding(encoding),
        parse_lang(lang),
    )
    parsed_level = parse_level(level)
    period = parse_period(start, end, ("from", "to"))
    rows = incidents.area_stats(
        rt,
        acting=acting,
        level=parsed_level,
        by=parse_attribution(by),
        period=period,
        now=optional_time(as_of, "as_of"),
        scope=scope or None,
    )
    table = stats_table(rows, categories=rt.catalogue.names(language), lang=language)
    content = table_bytes(table, chosen_format, encoding=chosen, sheet="stats")
    name = f"stats-{parsed_level.value}-{_stamp(period)}"
    return _table_file(content, name, chosen_format, chosen)
