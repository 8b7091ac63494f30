"""OSM files through pyosmium: XML, PBF and .osm.bz2 give one network, one sample extract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from gis.errors import UnreadableFile
from gis.network import WalkNetwork, isochrones, network_from_osm, snap_points
from gis.sample.osm import OsmExtract, read_osm_xml
from tests.osmfiles import OSM_XML, cut_in_half, formats, to_pbf

STATIONS = Path(__file__).resolve().parents[2] / "data" / "stations" / "xueyuanlu_stations.geojson"
ARRAYS = ("node_ids", "lonlat", "xy", "u", "v", "length_m")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return formats(tmp_path_factory.mktemp("osm"))


@pytest.fixture(scope="module")
def networks(files: dict[str, Path]) -> dict[str, WalkNetwork]:
    return {kind: network_from_osm(path) for kind, path in files.items()}


def station_points(count: int) -> list[list[float]]:
    features = json.loads(STATIONS.read_text(encoding="utf-8"))["features"]
    return [feature["geometry"]["coordinates"] for feature in features[:count]]


@pytest.mark.parametrize("kind", ["pbf", "bz2"])
def test_every_format_gives_the_same_arrays(networks: dict[str, WalkNetwork], kind: str) -> None:
    xml, other = networks["xml"], networks[kind]
    assert xml.edge_count > 1000
    for name in ARRAYS:
        expected, found = getattr(xml, name), getattr(other, name)
        assert found.dtype == expected.dtype and np.array_equal(found, expected), name


@pytest.mark.parametrize("kind", ["pbf", "bz2"])
def test_stations_have_the_same_isochrones_from_pbf(
    networks: dict[str, WalkNetwork], kind: str
) -> None:
    points = station_points(5)
    [xml, other] = [networks[k] for k in ("xml", kind)]
    expected = isochrones(xml, snap_points(xml, points), [400.0, 1200.0])
    found = isochrones(other, snap_points(other, points), [400.0, 1200.0])
    tiers = zip(expected, found, strict=True)
    pairs = [
        pair
        for xml_tiers, other_tiers in tiers
        for pair in zip(xml_tiers, other_tiers, strict=True)
    ]
    assert len(pairs) == 10
    for a, b in pairs:
        assert not a.polygon.is_empty and shapely.equals_exact(a.polygon, b.polygon, 0.0)


def test_the_version_is_the_file_not_the_data(networks: dict[str, WalkNetwork]) -> None:
    versions = {net.version for net in networks.values()}
    assert len(versions) == 3
    assert networks["pbf"].name == "cau.osm.pbf"


@pytest.mark.parametrize("kind", ["pbf", "bz2"])
def test_a_file_cut_short_names_the_file(files: dict[str, Path], tmp_path: Path, kind: str) -> None:
    cut = cut_in_half(files[kind], tmp_path / files[kind].name)
    with pytest.raises(UnreadableFile, match=rf"^file: cannot read {cut.name} \(OSM XML"):
        network_from_osm(cut)


@pytest.mark.parametrize(
    ("name", "reason"),
    [("x.geojson", "Could not detect file format"), ("missing.osm.pbf", "No such file")],
)
def test_an_unknown_suffix_or_missing_file(tmp_path: Path, name: str, reason: str) -> None:
    if name != "missing.osm.pbf":
        (tmp_path / name).write_bytes(OSM_XML.read_bytes())
    with pytest.raises(UnreadableFile, match=f"^file: .*{reason}"):
        network_from_osm(tmp_path / name)


def frames_equal(a: OsmExtract, b: OsmExtract) -> bool:
    tables = [(a.areas, b.areas), (a.points, b.points)]
    same_rows = all(
        x.drop(columns="geometry").equals(y.drop(columns="geometry"))
        and (x.geometry.to_wkb() == y.geometry.to_wkb()).all()
        for x, y in tables
    )
    return same_rows and a.bounds.equals_exact(b.bounds, 0.0)


@pytest.mark.parametrize("kind", ["pbf", "bz2"])
def test_the_sample_reads_the_same_extract(files: dict[str, Path], kind: str) -> None:
    xml = read_osm_xml(files["xml"])
    assert len(xml.areas) > 300 and len(xml.points) > 50
    assert xml.areas["osm_id"].str.startswith("relation/").sum() == 3
    assert frames_equal(xml, read_osm_xml(files[kind]))


def test_the_sample_needs_the_extracts_bounds(tmp_path: Path) -> None:
    unbounded = to_pbf(OSM_XML, tmp_path / "x.osm.pbf", bounds=False)
    with pytest.raises(UnreadableFile, match="^osm: x.osm.pbf has no <bounds>"):
        read_osm_xml(unbounded)


def test_the_sample_reader_names_a_file_cut_short(files: dict[str, Path], tmp_path: Path) -> None:
    cut = cut_in_half(files["pbf"], tmp_path / "cut.osm.pbf")
    with pytest.raises(UnreadableFile, match=r"^osm: cannot read cut.osm.pbf .*PBF error"):
        read_osm_xml(cut)
