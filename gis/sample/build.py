"""Build the 学院路 sample boundaries: district → subdistrict → communities → grids.

Pipeline (all metric work in UTM zone 50N, EPSG:32650):

1. The study area is the ``<bounds>`` rectangle of the OSM extract — the only area the
   extract is complete for.
2. Major road centre lines (motorway … tertiary and links) plus minor streets (residential,
   living_street, unclassified; service roads of at least 100 m) cut the study area into
   *blocks* (one noding, one polygonize).
3. Blocks joined across minor streets form *major faces*; each major face goes to the
   community its named places point to (:mod:`gis.sample.communities`); unmatched faces join
   the neighbour with the longest shared border.
4. Blocks inside each community merge into grids (:func:`gis.sample.grids.merge_blocks`).
5. Grids go back to EPSG:4326 at 7 decimals; communities, subdistrict and district are
   coverage unions of the rounded grids, so every level tiles the next exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from gis.errors import UnreadableFile
from gis.numbering import grid_order
from gis.sample import grids as gridlib
from gis.sample.addresses import building_addresses
from gis.sample.communities import best_code, face_votes
from gis.sample.faces import absorb, connected_groups, shared_borders, street_faces
from gis.sample.grids import METRIC_CRS
from gis.sample.osm import WGS84, OsmExtract, read_osm_xml, read_roads
from gis.sample.split import cut_lines

SUBDISTRICT_CODE = "110108010"
MAJOR_ROADS = ("motorway", "trunk", "primary", "secondary", "tertiary")
MINOR_ROADS = ("residential", "living_street", "unclassified")
MIN_SERVICE_ROAD_M = 100.0
"""Service roads shorter than this (driveways, parking aisles) do not bound blocks."""
PRECISION_DEG = 1e-7
COLUMNS = ["code", "name", "level", "parent_code", "households", "population", "geometry"]


@dataclass(frozen=True)
class SampleAreas:
    """The four levels of the sample, each a GeoDataFrame in EPSG:4326 with ``COLUMNS``.

    ``communities`` also has ``short_name``; ``district`` has ``extent == "sample"`` because
    its geometry is only the sample's extent, not the real district. ``homes`` are the
    registry's rows that carry households (`gis.sample.addresses.building_addresses`), whose
    sums the levels' ``households`` are.
    """

    district: gpd.GeoDataFrame
    subdistrict: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    homes: gpd.GeoDataFrame | None = None

    def levels(self) -> dict[str, gpd.GeoDataFrame]:
        """Return the levels by name, from the largest down."""
        return {
            "district": self.district,
            "subdistrict": self.subdistrict,
            "communities": self.communities,
            "grids": self.grids,
        }


def build_sample(osm_xml: Path, roads_geojson: Path, communities_csv: Path) -> SampleAreas:
    """Build the sample boundaries of 学院路街道 from an OSM extract.

    Parameters
    ----------
    osm_xml : Path
        OSM XML extract (its ``<bounds>`` is the study area; buildings and named places).
    roads_geojson : Path
        Highway LineStrings with a ``highway`` tag column.
    communities_csv : Path
        NBS 2023 codes of 海淀区 (``town_code``, ``town``, ``village_code``, ``village`` …).

    Returns
    -------
    SampleAreas
    """
    extract = read_osm_xml(osm_xml)
    roads = read_roads(roads_geojson).to_crs(METRIC_CRS)
    names = read_names(communities_csv, SUBDISTRICT_CODE)
    study_area = gpd.GeoSeries([extract.bounds], crs=WGS84).to_crs(METRIC_CRS).iloc[0]
    major = roads.geometry[major_roads(roads)].to_numpy()
    buildings = gridlib.residential_buildings(extract.areas.to_crs(METRIC_CRS))
    blocks = street_blocks(study_area, np.concatenate([major, minor_streets(roads)]), buildings)
    households = gridlib.face_households(blocks, buildings)
    pairs = shared_borders(blocks, shapely.union_all(major))
    codes = assign_communities(blocks, pairs, extract)
    grid_of = gridlib.merge_blocks(codes, shapely.area(blocks), households, pairs)
    grids = grid_frame(blocks, codes, grid_of, households, names)
    shapes = _levels(grids, names)
    return registry_households(shapes, building_addresses(extract, shapes.communities))


def registry_households(sample: SampleAreas, homes: gpd.GeoDataFrame) -> SampleAreas:
    """Every level's households as the sum of the registry's counts inside it.

    One source for the households (the standard-address registry, as plans count them —
    `gis.diff.plan_households`): a grid holds the counts of the registry addresses inside it,
    a home on an edge between grids counts in the lowest code's, an address with no count
    (a shop, an office, an address tagged on a POI) adds none; communities, the subdistrict
    and the district hold the sums of their grids. Population is 2.31 per household
    (`gis.sample.grids.population`), rounded per grid and summed.

    Parameters
    ----------
    sample : SampleAreas
        The levels (their geometries and codes).
    homes : geopandas.GeoDataFrame
        Registry points (EPSG:4326) with ``households`` (None: no count).

    Returns
    -------
    SampleAreas
        The same areas with ``households`` and ``population`` recounted, and ``homes``.
    """
    grids = sample.grids.sort_values("code", kind="stable")
    counts = households_inside(grids.geometry.to_numpy(), homes)
    grids = grids.assign(households=counts, population=gridlib.population(counts))
    grids = grids.loc[sample.grids.index]
    by_community = grids.groupby("parent_code")[["households", "population"]].sum()
    communities = _totals(sample.communities, by_community.loc[sample.communities["code"]])
    whole = by_community.sum()
    return SampleAreas(
        district=_totals(sample.district, [whole]),
        subdistrict=_totals(sample.subdistrict, [whole]),
        communities=communities,
        grids=grids,
        homes=homes,
    )


def households_inside(areas: npt.ArrayLike, homes: gpd.GeoDataFrame) -> npt.NDArray[np.int_]:
    """The registry's households inside each area (an edge counts in the first area).

    Examples
    --------
    >>> west, east = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    >>> homes = gpd.GeoDataFrame({"households": [10, 5, None, 7]},
    ...     geometry=gpd.points_from_xy([0.5, 1.0, 1.5, 3.0], [0.5] * 4))
    >>> households_inside([west, east], homes).tolist()
    [15, 0]
    """
    areas = np.asarray(areas, dtype=object)
    counts = pd.to_numeric(homes["households"], errors="coerce").fillna(0).to_numpy(dtype=int)
    found, area = shapely.STRtree(areas).query(homes.geometry.to_numpy(), predicate="covered_by")
    first = pd.Series(area, index=found).groupby(level=0).min()
    weights = counts[first.index.to_numpy()]
    return np.bincount(first.to_numpy(), weights=weights, minlength=len(areas)).astype(int)


def _totals(frame: gpd.GeoDataFrame, totals: object) -> gpd.GeoDataFrame:
    values = pd.DataFrame(totals).to_numpy(dtype=int)
    return frame.assign(households=values[:, 0], population=values[:, 1])


def street_blocks(
    study_area: shapely.Polygon, streets: npt.NDArray[np.object_], buildings: gpd.GeoDataFrame
) -> npt.NDArray[np.object_]:
    """Cut the study area along streets, then again with cut lines for oversized blocks."""
    blocks = street_faces(study_area, streets)
    households = gridlib.face_households(blocks, buildings)
    cuts = cut_lines(blocks, households, buildings)
    return street_faces(study_area, np.concatenate([streets, cuts])) if len(cuts) else blocks


def read_names(path: Path, subdistrict: str) -> pd.DataFrame:
    """Read the NBS codes and names of a subdistrict's communities.

    Returns
    -------
    pandas.DataFrame
        One row per community: ``code``, ``name``, ``short_name`` (without 居委会),
        ``town``, ``county_code``, ``county``, ``city_code`` (6-digit GB/T 2260 form).
    """
    try:
        table = pd.read_csv(path, dtype=str, encoding="utf-8")
    except (OSError, ValueError) as error:
        raise UnreadableFile(f"{path}: cannot read the community codes ({error})") from error
    rows = table[table["town_code"] == subdistrict]
    if rows.empty:
        raise UnreadableFile(f"{path}: no communities of subdistrict {subdistrict}")
    return pd.DataFrame(
        {
            "code": rows["village_code"],
            "name": rows["village"],
            "short_name": rows["village"].str.removesuffix("居委会"),
            "town": rows["town"],
            "county_code": rows["county_code"],
            "county": rows["county"],
            "city_code": rows["city_code"].str.ljust(6, "0"),
        }
    ).set_index("code", drop=False)


def major_roads(roads: gpd.GeoDataFrame) -> npt.NDArray[np.bool_]:
    """Mask of major roads: motorway … tertiary and their ``_link`` ramps."""
    base = roads["highway"].str.removesuffix("_link")
    return base.isin(MAJOR_ROADS).to_numpy()


def minor_streets(roads: gpd.GeoDataFrame) -> npt.NDArray[np.object_]:
    """Minor streets that bound blocks: ``MINOR_ROADS`` and long service roads (metric CRS)."""
    long_service = (roads["highway"] == "service") & (roads.length >= MIN_SERVICE_ROAD_M)
    return roads.geometry[roads["highway"].isin(MINOR_ROADS) | long_service].to_numpy()


def assign_communities(
    blocks: npt.NDArray[np.object_], pairs: pd.DataFrame, extract: OsmExtract
) -> npt.NDArray[np.object_]:
    """Give every block the community code of its major face (see module docstring, step 3)."""
    across_minor = pairs[pairs["road_length"] < 0.5 * pairs["length"]]
    faces = connected_groups(len(blocks), across_minor["left"], across_minor["right"])
    votes = face_votes(blocks, extract.areas.to_crs(METRIC_CRS), extract.points.to_crs(METRIC_CRS))
    matched = best_code(votes, faces)
    labels = np.array([matched.get(face, f"face-{face:04d}") for face in faces], dtype=object)
    if len(matched) == 0:
        raise ValueError("no named place in the study area matches a community keyword")

    def unmatched(current: pd.Series) -> list[object]:
        return sorted(label for label in current.unique() if str(label).startswith("face-"))

    return absorb(labels, pairs, unmatched)


def grid_frame(
    blocks: npt.NDArray[np.object_],
    codes: npt.NDArray[np.object_],
    grid_of: npt.NDArray[np.int_],
    households: npt.NDArray[np.int_],
    names: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """Dissolve blocks into grids, number them and round them to EPSG:4326 at 7 decimals."""
    parts = pd.DataFrame({"grid": grid_of, "community": codes, "households": households})
    grids = parts.groupby("grid").agg(
        community=("community", "first"), households=("households", "sum")
    )
    shapes = [shapely.union_all(blocks[grid_of == grid]) for grid in grids.index]
    frame = gpd.GeoDataFrame(grids.reset_index(drop=True), geometry=shapes, crs=METRIC_CRS)
    frame = pd.concat([_numbered(group, names) for _, group in frame.groupby("community")])
    return _to_wgs84(frame[COLUMNS].reset_index(drop=True))


def _numbered(grids: gpd.GeoDataFrame, names: pd.DataFrame) -> gpd.GeoDataFrame:
    community = str(grids["community"].iloc[0])
    centroids = grids.geometry.centroid
    ordered = grids.iloc[grid_order(centroids.x, centroids.y)].copy()
    sequence = np.arange(1, len(ordered) + 1)
    short_name = names.loc[community, "short_name"]
    return ordered.assign(
        code=[f"{community}{n:03d}" for n in sequence],
        name=[f"{short_name}第{n:02d}网格" for n in sequence],
        level="grid",
        parent_code=community,
        population=gridlib.population(ordered["households"]),
    )


def _to_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject and snap to ``PRECISION_DEG``; shared vertices round identically."""
    geoms = frame.geometry.to_crs(WGS84).to_numpy()
    rounded = shapely.set_precision(geoms, PRECISION_DEG)
    return frame.set_geometry(_oriented(rounded), crs=WGS84)


def _oriented(geoms: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Counter-clockwise shells, clockwise holes (RFC 7946 §3.1.6)."""
    return np.asarray(shapely.orient_polygons(geoms, exterior_cw=False), dtype=object)


def _union(frame: gpd.GeoDataFrame, by: str) -> gpd.GeoDataFrame:
    groups = frame.groupby(by, sort=True)
    shapes = [shapely.coverage_union_all(group.geometry.to_numpy()) for _, group in groups]
    totals = groups[["households", "population"]].sum()
    return gpd.GeoDataFrame(totals.reset_index(), geometry=_oriented(shapes), crs=WGS84)


def _levels(grids: gpd.GeoDataFrame, names: pd.DataFrame) -> SampleAreas:
    communities = _union(grids, "parent_code").rename(columns={"parent_code": "code"})
    info = names.loc[communities["code"]]
    communities = communities.assign(
        name=info["name"].to_numpy(),
        short_name=info["short_name"].to_numpy(),
        level="community",
        parent_code=SUBDISTRICT_CODE,
    )
    first = names.iloc[0]
    subdistrict = _union(communities.assign(code=SUBDISTRICT_CODE), "code").assign(
        name=first["town"], level="subdistrict", parent_code=first["county_code"]
    )
    district = subdistrict.assign(
        code=first["county_code"], name=first["county"], level="district",
        parent_code=first["city_code"], extent="sample",
    )  # fmt: skip
    return SampleAreas(
        district=district[[*COLUMNS, "extent"]],
        subdistrict=subdistrict[COLUMNS],
        communities=communities[[*COLUMNS[:2], "short_name", *COLUMNS[2:]]],
        grids=grids,
    )
