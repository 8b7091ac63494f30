"""OGC API - Tiles: vector tiles (MVT) of the areas of each level and of the stations.

``/ogc/collections/{collection_id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}``
(zoom, then row ``y``, then column ``x``, as OGC API - Tiles orders them) answers an MVT drawn
by PostGIS (`gis.db.tiles`), tagged with the data version (``ETag``; ``If-None-Match`` → 304)
and cacheable by anyone (the areas are public, like ``GET /areas``). A tile with no feature is
204 No Content. The tileset and tile matrix set documents say how to build the tile URLs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse, Response

from api.access import Public
from api.deps import Rt
from gis.tiles import (
    COLLECTIONS,
    MAX_ZOOM,
    TMS_ID,
    TileCollection,
    collection,
    parse_tile,
    tile_matrix_set,
    tms_document,
)
from gis.usecases.tiles import vector_tile

router = APIRouter(prefix="/ogc", tags=["ogc tiles"])
MVT = "application/vnd.mapbox-vector-tile"
CACHE = "public, max-age=300, must-revalidate"
"""Browsers keep a tile five minutes, then ask again with its tag (a 304 costs one query)."""
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
CollectionId = Annotated[str, Path(description=", ".join(COLLECTIONS))]
TmsId = Annotated[str, Path(description=TMS_ID)]
MVT_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": {MVT: {"schema": {"type": "string", "format": "binary"}}}},
    204: {"description": "no feature in this tile"},
    304: {"description": "the copy named by If-None-Match is current"},
    404: {"description": "no such collection, or the tile is outside the tile matrix"},
}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _tileset_link(request: Request, found: TileCollection) -> dict[str, Any]:
    return {
        "rel": "http://www.opengis.net/def/rel/ogc/1.0/tileset-vector",
        "type": "application/json",
        "title": f"{found.title}: {TMS_ID}",
        "href": f"{_base(request)}/collections/{found.id}/tiles/{TMS_ID}",
    }


@router.get("/collections/{collection_id}/tiles")
def tilesets(request: Request, _: Public, collection_id: CollectionId) -> dict[str, Any]:
    """The tilesets of a collection: its vector tiles in WebMercatorQuad."""
    found = collection(collection_id)
    links = [
        _tileset_link(request, found),
        {"rel": TILING_SCHEME, "href": f"{_base(request)}/tileMatrixSets/{TMS_ID}"},
    ]
    return {
        "tilesets": [{"title": found.title, "dataType": "vector", "crs": _crs(), "links": links}]
    }


def _crs() -> str:
    return str(tile_matrix_set(TMS_ID).crs)


@router.get("/collections/{collection_id}/tiles/{tile_matrix_set_id}")
def tileset(
    request: Request,
    _: Public,
    collection_id: CollectionId,
    tile_matrix_set_id: TmsId,
) -> dict[str, Any]:
    """A tileset: its tile matrix set, zooms and the templated URL of its tiles."""
    found, tms = collection(collection_id), tile_matrix_set(tile_matrix_set_id)
    base = f"{_base(request)}/collections/{found.id}/tiles/{TMS_ID}"
    return {
        "title": found.title,
        "dataType": "vector",
        "crs": _crs(),
        "tileMatrixSetURI": str(tms.uri),
        "minzoom": found.min_zoom,
        "maxzoom": MAX_ZOOM,
        "layers": [
            {
                "id": found.id,
                "dataType": "vector",
                "geometryType": "polygons" if found.level else "points",
                "minTileMatrix": str(found.min_zoom),
                "maxTileMatrix": str(MAX_ZOOM),
            }
        ],
        "links": [
            {"rel": "self", "type": "application/json", "href": base},
            {"rel": TILING_SCHEME, "href": f"{_base(request)}/tileMatrixSets/{TMS_ID}"},
            {
                "rel": "item",
                "type": MVT,
                "templated": True,
                "href": base + "/{tileMatrix}/{tileRow}/{tileCol}",
            },
        ],
    }


@router.get(
    "/collections/{collection_id}/tiles/{tile_matrix_set_id}/{tile_matrix}/{tile_row}/{tile_col}",
    response_class=Response,
    responses=MVT_ANSWERS,
)
def tile(
    rt: Rt,
    _: Public,
    collection_id: CollectionId,
    tile_matrix_set_id: TmsId,
    tile_matrix: Annotated[str, Path(description=f"zoom, 0 to {MAX_ZOOM}")],
    tile_row: Annotated[str, Path(description="row y, 0 to 2^zoom − 1")],
    tile_col: Annotated[str, Path(description="column x, 0 to 2^zoom − 1")],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One vector tile (MVT); 204 when no feature is in it, 304 when the copy is current."""
    found = collection(collection_id)
    tile_matrix_set(tile_matrix_set_id)
    address = parse_tile(tile_matrix, tile_col, tile_row)
    answer = vector_tile(rt, collection=found, tile=address, known=_tags(if_none_match))
    headers = {"ETag": answer.tag, "Cache-Control": CACHE}
    if answer.content is None:
        return Response(status_code=304, headers=headers)
    if not answer.content:
        return Response(status_code=204, headers=headers)
    return Response(answer.content, media_type=MVT, headers=headers)


def _tags(header: str | None) -> frozenset[str]:
    """The entity tags of an ``If-None-Match`` header (weak ones compared as strong)."""
    if not header:
        return frozenset()
    return frozenset(part.strip().removeprefix("W/") for part in header.split(","))


@router.get("/tileMatrixSets")
def tile_matrix_sets(request: Request, _: Public) -> dict[str, Any]:
    """The tile matrix sets served: WebMercatorQuad."""
    tms = tile_matrix_set(TMS_ID)
    href = f"{_base(request)}/tileMatrixSets/{TMS_ID}"
    links = [{"rel": "self", "type": "application/json", "href": href}]
    return {
        "tileMatrixSets": [{"id": TMS_ID, "title": tms.title, "uri": str(tms.uri), "links": links}]
    }


@router.get("/tileMatrixSets/{tile_matrix_set_id}")
def tile_matrix_set_document(_: Public, tile_matrix_set_id: TmsId) -> JSONResponse:
    """The definition of a tile matrix set (OGC Two Dimensional Tile Matrix Set, JSON)."""
    tile_matrix_set(tile_matrix_set_id)
    return JSONResponse(tms_document())
