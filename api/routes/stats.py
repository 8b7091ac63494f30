"""Incident statistics per area and period."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import DB
from gis.areas import parse_level
from gis.db import stats as stats_sql
from gis.errors import InvalidInput
from gis.values import parse_time

router = APIRouter(tags=["incidents"])


def parse_attribution(value: str) -> stats_sql.Attribution:
    """``recorded`` or ``current``, else `InvalidInput`."""
    if value not in stats_sql.ATTRIBUTIONS:
        raise InvalidInput(f"by: {value!r} is not recorded or current")
    return value


@router.get("/stats")
def incident_stats(
    conn: DB,
    level: Annotated[str, Query(description="district | subdistrict | community | grid")] = "grid",
    start: Annotated[str | None, Query(alias="from", description="ISO time, included")] = None,
    end: Annotated[str | None, Query(alias="to", description="ISO time, excluded")] = None,
    by: Annotated[str, Query(description="recorded (grid at intake) | current")] = "recorded",
    as_of: Annotated[str | None, Query(description="now, for overdue (default: now)")] = None,
) -> Any:
    """Per area: counts by category and status, closure rate, median hours, overdue, satisfied."""
    parsed_level = parse_level(level)
    period = (
        parse_time(start, "from") if start else None,
        parse_time(end, "to") if end else None,
    )
    if period[0] and period[1] and period[1] <= period[0]:
        raise InvalidInput("to: is not after from")
    now = parse_time(as_of, "as_of") if as_of else datetime.now(UTC)
    attribution = parse_attribution(by)
    rows = stats_sql.incident_stats(
        conn, level=parsed_level, by=attribution, start=period[0], end=period[1], now=now
    )
    return {
        "level": parsed_level.value,
        "by": attribution,
        "from": period[0].isoformat() if period[0] else None,
        "to": period[1].isoformat() if period[1] else None,
        "areas": rows,
    }
