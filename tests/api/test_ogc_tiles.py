"""Issue 16: vector tiles (MVT) of the areas and stations, OGC API - Tiles style."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mapbox_vector_tile
import morecantile
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import text

from gis.usecases.runtime import Runtime

WMQ = morecantile.tms.get("WebMercatorQuad")
TILES = "/ogc/collections/{}/tiles/WebMercatorQuad/{}/{}/{}"  # zoom, row (y), column (x)
MVT = "application/vnd.mapbox-vector-tile"
CENTRE = (116.3515, 40.0035)  # among the sample's grids (学院路)


def _tile_url(collection: str, tile: morecantile.Tile) -> str:
    return TILES.format(collection, tile.z, tile.y, tile.x)


def _areas(client: TestClient, level: str) -> list[dict[str, Any]]:
    found = client.get("/areas", params={"level": level})
    assert found.status_code == 200
    features: list[dict[str, Any]] = found.json()["features"]
    return features


def _codes_meeting(features: list[dict[str, Any]], bounds: tuple[float, ...]) -> set[str]:
    box = shapely.box(*bounds)
    return {
        f["properties"]["code"]
        for f in features
        if shapely.geometry.shape(f["geometry"]).intersects(box)
    }


def _decoded(content: bytes, layer: str) -> list[dict[str, Any]]:
    tile = mapbox_vector_tile.decode(content)
    assert list(tile) == [layer]
    assert tile[layer]["extent"] == 4096
    features: list[dict[str, Any]] = tile[layer]["features"]
    return features


def test_issue16_a_tile_holds_the_grids_it_meets(sample_client: TestClient) -> None:
    tile = WMQ.tile(*CENTRE, 15)
    answer = sample_client.get(_tile_url("grids", tile))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == MVT
    features = _decoded(answer.content, "grids")
    codes = {f["properties"]["code"] for f in features}
    grids = _areas(sample_client, "grid")
    inside = _codes_meeting(grids, tuple(WMQ.bounds(tile)))
    west, south, east, north = WMQ.bounds(tile)
    margin = (east - west) * 64 / 4096
    widened = _codes_meeting(grids, (west - margin, south - margin, east + margin, north + margin))
    assert inside and inside <= codes <= widened
    some = features[0]["properties"]
    assert set(some) == {"code", "name", "parent_code", "households"}
    assert len(some["code"]) == 15 and some["parent_code"] == some["code"][:12]


def _polygons(features: list[dict[str, Any]]) -> dict[str, shapely.Geometry]:
    return {
        f["properties"]["code"]: shapely.geometry.shape(f["geometry"]).buffer(0) for f in features
    }


@pytest.mark.parametrize("zoom", [12, 13, 15, 17])
def test_issue16_neighbours_share_their_edges_at_every_zoom(
    sample_client: TestClient, zoom: int
) -> None:
    tile = WMQ.tile(*CENTRE, zoom)
    shapes = _polygons(_decoded(sample_client.get(_tile_url("grids", tile)).content, "grids"))
    frame = shapely.box(0, 0, 4096, 4096)
    clipped = {code: shape.intersection(frame) for code, shape in shapes.items()}
    union = shapely.union_all(list(clipped.values()))
    # no overlap: the pieces' areas add up to their union's; no gap: the union has no hole
    assert sum(s.area for s in clipped.values()) == pytest.approx(union.area, rel=1e-9)
    holes = [ring for part in getattr(union, "geoms", [union]) for ring in part.interiors]
    assert holes == []
    # neighbours meet along a line (identical vertices), not at points only
    codes = sorted(clipped)
    shared = [
        clipped[a].boundary.intersection(clipped[b].boundary).length
        for i, a in enumerate(codes)
        for b in codes[i + 1 :]
        if clipped[a].touches(clipped[b])
    ]
    assert shared and max(shared) > 0


def test_issue16_tiles_are_tagged_by_the_areas_version(
    sample_client: TestClient, rt: Runtime
) -> None:
    url = _tile_url("grids", WMQ.tile(*CENTRE, 14))
    first = sample_client.get(url)
    tag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = sample_client.get(url, headers={"If-None-Match": f'"other", W/{tag}'})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    other = sample_client.get(_tile_url("grids", WMQ.tile(*CENTRE, 15)))
    assert other.headers["etag"] != tag
    with rt.write() as conn:  # what every change to the areas does (migration 0003)
        conn.execute(text("UPDATE store_meta SET areas_version = areas_version + 1"))
    changed = sample_client.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


def test_issue16_a_tile_without_features_is_no_content(sample_client: TestClient) -> None:
    answer = sample_client.get(TILES.format("grids", 5, 0, 0))
    assert answer.status_code == 204 and answer.content == b""
    assert answer.headers["etag"]


def test_issue16_every_level_and_the_stations_have_tiles(sample_client: TestClient) -> None:
    tile = WMQ.tile(*CENTRE, 12)
    for collection in ("districts", "subdistricts", "communities", "grids"):
        answer = sample_client.get(_tile_url(collection, tile))
        assert answer.status_code == 200, collection
        assert _decoded(answer.content, collection)
    stations = sample_client.get(_tile_url("stations", tile))
    assert stations.status_code == 204  # the sample_client fixture loads no station


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (TILES.format("roads", 0, 0, 0), 404, "NotFound"),
        (TILES.format("grids", 23, 0, 0), 404, "NotFound"),
        (TILES.format("grids", 1, 0, 2), 404, "NotFound"),
        (TILES.format("grids", 1, 2, 0), 404, "NotFound"),
        (TILES.format("grids", 1, -1, 0), 400, "InvalidInput"),
        (TILES.format("grids", "x", 0, 0), 400, "InvalidInput"),
        ("/ogc/collections/grids/tiles/WorldCRS84Quad/0/0/0", 404, "NotFound"),
        ("/ogc/collections/roads/tiles", 404, "NotFound"),
        ("/ogc/tileMatrixSets/WorldCRS84Quad", 404, "NotFound"),
    ],
)
def test_issue16_bad_tiles_are_refused(
    sample_client: TestClient, path: str, status: int, code: str
) -> None:
    answer = sample_client.get(path)
    assert answer.status_code == status
    body = answer.json()
    assert body["code"] == code and body["detail"]


def test_issue16_grid_tiles_start_at_their_zoom_and_the_levels_above_earlier(
    sample_client: TestClient,
) -> None:
    """Below zoom 12 a grid is a pixel or two: grid tiles are empty, districts drawn."""
    shallow = WMQ.tile(*CENTRE, 11)
    assert sample_client.get(_tile_url("grids", shallow)).status_code == 204
    assert sample_client.get(_tile_url("districts", WMQ.tile(*CENTRE, 8))).status_code == 200
    assert sample_client.get(_tile_url("grids", WMQ.tile(*CENTRE, 12))).status_code == 200


def test_issue16_the_tileset_says_how_to_fetch_tiles(sample_client: TestClient) -> None:
    listing = sample_client.get("/ogc/collections/grids/tiles").json()
    href = listing["tilesets"][0]["links"][0]["href"]
    tileset = sample_client.get(href).json()
    assert tileset["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    assert (tileset["minzoom"], tileset["maxzoom"]) == (12, 22)  # grids: a pixel or two below
    item = next(link for link in tileset["links"] if link["rel"] == "item")
    assert item["type"] == MVT and item["templated"]
    assert item["href"].endswith("/grids/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
    tile = WMQ.tile(*CENTRE, 15)
    url = item["href"].format(tileMatrix=tile.z, tileRow=tile.y, tileCol=tile.x)
    assert sample_client.get(url).status_code == 200
    sets = sample_client.get("/ogc/tileMatrixSets").json()["tileMatrixSets"]
    assert [s["id"] for s in sets] == ["WebMercatorQuad"]
    document = sample_client.get("/ogc/tileMatrixSets/WebMercatorQuad").json()
    assert document["id"] == "WebMercatorQuad" and len(document["tileMatrices"]) == 25


def test_issue16_gdal_reads_a_tile(sample_client: TestClient, tmp_path: Path) -> None:
    assert "MVT" in pyogrio.list_drivers()
    tile = WMQ.tile(*CENTRE, 15)
    content = sample_client.get(_tile_url("grids", tile)).content
    # GDAL's MVT driver georeferences a single tile named {z}/{x}/{y}.pbf (EPSG:3857)
    path = tmp_path / str(tile.z) / str(tile.x) / f"{tile.y}.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    frame = pyogrio.read_dataframe(f"MVT:{path}", layer="grids")
    assert frame.crs.to_epsg() == 3857
    grids = {f["properties"]["code"]: f for f in _areas(sample_client, "grid")}
    assert set(frame["code"]) <= set(grids) and len(frame) > 0
    for row in frame.to_crs(4326).itertuples():
        original = shapely.geometry.shape(grids[row.code]["geometry"])
        inside = row.geometry.intersection(shapely.box(*WMQ.bounds(tile)))
        if not inside.is_empty:
            assert original.buffer(1e-5).contains(inside.representative_point()), row.code
