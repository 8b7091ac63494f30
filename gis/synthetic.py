"""Synthetic valid coverages for tests and benchmarks: rows × cols wavy ~100 m cells near 学院路.

Every shared edge is one wavy polyline used by both neighbours, so the coverage is valid; each
cell has 4 × per_edge + 5 vertices.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gis.crs import STORAGE_CRS

LON0, LAT0 = 116.30, 39.95
STEP_LON, STEP_LAT = 100 / 85_390, 100 / 111_030  # ~100 m


def _edges(start: np.ndarray, end: np.ndarray, per_edge: int, rng: np.random.Generator):
    """Wavy polylines between node pairs (interior vertices only), shape (..., per_edge, 2)."""
    t = np.linspace(0, 1, per_edge + 2)[1:-1]
    along = start[..., None, :] + (end - start)[..., None, :] * t[:, None]
    direction = end - start
    normal = np.stack([-direction[..., 1], direction[..., 0]], axis=-1)
    amp = rng.uniform(-0.08, 0.08, size=(*start.shape[:-1], 2))
    wave = amp[..., :1] * np.sin(np.pi * t) + amp[..., 1:] * np.sin(2 * np.pi * t)
    return along + wave[..., None] * normal[..., None, :]


def synthetic_coverage(rows: int, cols: int, per_edge: int, seed: int = 0) -> gpd.GeoDataFrame:
    """A valid coverage of rows × cols wavy cells (4 × per_edge + 5 vertices each)."""
    rng = np.random.default_rng(seed)
    jj, ii = np.meshgrid(np.arange(cols + 1), np.arange(rows + 1))
    nodes = np.stack([jj, -ii], axis=-1).astype(float)
    nodes[1:-1, 1:-1] += rng.uniform(-0.15, 0.15, size=(rows - 1, cols - 1, 2))
    horizontal = _edges(nodes[:, :-1], nodes[:, 1:], per_edge, rng)  # (rows+1, cols, k, 2)
    vertical = _edges(nodes[:-1, :], nodes[1:, :], per_edge, rng)  # (rows, cols+1, k, 2)
    ring = np.concatenate(
        [
            nodes[:-1, :-1, None],
            horizontal[:-1],
            nodes[:-1, 1:, None],
            vertical[:, 1:],
            nodes[1:, 1:, None],
            horizontal[1:, :, ::-1],
            nodes[1:, :-1, None],
            vertical[:, :-1, ::-1],
            nodes[:-1, :-1, None],
        ],
        axis=2,
    ).reshape(rows * cols, -1, 2)
    lonlat = np.stack([LON0 + ring[..., 0] * STEP_LON, LAT0 + ring[..., 1] * STEP_LAT], -1)
    polygons = shapely.polygons(lonlat)
    codes = [f"110108010{i // 1000:03d}{i % 1000:03d}" for i in range(rows * cols)]
    households = rng.integers(300, 501, size=rows * cols)
    return gpd.GeoDataFrame(
        {"code": codes, "name": codes, "households": households}, geometry=polygons, crs=STORAGE_CRS
    )


def voronoi_coverage(count: int, spacing_m: float = 70.0, seed: int = 0) -> gpd.GeoDataFrame:
    """A valid coverage of ``count`` Voronoi cells of a jittered lattice, ~``spacing_m`` across.

    The cells (~7 vertices each, shared exactly between neighbours) are clipped to the lattice's
    box, like small dense grids in a city centre.

    Examples
    --------
    >>> cells = voronoi_coverage(100, seed=1)
    >>> len(cells), bool(shapely.coverage_is_valid(cells.geometry.to_numpy()))
    (100, True)
    """
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(count)))
    jj, ii = np.meshgrid(np.arange(side), np.arange(side))
    sites = np.stack([jj.ravel(), ii.ravel()], axis=-1)[:count].astype(float)
    sites += rng.uniform(-0.35, 0.35, size=sites.shape)
    frame = shapely.box(*(sites.min(0) - 0.5), *(sites.max(0) + 0.5))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(sites), extend_to=frame))
    cells = shapely.intersection(cells, frame)
    # voronoi_polygons' cells come in no set order: give each the code of the site it holds
    site_of, cell_of = shapely.STRtree(cells).query(shapely.points(sites), predicate="within")
    cells = cells[cell_of[np.argsort(site_of)]]
    step = np.array([spacing_m / 85_390, spacing_m / 111_030])
    cells = shapely.transform(cells, lambda xy: np.array([LON0, LAT0]) + xy * step)
    codes = [f"110108020{i // 1000:03d}{i % 1000:03d}" for i in range(count)]
    households = rng.integers(300, 501, size=count)
    return gpd.GeoDataFrame(
        {"code": codes, "name": codes, "households": households}, geometry=cells, crs=STORAGE_CRS
    )
