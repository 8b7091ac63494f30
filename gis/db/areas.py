"""SQL for the ``areas`` table: queries of current and past versions, and versioned writes.

Functions take a SQLAlchemy ``Connection`` plus keyword-only arguments; spatial filters are
pushed into SQL. Writes happen inside the caller's transaction
(`gis.db.engine.transaction`), so a load is all-or-nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import Connection, Select, and_, func, insert, or_, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from gis.areas import AREA_FIELDS, Level
from gis.db.models import STORAGE_SRID, Area
from gis.errors import Conflict, InvalidInput, UnknownParent

COLUMNS = ("id", *AREA_FIELDS)


def _valid_at(as_of: datetime | None) -> Any:
    if as_of is None:
        return Area.valid_to.is_(None)
    return and_(Area.valid_from <= as_of, or_(Area.valid_to.is_(None), Area.valid_to > as_of))


def _select() -> Select[Any]:
    columns = [getattr(Area, name) for name in COLUMNS]
    return select(*columns, func.ST_AsBinary(Area.geom).label("wkb"))


def _frame(rows: list[Any]) -> gpd.GeoDataFrame:
    records = [dict(row._mapping) for row in rows]
    frame = pd.DataFrame.from_records(records, columns=[*COLUMNS, "wkb"])
    geometry = shapely.from_wkb([bytes(w) for w in frame.pop("wkb")]) if records else []
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=f"EPSG:{STORAGE_SRID}"))


def find_areas(
    conn: Connection,
    *,
    level: Level | None = None,
    parent: str | None = None,
    scope: str | None = None,
    codes: list[str] | None = None,
    name: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    as_of: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> gpd.GeoDataFrame:
    """Areas valid at ``as_of`` (default: current), filtered, ordered by level and code.

    ``scope`` keeps the area with that code and everything below it; ``name`` the areas of
    that name; ``bbox`` is (west, south, east, north) in EPSG:4326 and keeps areas that
    intersect it. ``offset`` skips that many of them, ``limit`` keeps at most that many.
    """
    filters = _filters(level, parent, scope, codes, name, bbox, as_of)
    return _frame(find_area_rows(conn, filters=filters, limit=limit, offset=offset))


def _filters(
    level: Level | None,
    parent: str | None,
    scope: str | None,
    codes: list[str] | None,
    name: str | None,
    bbox: tuple[float, float, float, float] | None,
    as_of: datetime | None,
) -> list[Any]:
    """The WHERE conditions of `find_areas` and `count_areas`."""
    found = [_valid_at(as_of)]
    if level is not None:
        found.append(Area.level == level.value)
    if parent is not None:
        found.append(Area.parent_code == parent)
    if scope is not None:
        found.append(Area.code.startswith(scope, autoescape=True))
    if codes is not None:
        found.append(Area.code.in_(codes))
    if name is not None:
        found.append(Area.name == name)
    if bbox is not None:
        found.append(Area.geom.intersects(func.ST_MakeEnvelope(*bbox, STORAGE_SRID)))
    return found


def find_area_rows(
    conn: Connection,
    *,
    filters: list[Any] | None = None,
    as_of: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Any]:
    """The rows of `find_areas`, not yet decoded: fetched inside a transaction, decoded after.

    Decoding a province's 200,000 geometries takes seconds, longer than a transaction may sit
    idle (``idle_in_transaction_timeout``): a reader holding a snapshot decodes with
    `area_frame` once it has closed it. ``filters`` (from `find_areas`) default to the areas
    valid at ``as_of``.
    """
    conditions = filters if filters is not None else [_valid_at(as_of)]
    query = _select().where(*conditions).order_by(func.length(Area.code), Area.code)
    return list(conn.execute(query.offset(offset or None).limit(limit)))


def area_frame(rows: list[Any]) -> gpd.GeoDataFrame:
    """The areas of `find_area_rows`' rows, as `find_areas` answers them."""
    return _frame(rows)


def count_areas(
    conn: Connection,
    *,
    level: Level | None = None,
    parent: str | None = None,
    scope: str | None = None,
    codes: list[str] | None = None,
    name: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    as_of: datetime | None = None,
) -> int:
    """How many areas `find_areas` would answer with no limit (no geometry is read)."""
    filters = _filters(level, parent, scope, codes, name, bbox, as_of)
    return int(conn.execute(select(func.count()).select_from(Area).where(*filters)).scalar_one())


def history(conn: Connection, *, code: str) -> gpd.GeoDataFrame:
    """Every version of one area, oldest first."""
    query = _select().where(Area.code == code).order_by(Area.valid_from)
    return _frame(list(conn.execute(query)))


def current_codes(conn: Connection, *, level: Level) -> set[str]:
    """Codes of the current areas of ``level``."""
    query = select(Area.code).where(Area.level == level.value, Area.valid_to.is_(None))
    return set(conn.execute(query).scalars())


def codes_with_children(conn: Connection, *, codes: list[str]) -> set[str]:
    """Those of ``codes`` that have current child areas."""
    query = select(Area.parent_code).where(Area.parent_code.in_(codes), Area.valid_to.is_(None))
    return {code for code in conn.execute(query.distinct()).scalars() if code}


_IN_SCOPE = """{t}.valid_to IS NULL
  AND (CAST(:scope AS text) IS NULL OR starts_with({t}.code, :scope))
  AND (CAST(:scopes AS text[]) IS NULL
       OR EXISTS (SELECT 1 FROM unnest(CAST(:scopes AS text[])) s
                  WHERE starts_with({t}.code, s)))"""

_LEVEL_COUNTS = text(
    f"SELECT a.level, count(*) AS n FROM areas a WHERE {_IN_SCOPE.format(t='a')} GROUP BY a.level"
)
_TOP_AREAS = text(f"""
SELECT {", ".join("p." + c for c in COLUMNS)}, ST_AsBinary(p.geom) AS wkb FROM areas p
WHERE {_IN_SCOPE.format(t="p")}
  AND NOT EXISTS (SELECT 1 FROM areas q WHERE q.code = p.parent_code AND {_IN_SCOPE.format(t="q")})
ORDER BY length(p.code), p.code""")
_ROWS = text(
    "SELECT a.code, a.name, a.households FROM areas a "
    f"WHERE a.level = :level AND {_IN_SCOPE.format(t='a')} ORDER BY a.code"
)


def _scope_params(scope: str | None, scopes: Sequence[str] | None) -> dict[str, Any]:
    return {"scope": scope, "scopes": None if scopes is None else list(scopes)}


def level_counts(
    conn: Connection, *, scope: str | None = None, scopes: Sequence[str] | None = None
) -> dict[str, int]:
    """How many current areas of each level lie under ``scope`` and one of ``scopes``.

    ``scope`` is one code (None: all); ``scopes`` the caller's (None: unlimited), as in
    `gis.identity.access.Acting.covers`. No geometry is read.
    """
    rows = conn.execute(_LEVEL_COUNTS, _scope_params(scope, scopes))
    return {row.level: int(row.n) for row in rows}


def top_areas(
    conn: Connection, *, scope: str | None = None, scopes: Sequence[str] | None = None
) -> gpd.GeoDataFrame:
    """The current areas in scope (as `level_counts`) whose parent is not: the scope's roots."""
    return _frame(list(conn.execute(_TOP_AREAS, _scope_params(scope, scopes))))


def area_rows(
    conn: Connection,
    *,
    level: Level,
    scope: str | None = None,
    scopes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Code, name and households of the current areas of ``level`` in scope, by code.

    Scope as in `level_counts`; no geometry is read.
    """
    params = {"level": level.value, **_scope_params(scope, scopes)}
    rows = [tuple(row) for row in conn.execute(_ROWS, params)]
    return pd.DataFrame.from_records(rows, columns=["code", "name", "households"])


def lock_for_load(conn: Connection) -> None:
    """Serialise loads: concurrent readers go on, a second writer waits for this transaction."""
    conn.execute(text("LOCK TABLE areas IN SHARE ROW EXCLUSIVE MODE"))


def retire(conn: Connection, *, codes: list[str]) -> int:
    """Close the current versions of ``codes`` (``valid_to = now()``); returns the count."""
    if not codes:
        return 0
    statement = (
        update(Area)
        .where(Area.code.in_(codes), Area.valid_to.is_(None))
        .values(valid_to=func.now())
    )
    return conn.execute(statement).rowcount


def version_rows(level: Level, areas: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """The rows `insert_versions` writes for ``areas`` (EPSG:4326, columns of `gis.io.COLUMNS`).

    Made before the write transaction opens: for 200,000 grids turning the shapes into WKB takes
    longer than a transaction may sit idle (``idle_in_transaction_timeout``).
    """
    return [
        {
            "level": level.value,
            "code": row.code,
            "name": row.name,
            "parent_code": row.code[: level.parent.digits] if level.parent else None,
            "geom": from_shape(row.geometry, srid=STORAGE_SRID),
            "households": _int_or_none(row.households),
            "population": _int_or_none(row.population),
            "attributes": json.loads(json.dumps(row.attributes or {}, ensure_ascii=False)),
        }
        for row in areas.itertuples()
    ]


INSERT_BATCH_ROWS = 5_000
"""Rows per INSERT: the driver turns a batch's shapes into text between statements, which for
200,000 grids at once would leave the transaction idle past its timeout."""


def insert_versions(conn: Connection, *, rows: list[dict[str, Any]]) -> int:
    """Insert `version_rows` as new current versions (in batches of `INSERT_BATCH_ROWS`)."""
    if not rows:
        return 0
    try:
        for start in range(0, len(rows), INSERT_BATCH_ROWS):
            conn.execute(insert(Area), rows[start : start + INSERT_BATCH_ROWS])
    except IntegrityError as exc:
        raise _integrity_error(exc) from exc
    except DBAPIError as exc:
        raise InvalidInput(f"areas: the store refused the rows: {_first_line(exc)}") from exc
    return len(rows)


def _int_or_none(value: object) -> int | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return int(value)  # type: ignore[call-overload]


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0]


def _integrity_error(exc: IntegrityError) -> Exception:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    message = _first_line(exc)
    if sqlstate == "23503":
        return UnknownParent(message)
    if sqlstate in ("23505", "23P01"):
        return Conflict(f"areas: {message}")
    return InvalidInput(f"areas: {message}")
