"""Issue 15: grid labels that do not collide, communities named, legends that never say nan."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from maps.base import HideBelowZoom, Legend, map_options
from maps.grids import classes, community_label, grid_map
from maps.labels import boxes, free_zoom, overlapping, text_width

LABEL = re.compile(r'<div class="([^"]+)"[^>]*>([^<]+)</div>')


@pytest.fixture(scope="module")
def page(areas: gpd.GeoDataFrame) -> folium.Map:
    return grid_map(areas, map_options())


def groups(page: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {c.layer_name: c for c in page._children.values() if isinstance(c, folium.FeatureGroup)}


def labels_in(group: folium.FeatureGroup) -> list[tuple[float, float, str, str]]:
    """(lon, lat, classes, text) of each label marker of a layer."""
    found = []
    for marker in group._children.values():
        if isinstance(marker, folium.Marker):
            (icon,) = [c for c in marker._children.values() if isinstance(c, folium.DivIcon)]
            css, text = LABEL.fullmatch(icon.options["html"]).groups()
            found.append((marker.location[1], marker.location[0], css, text))
    return found


def zooms(page: folium.Map) -> dict[str, int]:
    return {c.flag: c.zoom for c in page._children.values() if isinstance(c, HideBelowZoom)}


def test_grid_labels_are_short_names_inside_their_grids(
    page: folium.Map, areas: gpd.GeoDataFrame
) -> None:
    grids = areas[areas["level"] == "grid"]
    found = labels_in(groups(page)["标注"])
    assert [text for *_, text in found] == [re.sub(r"^.*社区", "", n) for n in grids["name"]]
    assert all(re.fullmatch(r"第\d\d网格", text) for *_, text in found)
    points = shapely.points([(lon, lat) for lon, lat, *_ in found])
    assert shapely.contains(grids.geometry.to_numpy(), points).all()
    assert all("gm-far" in css.split() for _, _, css, _ in found)


def test_no_two_grid_labels_overlap_from_the_zoom_they_show(page: folium.Map) -> None:
    found = labels_in(groups(page)["标注"])
    lon, lat = [f[0] for f in found], [f[1] for f in found]
    widths = [text_width(text) for *_, text in found]
    shown_from = zooms(page)["gm-zoomed-out"]
    for zoom in range(shown_from, 21):
        assert overlapping(boxes(lon, lat, widths, zoom)) == [], zoom
    # the least such zoom: one level out, some would cover others (第12网格 over 第08网格 did)
    assert overlapping(boxes(lon, lat, widths, shown_from - 1))
    assert 14 <= shown_from <= 18


def test_communities_are_named_on_their_layer_while_zoomed_out(
    page: folium.Map, areas: gpd.GeoDataFrame
) -> None:
    found = labels_in(groups(page)["社区/村"])
    names = areas.loc[areas["level"] == "community", "name"]
    assert [text for *_, text in found] == [community_label(n) for n in names]
    assert "石油大院社区" in [text for *_, text in found]
    assert all({"gm-near", "gm-community"} <= set(css.split()) for _, _, css, _ in found)
    lon, lat = [f[0] for f in found], [f[1] for f in found]
    widths = [text_width(text, 13) for *_, text in found]
    far = zooms(page)["gm-zoomed-far"]
    assert far < zooms(page)["gm-zoomed-out"]  # some zooms show the communities' names
    assert overlapping(boxes(lon, lat, widths, far)) == []


def test_the_popup_names_the_community(page: folium.Map) -> None:
    (layer,) = [c for c in groups(page)["网格"]._children.values() if isinstance(c, folium.GeoJson)]
    (popup,) = [c for c in layer._children.values() if isinstance(c, folium.GeoJsonPopup)]
    assert "community" in popup.fields and "社区" in popup.aliases
    shown = {f["properties"]["code"]: f["properties"]["community"] for f in layer.data["features"]}
    assert shown["110108010018001"] == "石油大院社区"
    assert shown["110108010024003"] == "静淑苑社区"


def test_labels_of_points_apart_need_a_zoom_and_of_one_point_none() -> None:
    assert free_zoom([116.35, 116.35], [40.0, 40.0001], [50.0, 50.0]) == 18  # 11 m apart
    assert free_zoom([116.35, 116.4], [40.0, 40.0], [50.0, 50.0]) <= 11


@pytest.mark.parametrize(
    "values",
    [
        [0.0] * 23,
        [np.nan] * 23,
        [np.inf, 0.0] + [np.nan] * 21,
        [None] * 23,
        [0.0, 0.0, 0.0, 5.0] + [np.nan] * 19,
    ],
)
def test_legends_never_say_nan(areas: gpd.GeoDataFrame, values: list) -> None:
    codes = areas.loc[areas["level"] == "grid", "code"].to_numpy()
    measure = pd.Series(values, index=codes, dtype=float)
    page = grid_map(areas, map_options(), measure=measure, measure_label="每百户事件数")
    (legend,) = [c for c in page._children.values() if isinstance(c, Legend)]
    assert not any("nan" in label.lower() or "inf" in label.lower() for _, label in legend.entries)
    assert legend.entries, values
    rendered = legend._template.module.html(legend, {})
    assert "nan" not in rendered.lower()
    (layer,) = [c for c in groups(page)["网格"]._children.values() if isinstance(c, folium.GeoJson)]
    assert all(
        f["properties"]["measure"] is None or np.isfinite(f["properties"]["measure"])
        for f in layer.data["features"]
    )


def test_classes_of_only_zeros_and_of_nothing() -> None:
    assert classes(pd.Series([0.0, 0.0]))[1] == [("#fff5eb", "0")]
    assert classes(pd.Series([np.nan, np.inf]), "无数据")[1] == [("#ddd", "无数据")]
    assert classes(pd.Series([], dtype=float))[1] == []
