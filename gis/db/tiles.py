"""SQL for vector tiles (MVT): one tile of the current areas of a level, or of the stations.

A tile is drawn by PostGIS: ``ST_AsMVT`` over ``ST_AsMVTGeom`` of the rows whose geometry meets
the tile's envelope (widened by the buffer), found through the GiST index on ``areas.geom``
(``geom && ST_Transform(ST_TileEnvelope(z, x, y, margin), 4326)``: the Web Mercator envelope is
a longitude/latitude rectangle too, so the transformed envelope is exact).

Simplification keeps the coverage: neighbouring areas still meet, with no gap and no overlap.
Every step is a function of each vertex alone, never of the polygon it belongs to, so a vertex
two neighbours share lands on the same point in both:

- ``ST_AsMVTGeom`` quantises every vertex to the tile's 4096 × 4096 grid;
- below `SNAP_BELOW_ZOOM`, before clipping, ``ST_SnapToGrid`` moves every vertex to the tile's
  pixel grid (256 × 256, aligned with the tile's corner, so with the MVT grid too) and
  ``ST_RemoveRepeatedPoints`` drops the vertices that fell together, so a low-zoom tile of a
  city holds a few vertices a pixel instead of every vertex of every boundary. Areas smaller
  than a pixel collapse and are left out, as ``ST_AsMVTGeom`` drops empty results.

Per-polygon Douglas–Peucker (``ST_Simplify``) is not used: it would drop a shared vertex in one
neighbour and keep it in the other, opening slivers between them. PostGIS 3.3 has no
``ST_CoverageSimplify`` (3.4+); the per-vertex grid above needs none.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from gis.areas import Level
from gis.db.lookup import areas_version
from gis.tiles import MAX_FEATURES, MVT_BUFFER, MVT_EXTENT, Tile

SNAP_BELOW_ZOOM = 12
"""Below this zoom, vertices are snapped to the pixel grid first (a pixel is ≥ 38 m)."""
PIXELS = 256

_BOUNDS = f"""
WITH bounds AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {MVT_BUFFER / MVT_EXTENT}),
                        4326) AS search
)"""

_AREA_TILE = text(f"""{_BOUNDS},
shapes AS (
    SELECT a.code, a.name, a.parent_code, a.households,
           CASE WHEN :snap THEN ST_RemoveRepeatedPoints(ST_SnapToGrid(
                    ST_Transform(a.geom, 3857),
                    ST_SetSRID(ST_MakePoint(ST_XMin(b.tile), ST_YMax(b.tile)), 3857),
                    (ST_XMax(b.tile) - ST_XMin(b.tile)) / {PIXELS},
                    (ST_YMax(b.tile) - ST_YMin(b.tile)) / {PIXELS}, 0, 0))
                ELSE ST_Transform(a.geom, 3857) END AS geom,
           b.tile
    FROM areas a, bounds b
    WHERE a.level = :level AND a.valid_to IS NULL AND a.geom && b.search
    LIMIT :limit
), features AS (
    SELECT code, name, parent_code, households,
           ST_AsMVTGeom(geom, tile::box2d, {MVT_EXTENT}, {MVT_BUFFER}, true) AS geom
    FROM shapes
)
SELECT ST_AsMVT(features.*, :layer, {MVT_EXTENT}, 'geom')
FROM features WHERE geom IS NOT NULL""")

_STATION_TILE = text(f"""{_BOUNDS},
features AS (
    SELECT s.id, s.name, s.type,
           ST_AsMVTGeom(ST_Transform(s.geom, 3857), b.tile::box2d, {MVT_EXTENT}, {MVT_BUFFER},
                        true) AS geom
    FROM stations s, bounds b
    WHERE s.geom && b.search
    LIMIT :limit
)
SELECT ST_AsMVT(features.*, 'stations', {MVT_EXTENT}, 'geom')
FROM features WHERE geom IS NOT NULL""")

_AREAS_IN_TILE = text(f"""{_BOUNDS}
SELECT a.code, a.name, a.households FROM areas a, bounds b
WHERE a.level = :level AND a.valid_to IS NULL AND a.geom && b.search
ORDER BY a.code
LIMIT :limit""")

_STATIONS_VERSION = text(
    "SELECT concat_ws('-', count(*), max(id), extract(epoch FROM max(updated_at))) FROM stations"
)


def area_tile(conn: Connection, *, level: Level, tile: Tile, layer: str) -> bytes:
    """The MVT of the current areas of ``level`` in ``tile`` (empty bytes when none is in it).

    The layer ``layer`` holds each area's code, name, parent_code and households.
    """
    params = {
        "z": tile.z,
        "x": tile.x,
        "y": tile.y,
        "level": level.value,
        "layer": layer,
        "snap": tile.z < SNAP_BELOW_ZOOM,
        "limit": MAX_FEATURES,
    }
    return bytes(conn.execute(_AREA_TILE, params).scalar_one() or b"")


def areas_in_tile(
    conn: Connection, *, level: Level, tile: Tile
) -> list[tuple[str, str, int | None]]:
    """Code, name and households of the current areas of ``level`` whose box meets ``tile``.

    The same search as `area_tile` (at most `MAX_FEATURES`), so every area the tile draws is
    among them; a few beside it may be too.
    """
    params = {"z": tile.z, "x": tile.x, "y": tile.y, "level": level.value, "limit": MAX_FEATURES}
    return [(r.code, r.name, r.households) for r in conn.execute(_AREAS_IN_TILE, params)]


def station_tile(conn: Connection, *, tile: Tile) -> bytes:
    """The MVT of the stations in ``tile`` (layer ``stations``: id, name, type)."""
    params = {"z": tile.z, "x": tile.x, "y": tile.y, "limit": MAX_FEATURES}
    return bytes(conn.execute(_STATION_TILE, params).scalar_one() or b"")


def tiles_version(conn: Connection, *, stations: bool) -> str:
    """The version of the data behind a collection's tiles: it moves whenever they change.

    Areas: ``store_meta.areas_version`` (bumped by every change to ``areas``). Stations:
    their count, highest id and last update time.
    """
    if stations:
        return "stations-" + str(conn.execute(_STATIONS_VERSION).scalar_one())
    return f"areas-{areas_version(conn)}"
