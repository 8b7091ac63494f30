"""Households from OSM buildings, grids from street blocks, and grid numbering.

Sample assumptions (documented in ``data/boundaries/README.md``):

* a residential building holds ``footprint × levels / 90 m²`` households (``building:levels``,
  else 6 levels — the typical walk-up 板楼 of this area);
* a household has 2.31 people (Beijing's mean household size, 7th census 2020);
* grids are street blocks merged until each has at least 100 households or 40,000 m², and
  none is under 10,000 m².
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from gis.sample.faces import absorb
from gis.sample.split import MAX_GRID_AREA_M2, MAX_GRID_HOUSEHOLDS

METRIC_CRS = "EPSG:32650"
"""UTM zone 50N: where the sample measures areas and lengths."""
RESIDENTIAL_BUILDINGS = frozenset({"residential", "apartments", "dormitory", "house"})
"""``building=*`` values that always hold households; ``building=yes`` does inside
``landuse=residential``."""
FLOOR_AREA_PER_HOUSEHOLD_M2 = 90.0
DEFAULT_LEVELS = 6
PEOPLE_PER_HOUSEHOLD = 2.31
MIN_GRID_AREA_M2 = 10_000.0
MIN_GRID_HOUSEHOLDS = 100
EMPTY_GRID_AREA_M2 = 40_000.0
"""A block with fewer than ``MIN_GRID_HOUSEHOLDS`` households still stands alone as a grid
once it covers this much (campus and office land is gridded by area)."""
"""Grid numbering: a row holds the grids whose centroids lie less than this far south of the
row's northernmost centroid."""


def residential_buildings(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Select buildings that hold households and estimate them.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        OSM areas in a metric CRS with columns ``building``, ``landuse`` and ``levels``.

    Returns
    -------
    geopandas.GeoDataFrame
        Residential buildings with a ``households`` (int) column.
    """
    buildings = areas[areas["building"].notna()]
    housing = areas.geometry[areas["landuse"] == "residential"].to_numpy()
    in_housing = shapely.STRtree(housing).query(
        shapely.centroid(buildings.geometry.to_numpy()), predicate="within"
    )[0]
    generic = np.zeros(len(buildings), dtype=bool)
    generic[in_housing] = True
    kinds = buildings["building"]
    keep = kinds.isin(RESIDENTIAL_BUILDINGS) | ((kinds == "yes") & generic)
    chosen = buildings[keep.to_numpy()]
    levels = chosen["levels"].map(parse_levels).to_numpy(dtype=float)
    floor_area = chosen.geometry.area.to_numpy() * levels
    return chosen.assign(households=np.rint(floor_area / FLOOR_AREA_PER_HOUSEHOLD_M2).astype(int))


def parse_levels(value: object) -> float:
    """Read a ``building:levels`` tag, falling back to ``DEFAULT_LEVELS``.

    Examples
    --------
    >>> parse_levels("14"), parse_levels("5;6"), parse_levels(None), parse_levels("0")
    (14.0, 5.0, 6.0, 6.0)
    """
    found = re.search(r"\d+(\.\d+)?", value) if isinstance(value, str) else None
    levels = float(found.group()) if found else 0.0
    return levels if levels > 0 else float(DEFAULT_LEVELS)


def face_households(faces: npt.ArrayLike, buildings: gpd.GeoDataFrame) -> npt.NDArray[np.int_]:
    """Sum building households into the face containing each building's centroid.

    Parameters
    ----------
    faces : array_like of shapely.Polygon
        A polygonal coverage, metric CRS.
    buildings : geopandas.GeoDataFrame
        Output of :func:`residential_buildings`, same CRS.

    Returns
    -------
    numpy.ndarray of int
        Households per face; buildings whose centroid lies in no face are ignored.
    """
    faces = np.asarray(faces, dtype=object)
    centroids = shapely.centroid(buildings.geometry.to_numpy())
    found, face = shapely.STRtree(faces).query(centroids, predicate="intersects")
    first = pd.Series(face, index=found).groupby(level=0).min()
    counts = buildings["households"].to_numpy()[first.index.to_numpy()]
    return np.bincount(first.to_numpy(), weights=counts, minlength=len(faces)).astype(int)


def merge_blocks(
    communities: npt.ArrayLike, areas: npt.ArrayLike, households: npt.ArrayLike, pairs: pd.DataFrame
) -> npt.NDArray[np.int_]:
    """Group street blocks into grids inside each community.

    The smallest block that is too small (under ``MIN_GRID_AREA_M2``, or under both
    ``MIN_GRID_HOUSEHOLDS`` and ``EMPTY_GRID_AREA_M2``) joins the neighbour in its community
    with the longest shared border — preferring neighbours it can join without passing
    ``MAX_GRID_HOUSEHOLDS`` or ``MAX_GRID_AREA_M2`` — until no small block has a neighbour.

    Parameters
    ----------
    communities : array_like of str
        Community code per block.
    areas, households : array_like
        Area (m²) and households per block.
    pairs : pandas.DataFrame
        Output of :func:`gis.sample.faces.shared_borders` for the blocks.

    Returns
    -------
    numpy.ndarray of int
        A grid label (the smallest block position in it) per block.
    """
    codes = np.asarray(communities)
    same = pairs[codes[pairs["left"]] == codes[pairs["right"]]]
    blocks = pd.DataFrame({"area": areas, "households": households})

    def too_small(labels: pd.Series) -> list[object]:
        sizes = blocks.groupby(labels.to_numpy()).sum()
        small = (sizes["area"] < MIN_GRID_AREA_M2) | (
            (sizes["households"] < MIN_GRID_HOUSEHOLDS) & (sizes["area"] < EMPTY_GRID_AREA_M2)
        )
        return sizes[small].sort_values("area", kind="stable").index.tolist()

    def fits(labels: pd.Series, victim: object, target: object) -> bool:
        merged = blocks[labels.isin([victim, target]).to_numpy()].sum()
        return bool(
            merged["households"] <= MAX_GRID_HOUSEHOLDS and merged["area"] <= MAX_GRID_AREA_M2
        )

    labels = absorb(np.arange(len(codes)), same, too_small, fits)
    return np.asarray(labels, dtype=int)


def population(households: npt.ArrayLike) -> npt.NDArray[np.int_]:
    """Estimate residents from households (``PEOPLE_PER_HOUSEHOLD``).

    Examples
    --------
    >>> population([0, 100]).tolist()
    [0, 231]
    """
    return np.rint(np.asarray(households, dtype=float) * PEOPLE_PER_HOUSEHOLD).astype(int)
