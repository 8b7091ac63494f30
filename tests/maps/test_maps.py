"""Folium object state of the map pages (layers, bounds, styles, legend, assets), as geopandas tests explore()."""

import re
from datetime import UTC, datetime

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis.crs import wgs84_to_gcj02
from gis.errors import InvalidInput
from gis.incidents.records import Incident
from maps.assets import inline_assets, local_url
from maps.base import Legend, map_options
from maps.grids import grid_map, short_label
from maps.hazards import hazard_map


def layers(page: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {c.layer_name: c for c in page._children.values() if isinstance(c, folium.FeatureGroup)}


def geojson_of(group: folium.FeatureGroup) -> dict:
    (layer,) = [c for c in group._children.values() if isinstance(c, folium.GeoJson)]
    return layer.data


def test_grid_map_layers_by_level(areas: gpd.GeoDataFrame) -> None:
    page = grid_map(areas, map_options())
    assert list(layers(page)) == ["区/县", "街道/乡镇", "社区/村", "网格", "标注"]
    assert len(geojson_of(layers(page)["网格"])["features"]) == 23
    assert len(geojson_of(layers(page)["社区/村"])["features"]) == 6
    assert any(isinstance(c, folium.LayerControl) for c in page._children.values())


def test_grid_map_fits_the_areas(areas: gpd.GeoDataFrame) -> None:
    page = grid_map(areas, map_options())
    west, south, east, north = areas.total_bounds
    (fit,) = [c for c in page._children.values() if isinstance(c, folium.map.FitBounds)]
    assert fit.bounds == [[south, west], [north, east]]


def test_outline_weights_grow_with_level(areas: gpd.GeoDataFrame) -> None:
    page = grid_map(areas, map_options())
    weights = []
    for name in ["网格", "社区/村", "街道/乡镇", "区/县"]:
        (layer,) = [
            c for c in layers(page)[name]._children.values() if isinstance(c, folium.GeoJson)
        ]
        weights.append(layer.style_function({"properties": {"fill": "#fff"}})["weight"])
    assert weights == sorted(weights) and weights[0] < weights[-1]


def test_choropleth_classes_and_legend(areas: gpd.GeoDataFrame) -> None:
    codes = areas.loc[areas["level"] == "grid", "code"]
    measure = pd.Series(np.arange(len(codes), dtype=float), index=codes.to_numpy())
    page = grid_map(areas, map_options("en"), measure=measure, measure_label="Closure rate")
    features = geojson_of(layers(page)["Grids"])["features"]
    assert len({f["properties"]["fill"] for f in features}) == 5
    (legend,) = [c for c in page._children.values() if isinstance(c, Legend)]
    assert legend.title == "Closure rate" and len(legend.entries) == 5


def test_english_labels(areas: gpd.GeoDataFrame) -> None:
    assert list(layers(grid_map(areas, map_options("en")))) == [
        "District",
        "Subdistrict",
        "Community",
        "Grids",
        "Labels",
    ]


def test_short_labels() -> None:
    assert short_label("石油大院社区第02网格") == "第02网格"


def test_every_asset_is_local_and_attribution_shown(areas: gpd.GeoDataFrame) -> None:
    html = grid_map(areas, map_options()).get_root().render()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/static/") for u in urls)
    assert "© OpenStreetMap contributors" in html


def test_unknown_cdn_asset_refused() -> None:
    with pytest.raises(LookupError, match="no local copy"):
        local_url("https://cdn.example.com/some-plugin.js")


def test_standalone_inlines_assets(areas: gpd.GeoDataFrame) -> None:
    html = inline_assets(grid_map(areas, map_options()).get_root().render())
    assert "/static/" not in html and "L.map(" in html and "leaflet" in html.lower()


def test_amap_basemap_shifts_every_layer_to_gcj02(areas: gpd.GeoDataFrame) -> None:
    plain = grid_map(areas, map_options())
    shifted = grid_map(areas, map_options(basemap="amap"))
    a = shapely.geometry.shape(geojson_of(layers(plain)["网格"])["features"][0]["geometry"])
    b = shapely.geometry.shape(geojson_of(layers(shifted)["网格"])["features"][0]["geometry"])
    x, y = a.exterior.coords[0] if a.geom_type == "Polygon" else a.geoms[0].exterior.coords[0]
    gx, gy = wgs84_to_gcj02(x, y)
    first = b.exterior.coords[0] if b.geom_type == "Polygon" else b.geoms[0].exterior.coords[0]
    assert first == pytest.approx((float(gx), float(gy)), abs=1e-9)
    assert any("autonavi" in getattr(c, "tiles", "") for c in shifted._children.values())


def test_tianditu_needs_a_key_and_uses_vec_and_cva(areas: gpd.GeoDataFrame) -> None:
    with pytest.raises(InvalidInput, match="tk: the tianditu basemap needs a key"):
        map_options(basemap="tianditu")
    page = grid_map(areas, map_options(basemap="tianditu", tianditu_tk="KEY123"))
    tiles = [c.tiles for c in page._children.values() if isinstance(c, folium.TileLayer)]
    assert len(tiles) == 2 and all("tk=KEY123" in t for t in tiles)
    assert "LAYER=vec" in tiles[0] and "LAYER=cva" in tiles[1]


@pytest.mark.parametrize(("field", "value"), [("lang", "fr"), ("basemap", "google")])
def test_bad_options(field: str, value: str) -> None:
    with pytest.raises(InvalidInput, match=f"{field}: '{value}'"):
        map_options(**{field: value})


def test_hazard_map_layers_and_status_colours(areas: gpd.GeoDataFrame) -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    times = {"reported_at": t, "updated_at": t, "due_at": t}
    incidents = [
        Incident(1, "hazard", "reported", lon=116.3553, lat=40.0073, **times),
        Incident(2, "hazard", "closed", lon=116.3561, lat=40.0069, **times),
        Incident(3, "hazard", "needs_location", **times),
    ]
    page = hazard_map(areas, incidents, map_options())
    names = [getattr(c, "layer_name", None) for c in page._children.values()]
    assert "事件" in names and "热力图" in names
    cluster = next(c for c in page._children.values() if getattr(c, "layer_name", "") == "事件")
    assert [row[2] for row in cluster.data] == [1, 0]  # status index: closed=0, reported=1
    assert "#d62728" in cluster.callback and "#1f77b4" in cluster.callback  # unplaced skipped
    heat = next(c for c in page._children.values() if getattr(c, "layer_name", "") == "热力图")
    assert heat.show is False and len(heat.data) == 2


def test_names_are_escaped_before_folium_puts_them_in_html(areas: gpd.GeoDataFrame) -> None:
    hostile = areas.copy()
    hostile.loc[hostile["level"] == "grid", "name"] = '<img src=x onerror="alert(1)">'
    hostile["attributes"] = [{"worker": "<script>alert(2)</script>"}] * len(hostile)
    html = grid_map(hostile, map_options()).get_root().render()
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert "\\u0026lt;img src=x" in html or "&lt;img src=x" in html


def test_item22_grids_without_data_get_a_no_data_class(areas: gpd.GeoDataFrame) -> None:
    """Issue 11, item 22: a rate over 0 households is "no data", never "0 – nan"."""
    codes = areas.loc[areas["level"] == "grid", "code"].to_numpy()
    values = np.zeros(len(codes))
    values[0], values[1] = np.inf, np.nan
    page = grid_map(areas, map_options("en"), measure=pd.Series(values, index=codes))
    (legend,) = [c for c in page._children.values() if isinstance(c, Legend)]
    assert legend.entries == [("#fff5eb", "0"), ("#ddd", "No data")]
    fills = {f["properties"]["fill"] for f in geojson_of(layers(page)["Grids"])["features"]}
    assert fills == {"#fff5eb", "#ddd"}


def test_item22_every_page_has_a_title(areas: gpd.GeoDataFrame) -> None:
    """Issue 11, item 22: every page has a <title> (in its language)."""
    t = datetime(2026, 1, 1, tzinfo=UTC)
    pages = {
        "网格地图 · gridmap": grid_map(areas, map_options()),
        "Hazard map · gridmap": hazard_map(
            areas,
            [Incident(1, "hazard", "reported", t, t, t, lon=116.35, lat=40.0)],
            map_options("en"),
        ),
    }
    for title, page in pages.items():
        assert f"<title>{title}</title>" in page.get_root().render()
