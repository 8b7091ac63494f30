"""Where the sample incidents happen: on the sample's streets and at its homes (EPSG:4326).

`places_of` gathers them from the sample: the registry's homes (addresses with households),
the named streets of the OpenStreetMap roads inside the grids — or, without the roads, the
grids' shared edges, which the sample drew along street centre lines — and the grids'
extent. `on_street` and `at_home` draw a point, a few metres off (`jitter`), never within
``INSIDE_M`` of the sample's outer edge, so that intake always finds its grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

STREET_KINDS = frozenset(
    {"primary", "secondary", "tertiary", "residential", "living_street", "unclassified"}
)
"""The roads incidents happen on (not motorways, bridges or footpaths)."""
STREET_JITTER_M, BUILDING_JITTER_M, INSIDE_M = 3.0, 8.0, 5.0
M_PER_DEG_LAT = 110_540.0


@dataclass(frozen=True)
class Places:
    """Where sample incidents happen, all in EPSG:4326.

    Attributes
    ----------
    homes : geopandas.GeoDataFrame
        Registry addresses of buildings (``address``, ``households`` > 0), points.
    streets : geopandas.GeoDataFrame
        Lines with a ``name`` (empty: unnamed).
    area : shapely.Geometry
        The union of the grids; every point lies inside it by ``INSIDE_M``.
    """

    homes: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    area: shapely.Geometry


def on_street(rng: np.random.Generator, places: Places) -> tuple[float, float, str]:
    """A point near a street (drawn by length) and the street's name ("附近道路": none)."""
    lengths = shapely.length(places.streets.geometry.to_numpy())
    for _ in range(50):
        row = int(rng.choice(len(lengths), p=lengths / lengths.sum()))
        line = places.streets.geometry.iloc[row]
        point = line.interpolate(float(rng.uniform()), normalized=True)
        lon, lat = jitter(rng, point.x, point.y, STREET_JITTER_M)
        if inside(places.area, lon, lat):
            name = str(places.streets["name"].iloc[row] or "")
            return lon, lat, name or "附近道路"
    raise ValueError("sample incidents: no street point inside the grids")


def at_home(rng: np.random.Generator, places: Places) -> tuple[float, float, str]:
    """A point at a home (drawn by households) and the home's registry address."""
    weights = places.homes["households"].to_numpy(dtype=float)
    row = int(rng.choice(len(weights), p=weights / weights.sum()))
    point = places.homes.geometry.iloc[row]
    lon, lat = jitter(rng, point.x, point.y, BUILDING_JITTER_M)
    if not inside(places.area, lon, lat):
        lon, lat = point.x, point.y
    return lon, lat, str(places.homes["address"].iloc[row])


def jitter(rng: np.random.Generator, lon: float, lat: float, metres: float) -> tuple[float, float]:
    """A point within ``metres`` of (lon, lat) (local metres per degree), at 7 decimals."""
    dx, dy = rng.uniform(-metres, metres, 2)
    per_lon = M_PER_DEG_LAT * float(np.cos(np.radians(lat)))
    return round(lon + dx / per_lon, 7), round(lat + dy / M_PER_DEG_LAT, 7)


def inside(area: shapely.Geometry, lon: float, lat: float) -> bool:
    """Inside the grids, and not within ``INSIDE_M`` of their outer edge."""
    point = shapely.Point(lon, lat)
    margin = shapely.distance(area.boundary, point) * M_PER_DEG_LAT
    return bool(area.contains(point)) and margin > INSIDE_M


def places_of(
    grids: gpd.GeoDataFrame, registry: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None
) -> Places:
    """The homes, streets and extent of a sample.

    Parameters
    ----------
    grids : geopandas.GeoDataFrame
        The sample's grids.
    registry : geopandas.GeoDataFrame
        Its standard addresses (``address``, ``households``; None: no count).
    roads : geopandas.GeoDataFrame or None
        OSM roads (``highway``, ``name``); None: the grids' shared edges stand for streets.

    Returns
    -------
    Places
    """
    area = shapely.coverage_union_all(grids.geometry.to_numpy())
    counts = pd.to_numeric(registry["households"], errors="coerce").fillna(0)
    homes = registry.loc[counts > 0, ["address", "households", "geometry"]].reset_index(drop=True)
    streets = _named_streets(roads, area) if roads is not None else _grid_edges(grids, area)
    return Places(homes.astype({"households": int}), streets, area)


def _named_streets(roads: gpd.GeoDataFrame, area: shapely.Geometry) -> gpd.GeoDataFrame:
    kinds = roads["highway"].str.removesuffix("_link").isin(STREET_KINDS)
    named = roads[kinds & roads["name"].notna() & ~roads["name"].astype(str).str.endswith("桥")]
    clipped = shapely.intersection(named.geometry.to_numpy(), area)
    frame = gpd.GeoDataFrame({"name": named["name"].to_numpy()}, geometry=clipped, crs=roads.crs)
    lines = frame.explode(index_parts=False)
    lines = lines[lines.geom_type == "LineString"]
    return lines[shapely.length(lines.geometry.to_numpy()) > 0].reset_index(drop=True)


def _grid_edges(grids: gpd.GeoDataFrame, area: shapely.Geometry) -> gpd.GeoDataFrame:
    edges = shapely.difference(shapely.union_all(grids.geometry.boundary.to_numpy()), area.boundary)
    lines = shapely.get_parts(shapely.line_merge(edges))
    return gpd.GeoDataFrame({"name": [""] * len(lines)}, geometry=lines, crs=grids.crs)
