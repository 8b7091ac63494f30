"""SQL for the standard-address registry (一标三实): normalised address → point, building."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from gis.db.models import STORAGE_SRID, Address


def registry(conn: Connection) -> list[dict[str, Any]]:
    """Every standard address: id, address, lon, lat, building, households."""
    query = select(
        Address.id,
        Address.address,
        Address.normalized,
        Address.building,
        Address.households,
        func.ST_X(Address.geom).label("lon"),
        func.ST_Y(Address.geom).label("lat"),
    ).order_by(Address.id)
    return [dict(r._mapping) for r in conn.execute(query)]


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
