"""OGC API – Features as its clients see it (issue 16): GDAL's OAPIF driver and OWSLib.

A real `gridmap serve` over the 学院路 sample (the pattern of ``tests/browser/conftest.py``,
without a browser); GDAL reads every collection through its own driver (pyogrio's bundled
GDAL), the incidents with a bearer token: ``GDAL_HTTP_AUTH=BEARER`` and
``GDAL_HTTP_BEARER=<token>`` (``GDAL_HTTP_HEADERS`` does not reach the OAPIF driver, which
sends its own ``Accept`` headers in their place).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyogrio
import pytest
from owslib.ogcapi.features import Features
from sqlalchemy import Engine

from gis.incidents.report import parse_report
from gis.settings import StoreSettings
from gis.usecases import incidents
from gis.usecases.runtime import running
from gis.usecases.sample import load_sample, load_sample_extras
from tests.browser.conftest import empty_tables, serving
from tests.principals import OWNER, operator_headers

AREAS = ("districts", "subdistricts", "communities", "grids")
PLACES = ((116.34838931209362, 40.00788455), (116.34822298920474, 39.99867375))


@pytest.fixture(scope="module")
def server(store_settings: StoreSettings, engine: Engine) -> Iterator[str]:
    """`gridmap serve` over the sample with its stations and two incidents."""
    empty_tables(engine)
    with running(store_settings, pool_size=1) as rt:
        load_sample(rt)
        load_sample_extras(rt)
        for lon, lat in PLACES:
            data = {"category": "hazard", "lon": lon, "lat": lat, "reporter_phone": "13912345678"}
            incidents.report(rt, parse_report(data, rt.catalogue), acting=OWNER)
    with serving(store_settings) as base:
        yield base


@pytest.fixture(scope="module")
def token(server: str, store_settings: StoreSettings) -> dict[str, str]:
    return operator_headers(store_settings)


def _count(server: str, collection: str, headers: dict[str, str] | None = None) -> int:
    found = Features(f"{server}/ogc", headers=headers).collection_items(collection, limit=10000)
    return len(found["features"])


@pytest.mark.parametrize("collection", [*AREAS, "stations"])
def test_issue16_gdal_reads_every_public_collection(server: str, collection: str) -> None:
    frame = pyogrio.read_dataframe(f"OAPIF:{server}/ogc", layer=collection)
    assert len(frame) == _count(server, collection) > 0
    assert frame.crs.to_string() == "OGC:CRS84"  # the storage CRS, lon/lat
    west, south, east, north = frame.total_bounds
    assert 116.2 < west <= east < 116.5 and 39.9 < south <= north < 40.1


def test_issue16_gdal_follows_next_links_to_every_grid_once(server: str) -> None:
    whole = pyogrio.read_dataframe(f"OAPIF:{server}/ogc", layer="grids")
    paged = pyogrio.read_dataframe(f"OAPIF:{server}/ogc", layer="grids", PAGE_SIZE=3)
    assert len(whole) > 3 and sorted(paged["id"]) == sorted(whole["id"])
    assert paged["id"].is_unique


def test_issue16_gdal_lists_the_public_layers(server: str) -> None:
    layers = [name for name, _ in pyogrio.list_layers(f"OAPIF:{server}/ogc")]
    assert layers == [*AREAS, "stations"]


def test_issue16_gdal_reads_cgcs2000_in_its_axis_order(server: str) -> None:
    plain = pyogrio.read_dataframe(f"OAPIF:{server}/ogc", layer="grids")
    cgcs = pyogrio.read_dataframe(f"OAPIF:{server}/ogc", layer="grids", CRS="EPSG:4490")
    assert cgcs.crs.to_epsg() == 4490
    # GDAL asked for latitude first and turned it back: the same lon/lat numbers
    assert cgcs.total_bounds == pytest.approx(plain.total_bounds)


def test_issue16_gdal_reads_incidents_with_a_bearer_token(
    server: str, token: dict[str, str]
) -> None:
    bearer = token["Authorization"].removeprefix("Bearer ")
    pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": bearer})
    try:
        frame = pyogrio.read_dataframe(f"OAPIF:{server}/ogc", layer="incidents")
    finally:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": None, "GDAL_HTTP_BEARER": None})
    assert len(frame) == len(PLACES)
    assert set(frame["reporter_phone"]) == {"139****5678"}
    assert frame.geometry.x.tolist() == pytest.approx([lon for lon, _ in PLACES])


def test_issue16_owslib_lists_collections_and_pages_items(
    server: str, token: dict[str, str]
) -> None:
    anonymous = Features(f"{server}/ogc")
    ids = [c["id"] for c in anonymous.collections()["collections"]]
    assert ids == [*AREAS, "stations"]
    signed_in = Features(f"{server}/ogc", headers=token)
    assert [c["id"] for c in signed_in.collections()["collections"]][-1] == "incidents"
    assert _count(server, "incidents", token) == len(PLACES)
    page = anonymous.collection_items("grids", limit=2, offset=2)
    assert page["numberReturned"] == 2 and page["numberMatched"] == _count(server, "grids")
    assert {x["rel"] for x in page["links"]} >= {"self", "next", "prev"}
