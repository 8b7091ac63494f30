"""SQL for the standard-address registry (一标三实): normalised address → point, building."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from gis.db.models import STORAGE_SRID, Address
from gis.incidents.addresses import StandardAddress


def registry_stamp(conn: Connection) -> tuple[int, int, int]:
    """Changes with every insert and update of the registry (count, last id, newest ``xmin``)."""
    row = conn.execute(
        text(
            "SELECT count(*), coalesce(max(id), 0), "
            "coalesce(max(xmin::text::bigint), 0) FROM addresses"
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def registry(conn: Connection) -> list[StandardAddress]:
    """Every standard address, by id."""
    query = select(
        Address.id,
        Address.address,
        func.ST_X(Address.geom).label("lon"),
        func.ST_Y(Address.geom).label("lat"),
        Address.building,
        Address.households,
    ).order_by(Address.id)
    return [StandardAddress(*row) for row in conn.execute(query)]


def households_in(conn: Connection, *, bounds: tuple[float, float, float, float]) -> pd.DataFrame:
    """The registry's addresses in a (west, south, east, north) box: lon, lat, households."""
    box = func.ST_MakeEnvelope(*bounds, STORAGE_SRID)
    query = (
        select(
            func.ST_X(Address.geom).label("lon"),
            func.ST_Y(Address.geom).label("lat"),
            Address.households,
        )
        .where(Address.geom.op("&&")(box))
        .order_by(Address.id)
    )
    rows = conn.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["lon", "lat", "households"])


def points_of(conn: Connection, *, ids: list[int]) -> dict[int, tuple[float, float]]:
    """The (lon, lat) of the registry's addresses with these ids (unknown ids left out)."""
    query = select(
        Address.id, func.ST_X(Address.geom).label("lon"), func.ST_Y(Address.geom).label("lat")
    ).where(Address.id.in_(ids))
    return {int(r.id): (float(r.lon), float(r.lat)) for r in conn.execute(query)}


def upsert_addresses(conn: Connection, *, rows: list[dict[str, Any]]) -> int:
    """Add or update standard addresses by their normalised form; returns the count."""
    if not rows:
        return 0
    values = [
        {
            **{k: v for k, v in row.items() if k not in ("lon", "lat")},
            "geom": f"SRID={STORAGE_SRID};POINT({row['lon']!r} {row['lat']!r})",
        }
        for row in rows
    ]
    statement = pg_insert(Address).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["normalized"],
        set_={
            c: statement.excluded[c]
            for c in ("address", "geom", "building", "households", "source", "attributes")
        },
    )
    conn.execute(statement)
    return len(rows)
