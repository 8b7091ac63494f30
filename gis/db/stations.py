"""SQL for stations, walking networks and the isochrone cache.

Functions take a ``Connection`` and keyword-only arguments; writes run in the caller's
transaction, so an import or a network load is all or nothing. A station's grid is found in
SQL (the current grid that covers its point); with none it is stored and flagged
``outside_grid``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from gis.crs import STORAGE_SRID
from gis.db.models import StationIsochrone, WalkEdge, WalkNetworkRow
from gis.errors import NotFound
from gis.network.graph import StoredNetwork, WalkNetwork, network_from_edges
from gis.stations.records import Station, StationIn
from gis.values import BBox

_POINT = f"ST_SetSRID(ST_MakePoint(:lon, :lat), {STORAGE_SRID})"
_GRID = (
    "(SELECT code FROM areas WHERE level = 'grid' AND valid_to IS NULL "
    f"AND ST_Covers(geom, {_POINT}) ORDER BY code LIMIT 1)"
)
_COLUMNS = (
    "id, type, name, ST_X(geom) AS lon, ST_Y(geom) AS lat, opening_hours, capacity, "
    "grid_code, outside_grid, source_id, attributes, created_at, updated_at"
)
_INSERT = text(
    "INSERT INTO stations (type, name, geom, opening_hours, capacity, grid_code, outside_grid, "
    f"source_id, attributes) SELECT :type, :name, {_POINT}, :opening_hours, :capacity, g, "
    "g IS NULL, :source_id, CAST(:attributes AS jsonb) FROM (SELECT "
    f"{_GRID} AS g) grid ON CONFLICT (source_id) DO UPDATE SET type = excluded.type, "
    "name = excluded.name, geom = excluded.geom, opening_hours = excluded.opening_hours, "
    "capacity = excluded.capacity, grid_code = excluded.grid_code, "
    "outside_grid = excluded.outside_grid, attributes = excluded.attributes, updated_at = now() "
    "RETURNING id, (xmax = 0) AS created"
)


def _params(station: StationIn) -> dict[str, Any]:
    return {
        "type": station.type,
        "name": station.name,
        "lon": station.lon,
        "lat": station.lat,
        "opening_hours": station.opening_hours,
        "capacity": station.capacity,
        "source_id": station.source_id,
        "attributes": json.dumps(station.attributes, ensure_ascii=False, default=str),
    }


def upsert_stations(conn: Connection, *, stations: list[StationIn]) -> list[tuple[int, bool]]:
    """Insert stations, or update those whose ``source_id`` exists; (id, created) for each.

    A station that moved loses its cached isochrones.
    """
    answers = []
    for station in stations:
        before = _point_of(conn, station.source_id)
        row = conn.execute(_INSERT, _params(station)).one()
        if before is not None and before != (station.lon, station.lat):
            forget_isochrones(conn, station_id=int(row.id))
        answers.append((int(row.id), bool(row.created)))
    return answers


def _point_of(conn: Connection, source_id: str | None) -> tuple[float, float] | None:
    if source_id is None:
        return None
    query = text("SELECT ST_X(geom) x, ST_Y(geom) y FROM stations WHERE source_id = :s")
    row = conn.execute(query, {"s": source_id}).first()
    return (float(row.x), float(row.y)) if row is not None else None


def list_stations(
    conn: Connection,
    *,
    station_type: str | None = None,
    bbox: BBox | None = None,
    ids: list[int] | None = None,
    source_ids: list[str] | None = None,
) -> list[Station]:
    """Stations filtered by type, bbox (w, s, e, n), ids and source ids, by id."""
    where, params = ["TRUE"], dict[str, Any]()
    if station_type is not None:
        where.append("type = :type")
        params["type"] = station_type
    if bbox is not None:
        where.append(f"geom && ST_MakeEnvelope(:w, :s, :e, :n, {STORAGE_SRID})")
        params.update(zip("wsen", bbox, strict=True))
    if ids is not None:
        where.append("id = ANY(:ids)")
        params["ids"] = ids
    if source_ids is not None:
        where.append("source_id = ANY(:source_ids)")
        params["source_ids"] = source_ids
    query = text(f"SELECT {_COLUMNS} FROM stations WHERE {' AND '.join(where)} ORDER BY id")
    return [Station(**r._mapping) for r in conn.execute(query, params)]


def get_station(conn: Connection, *, station_id: int) -> Station:
    """One station, or `NotFound`."""
    found = list_stations(conn, ids=[station_id])
    if not found:
        raise NotFound(f"station: no station {station_id}")
    return found[0]


def replace_station(conn: Connection, *, station_id: int, station: StationIn) -> None:
    """Overwrite a station's fields (grid found again; cache dropped when it moved)."""
    before = get_station(conn, station_id=station_id)
    params = {**_params(station), "id": station_id}
    conn.execute(
        text(
            f"UPDATE stations SET type = :type, name = :name, geom = {_POINT}, "
            "opening_hours = :opening_hours, capacity = :capacity, source_id = :source_id, "
            f"grid_code = {_GRID}, outside_grid = {_GRID} IS NULL, "
            "attributes = CAST(:attributes AS jsonb), updated_at = now() WHERE id = :id"
        ),
        params,
    )
    if (before.lon, before.lat) != (station.lon, station.lat):
        forget_isochrones(conn, station_id=station_id)


def delete_station(conn: Connection, *, station_id: int) -> None:
    """Delete a station (and its cached isochrones), or `NotFound`."""
    gone = conn.execute(text("DELETE FROM stations WHERE id = :id"), {"id": station_id})
    if gone.rowcount == 0:
        raise NotFound(f"station: no station {station_id}")


def forget_isochrones(conn: Connection, *, station_id: int) -> None:
    """Drop a station's cached isochrones."""
    conn.execute(delete(StationIsochrone).where(StationIsochrone.station_id == station_id))


def household_points(conn: Connection) -> tuple[np.ndarray, np.ndarray]:
    """Standard addresses with households: ``(n, 2)`` lon/lat and ``(n,)`` household counts."""
    query = text(
        "SELECT ST_X(geom) x, ST_Y(geom) y, households FROM addresses WHERE households > 0"
    )
    rows = conn.execute(query).all()
    lonlat = np.array([(r.x, r.y) for r in rows], dtype=float).reshape(-1, 2)
    return lonlat, np.array([r.households for r in rows], dtype=float)


def save_network(conn: Connection, *, network: WalkNetwork) -> tuple[str, bool]:
    """Store a network (unless its version is stored) and make it current; (version, new)."""
    conn.execute(update(WalkNetworkRow).values(is_current=False))
    found = conn.execute(
        update(WalkNetworkRow)
        .where(WalkNetworkRow.version == network.version)
        .values(is_current=True)
        .returning(WalkNetworkRow.id)
    ).first()
    if found is not None:
        return network.version, False
    network_id = conn.execute(
        insert(WalkNetworkRow)
        .values(
            version=network.version,
            name=network.name,
            node_count=network.node_count,
            edge_count=network.edge_count,
            is_current=True,
        )
        .returning(WalkNetworkRow.id)
    ).scalar_one()
    conn.execute(insert(WalkEdge), _edge_rows(network, int(network_id)))
    return network.version, True


def _edge_rows(network: WalkNetwork, network_id: int) -> list[dict[str, Any]]:
    lines = shapely.to_wkt(
        shapely.linestrings(network.lonlat[np.stack([network.u, network.v], 1)]),
        rounding_precision=8,
    )
    return [
        {
            "network_id": network_id,
            "seq": i,
            "u": int(network.node_ids[network.u[i]]),
            "v": int(network.node_ids[network.v[i]]),
            "length_m": float(network.length_m[i]),
            "geom": f"SRID={STORAGE_SRID};{wkt}",
        }
        for i, wkt in enumerate(lines)
    ]


def current_network(conn: Connection) -> StoredNetwork | None:
    """The current network (version, name, counts, load time), or None."""
    fields = [getattr(WalkNetworkRow, f) for f in StoredNetwork.__dataclass_fields__]
    row = conn.execute(select(*fields).where(WalkNetworkRow.is_current)).first()
    return StoredNetwork(*row) if row is not None else None


def load_network(conn: Connection, *, version: str) -> WalkNetwork:
    """Rebuild a stored network (`NotFound` when no such version)."""
    query = text(
        "SELECT n.name, e.u, e.v, ST_X(ST_StartPoint(e.geom)) ux, ST_Y(ST_StartPoint(e.geom)) uy, "
        "ST_X(ST_EndPoint(e.geom)) vx, ST_Y(ST_EndPoint(e.geom)) vy FROM walk_edges e "
        "JOIN walk_networks n ON n.id = e.network_id WHERE n.version = :v ORDER BY e.seq"
    )
    rows = conn.execute(query, {"v": version}).all()
    if not rows:
        raise NotFound(f"network: no walking network {version!r}")
    pairs = np.array([(r.u, r.v) for r in rows], dtype=np.int64)
    coords = np.array([(r.ux, r.uy, r.vx, r.vy) for r in rows], dtype=float).reshape(-1, 2, 2)
    ids, first = np.unique(pairs.ravel(), return_index=True)
    lonlat = coords.reshape(-1, 2)[first]
    edges = np.searchsorted(ids, pairs)
    return network_from_edges(
        lonlat, edges[:, 0], edges[:, 1], node_ids=ids, name=rows[0].name, version=version
    )


def network_lines(conn: Connection, *, version: str, bbox: BBox) -> np.ndarray:
    """The edges of network ``version`` that meet a (w, s, e, n) box, as EPSG:4326 LineStrings.

    In stored order; an unknown version has none.
    """
    box = f"ST_MakeEnvelope(:w, :s, :e, :n, {STORAGE_SRID})"
    query = text(
        "SELECT ST_AsBinary(e.geom) wkb FROM walk_edges e "
        "JOIN walk_networks n ON n.id = e.network_id WHERE n.version = :v "
        f"AND e.geom && {box} AND ST_Intersects(e.geom, {box}) ORDER BY e.seq"
    )
    rows = conn.execute(query, {"v": version, **dict(zip("wsen", bbox, strict=True))}).all()
    return np.asarray(shapely.from_wkb([bytes(r.wkb) for r in rows]), dtype=object)


def cached_isochrones(
    conn: Connection, *, station_ids: list[int], version: str, speed_kmh: float, buffer_m: float
) -> dict[tuple[int, float], shapely.Geometry]:
    """Cached isochrones of these stations: ``{(station_id, minutes): MultiPolygon}``."""
    query = text(
        "SELECT station_id, minutes, ST_AsBinary(geom) wkb FROM station_isochrones "
        "WHERE station_id = ANY(:ids) AND network_version = :v AND speed_kmh = :s "
        "AND buffer_m = :b"
    )
    params = {"ids": station_ids, "v": version, "s": speed_kmh, "b": buffer_m}
    return {
        (int(r.station_id), float(r.minutes)): shapely.from_wkb(bytes(r.wkb))
        for r in conn.execute(query, params)
    }


def _multi(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.multipolygons(shapely.get_parts(geom))


def store_isochrones(
    conn: Connection,
    *,
    rows: list[tuple[int, float, shapely.Geometry]],
    version: str,
    speed_kmh: float,
    buffer_m: float,
) -> None:
    """Cache isochrones given as (station_id, minutes, EPSG:4326 polygon)."""
    if not rows:
        return
    values = [
        {
            "station_id": station_id,
            "network_version": version,
            "speed_kmh": speed_kmh,
            "minutes": minutes,
            "buffer_m": buffer_m,
            "geom": f"SRID={STORAGE_SRID};{shapely.to_wkt(_multi(geom), rounding_precision=12)}",
        }
        for station_id, minutes, geom in rows
    ]
    conn.execute(pg_insert(StationIsochrone).on_conflict_do_nothing(), values)
