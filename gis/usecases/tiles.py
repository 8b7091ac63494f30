"""Vector tiles: one tile of a collection, with the tag that validates a cached copy.

The tag and the tile are read from one REPEATABLE READ snapshot, so a tile is never labelled
with a version it was not drawn from; a caller that already holds the current tag gets no
content (HTTP: 304) and the tile is not drawn at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from gis.db import tiles as tile_sql
from gis.tiles import Tile, TileCollection, tile_tag
from gis.usecases.runtime import Runtime


@dataclass(frozen=True)
class TileAnswer:
    """A tile's tag, and its MVT bytes (None: the caller's copy is current; b"": no feature)."""

    tag: str
    content: bytes | None


def vector_tile(
    rt: Runtime, *, collection: TileCollection, tile: Tile, known: frozenset[str] = frozenset()
) -> TileAnswer:
    """The MVT of ``tile`` of ``collection``, unless its current tag is among ``known``.

    ``known`` holds the tags of the copies the caller has (``*``: any copy at all).
    """
    with rt.read() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            version = tile_sql.tiles_version(conn, stations=collection.level is None)
            tag = tile_tag(version, collection.id, tile)
            if tag in known or "*" in known:
                return TileAnswer(tag, None)
            if tile.z < collection.min_zoom:  # a pixel an area: the level above shows it
                return TileAnswer(tag, b"")
            if collection.level is None:
                return TileAnswer(tag, tile_sql.station_tile(conn, tile=tile))
            content = tile_sql.area_tile(
                conn, level=collection.level, tile=tile, layer=collection.id
            )
            return TileAnswer(tag, content)
