"""Vector tiles of the areas and stations: collections, the tile matrix set, tile addresses.

Pure values for ``/ogc/collections/{id}/tiles``: which collections have tiles (one per area
level, and the stations), the WebMercatorQuad tile matrix set (from `morecantile`, the OGC
definition, not a hand-written copy), the parser of a tile's ``{z}/{x}/{y}`` and the version tag
a cached tile is validated by. The SQL that draws a tile is in `gis.db.tiles`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import morecantile

from gis.areas import Level
from gis.errors import InvalidInput, NotFound

TMS_ID = "WebMercatorQuad"
MAX_ZOOM = 22
"""The deepest zoom served: ~4 cm a pixel, more than any boundary's precision."""
MVT_EXTENT = 4096
"""Tile coordinates per tile side (the MVT default): a vertex is snapped to 1/16 pixel."""
MVT_BUFFER = 64
"""Tile units drawn beyond each edge, so that outlines do not stop short at tile seams."""
MAX_FEATURES = 50_000
"""The most features one tile holds (the largest first): a province's z=8 tile stays small."""


@dataclass(frozen=True)
class TileCollection:
    """A collection with vector tiles: an area level, or the stations (``level`` None).

    ``min_zoom``: the first zoom its tiles hold features. Below it an area is a pixel or two,
    and a province's tile would hold hundreds of thousands of them (or an arbitrary
    `MAX_FEATURES` of them): the level above is what such a map shows. Shallower tiles are
    empty (HTTP 204), and the tileset says where its features start.
    """

    id: str
    title: str
    level: Level | None
    min_zoom: int = 0


COLLECTIONS = {
    "districts": TileCollection("districts", "区 Districts", Level.DISTRICT),
    "subdistricts": TileCollection("subdistricts", "街道 Subdistricts", Level.SUBDISTRICT, 8),
    "communities": TileCollection("communities", "社区 Communities", Level.COMMUNITY, 10),
    "grids": TileCollection("grids", "网格 Grids", Level.GRID, 12),
    "stations": TileCollection("stations", "服务站点 Stations", None, 12),
}
COLLECTION_OF = {c.level: c.id for c in COLLECTIONS.values() if c.level is not None}
"""The tile collection of each area level."""


@dataclass(frozen=True)
class Tile:
    """A tile of WebMercatorQuad: zoom (tile matrix), column ``x`` and row ``y``."""

    z: int
    x: int
    y: int


def collection(collection_id: str) -> TileCollection:
    """The collection named ``collection_id`` (`NotFound` for any other).

    Examples
    --------
    >>> collection("grids").level
    <Level.GRID: 'grid'>
    >>> collection("roads")
    Traceback (most recent call last):
    ...
    gis.errors.NotFound: collection_id: no collection 'roads' (districts, subdistricts, ...)
    """
    found = COLLECTIONS.get(collection_id)
    if found is None:
        names = ", ".join(list(COLLECTIONS)[:2])
        raise NotFound(f"collection_id: no collection {collection_id!r} ({names}, ...)")
    return found


def tile_matrix_set(tms_id: str) -> morecantile.TileMatrixSet:
    """The one tile matrix set served, WebMercatorQuad (`NotFound` for any other)."""
    if tms_id != TMS_ID:
        raise NotFound(f"tileMatrixSetId: only {TMS_ID} is served, not {tms_id!r}")
    return morecantile.tms.get(TMS_ID)


def tms_document() -> dict[str, Any]:
    """The OGC JSON of WebMercatorQuad (OGC 17-083r4), as `morecantile` defines it."""
    return tile_matrix_set(TMS_ID).model_dump(mode="json", exclude_none=True, by_alias=True)


def _index(value: str, name: str) -> int:
    if not value.isdigit() or len(value) > 8:
        raise InvalidInput(f"{name}: {value!r} is not a whole number from 0")
    return int(value)


def parse_tile(z: str, x: str, y: str) -> Tile:
    """A tile from the path's text (`InvalidInput` if not a number; `NotFound` off the matrix).

    A zoom over `MAX_ZOOM`, or a column or row of ``2**z`` or more, names no tile of the
    tileset (404); a negative or non-numeric value is malformed (400).

    Examples
    --------
    >>> parse_tile("14", "13492", "6201")
    Tile(z=14, x=13492, y=6201)
    >>> parse_tile("2", "4", "0")
    Traceback (most recent call last):
    ...
    gis.errors.NotFound: tileCol: 4 is outside tile matrix 2 (0 to 3)
    >>> parse_tile("1", "-1", "0")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: tileCol: '-1' is not a whole number from 0
    """
    zoom = _index(z, "tileMatrix")
    if zoom > MAX_ZOOM:
        raise NotFound(f"tileMatrix: {zoom} is over the deepest zoom served, {MAX_ZOOM}")
    column, row = _index(x, "tileCol"), _index(y, "tileRow")
    for name, value in (("tileCol", column), ("tileRow", row)):
        if value >= 2**zoom:
            raise NotFound(f"{name}: {value} is outside tile matrix {zoom} (0 to {2**zoom - 1})")
    return Tile(zoom, column, row)


def tile_tag(version: str, collection_id: str, tile: Tile) -> str:
    """The entity tag of a tile: its collection's data version and its address, hashed.

    Examples
    --------
    >>> tile_tag("7", "grids", Tile(0, 0, 0)) == tile_tag("7", "grids", Tile(0, 0, 0))
    True
    >>> tile_tag("7", "grids", Tile(0, 0, 0)) == tile_tag("8", "grids", Tile(0, 0, 0))
    False
    """
    key = f"{version}/{collection_id}/{tile.z}/{tile.x}/{tile.y}".encode()
    return '"' + hashlib.sha256(key).hexdigest()[:32] + '"'
