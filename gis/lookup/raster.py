"""Building the lookup raster from polygons: edges, row bins, cell states and candidates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from gis.lookup import kernels

CELLS_PER_AREA = 1024  # ~32 x 32 cells per area: most points fall in cells answered directly
MIN_CELLS, MAX_CELLS = 4_096, 1 << 24


@dataclass(frozen=True)
class Raster:
    """Everything the lookup kernels need, as flat numpy arrays."""

    x0: float
    y0: float
    dx: float
    dy: float
    nx: int
    ny: int
    state: npt.NDArray[np.int32]  # >= 0 area, -1 empty, <= -2 boundary cell: record -(s+2)
    records: npt.NDArray[np.int32]  # per boundary cell: n, then n (area, lo, hi) triples
    segs: npt.NDArray[np.float64]  # (edges in rows, 4): a candidate's edges are segs[lo:hi]
    npoly: int

    def kernel_args(self) -> tuple[object, ...]:
        """The arguments after the point(s) of `kernels.locate_point` / `locate_many`."""
        grid = (self.x0, self.y0, self.dx, self.dy, self.nx, self.ny)
        return (*grid, self.state, self.records, self.segs)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))


def edges_of(geoms: npt.NDArray[np.object_]) -> tuple[np.ndarray, ...]:
    """Every ring edge of every polygon: ax, ay, bx, by and the polygon position."""
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    same_ring = coord_of[1:] == coord_of[:-1]
    start, end = coords[:-1][same_ring], coords[1:][same_ring]
    poly = part_of[ring_of[coord_of[:-1][same_ring]]].astype(np.int32)
    return start[:, 0].copy(), start[:, 1].copy(), end[:, 0].copy(), end[:, 1].copy(), poly


def _grid(
    bounds: npt.NDArray[np.float64], count: int
) -> tuple[float, float, float, float, int, int]:
    west, south, east, north = bounds
    width, height = max(east - west, 1e-9), max(north - south, 1e-9)
    cells = int(np.clip(CELLS_PER_AREA * count, MIN_CELLS, MAX_CELLS))
    nx = max(round(np.sqrt(cells * width / height)), 1)
    ny = max(round(cells / nx), 1)
    # a hair larger than the bounds so that the east/north edges fall inside the raster
    dx, dy = width * (1 + 1e-9) / nx, height * (1 + 1e-9) / ny
    return west, south, dx, dy, nx, ny


def _row_bins(
    ay: np.ndarray, by: np.ndarray, poly: np.ndarray, y0: float, dy: float, ny: int, npoly: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each edge in every row its y-range touches, sorted by (row, area): keys and edge ids."""
    # the same arithmetic as the kernels' row of a point; it is monotonic in y, so a point
    # with y in an edge's closed y-range falls in one of the edge's rows r0..r1
    r0 = np.clip(((np.minimum(ay, by) - y0) / dy).astype(np.int64), 0, ny - 1)
    r1 = np.clip(((np.maximum(ay, by) - y0) / dy).astype(np.int64), 0, ny - 1)
    spans = r1 - r0 + 1
    edge = np.repeat(np.arange(ay.size, dtype=np.int32), spans)
    rows = np.arange(edge.size, dtype=np.int64)
    rows -= np.repeat(np.cumsum(spans) - spans - r0, spans)  # row of each (edge, row) entry
    rows *= npoly
    rows += poly[edge]  # now the sort key row * npoly + area
    order = np.argsort(rows, kind="stable")
    return rows[order], edge[order]


def build_raster(geoms: npt.NDArray[np.object_]) -> Raster:
    """Classify the raster cells over ``geoms`` (EPSG:4326 polygons, in key order)."""
    ax, ay, bx, by, poly = edges_of(geoms)
    npoly = len(geoms)
    grid = _grid(shapely.total_bounds(geoms), npoly)
    x0, y0, dx, dy, nx, ny = grid
    keys, edge_ids = _row_bins(ay, by, poly, y0, dy, ny, npoly)
    rows = keys // npoly
    row_start = np.searchsorted(rows, np.arange(ny + 1)).astype(np.int64)
    owner = kernels.center_owners(
        ax, ay, bx, by, poly, row_start, edge_ids, x0, y0, dx, dy, nx, ny, npoly
    )
    cells, polys = kernels.mark_edge_cells(ax, ay, bx, by, poly, x0, y0, dx, dy, nx, ny)
    state, cand_start, cand_polys = _cell_states(owner, cells, polys, keys, npoly, nx)
    cand_lo, cand_hi = _candidate_edges(state, cand_start, cand_polys, keys, npoly, nx)
    del keys
    records = _records(state, cand_start, cand_polys, cand_lo, cand_hi)
    segs = np.empty((edge_ids.size, 4), dtype=np.float64)
    for column, values in enumerate((ax, ay, bx, by)):
        segs[:, column] = values[edge_ids]
    return Raster(*grid, state, records, segs, npoly)


def _records(
    state: np.ndarray,
    cand_start: np.ndarray,
    cand_polys: np.ndarray,
    cand_lo: np.ndarray,
    cand_hi: np.ndarray,
) -> np.ndarray:
    """Pack each boundary cell's candidates into one int32 record; point its state at it.

    A record is n, then n triples (area, lo, hi); the cell's state becomes -(offset + 2).
    """
    counts = np.diff(cand_start)
    length = 1 + 3 * counts
    offsets = np.cumsum(length) - length
    if length.sum() >= 2**31 - 2:
        raise ValueError("lookup raster: too many candidates for int32 records")
    records = np.empty(int(length.sum()), dtype=np.int32)
    records[offsets] = counts
    cell_of = np.repeat(np.arange(counts.size), counts)
    at = offsets[cell_of] + 1 + 3 * (np.arange(cand_polys.size) - cand_start[cell_of])
    records[at], records[at + 1], records[at + 2] = cand_polys, cand_lo, cand_hi
    boundary = np.flatnonzero(state <= -2)
    state[boundary] = -(offsets[-state[boundary] - 2] + 2)
    return records


def _candidate_edges(
    state: np.ndarray,
    cand_start: np.ndarray,
    cand_polys: np.ndarray,
    keys: np.ndarray,
    npoly: int,
    nx: int,
) -> tuple[np.ndarray, np.ndarray]:
    """For each (boundary cell, candidate): the range of its edges in the cell's row."""
    boundary_cells = np.flatnonzero(state <= -2)
    number = -state[boundary_cells] - 2  # boundary cell number of each such cell
    cells = np.empty(number.size, dtype=np.int64)
    cells[number] = boundary_cells
    rows = np.repeat(cells // nx, np.diff(cand_start))
    wanted = rows * npoly + cand_polys
    lo = np.searchsorted(keys, wanted, side="left").astype(np.int32)
    hi = np.searchsorted(keys, wanted, side="right").astype(np.int32)
    if not lo.size == hi.size == cand_polys.size:  # the kernels index these blindly
        raise AssertionError("candidate arrays disagree")
    return lo, hi


def _cell_states(
    owner: np.ndarray, cells: np.ndarray, polys: np.ndarray, keys: np.ndarray, npoly: int, nx: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell states and the candidate areas of boundary cells (edge areas + centre owner)."""
    several = np.flatnonzero(owner == -2)
    extra_cells, extra_polys = _row_areas(several, keys, npoly, nx)
    centre = _unique(np.concatenate([cells, several]))
    owned = owner[centre] >= 0
    pair_cells = np.concatenate([cells, centre[owned], extra_cells])
    pair_polys = np.concatenate([polys, owner[centre[owned]], extra_polys]).astype(np.int64)
    pairs = _unique(pair_cells * npoly + pair_polys)
    pair_cells, pair_polys = pairs // npoly, (pairs % npoly).astype(np.int32)
    cand_first = np.flatnonzero(np.diff(pair_cells, prepend=-1))  # pair_cells are sorted
    boundary_cells = pair_cells[cand_first]
    state = owner  # reused in place: the owners are not needed any more
    state[boundary_cells] = -(np.arange(boundary_cells.size, dtype=np.int32) + 2)
    cand_start = np.append(cand_first, pair_cells.size).astype(np.int64)
    return state, cand_start, pair_polys


def _unique(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values, by an in-place sort.

    Not `np.unique`: on 200,000 grids its hash-based path took ~18 s of a ~30 s build.
    """
    values.sort()
    keep = np.empty(values.size, dtype=bool)
    keep[:1] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _row_areas(
    cells: np.ndarray, keys: np.ndarray, npoly: int, nx: int
) -> tuple[np.ndarray, np.ndarray]:
    """For cells whose centre lies in several areas (overlaps): every area with edges in the row."""
    if cells.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    row_keys = np.unique(keys)
    out_cells, out_polys = [], []
    for cell in cells:
        row = cell // nx
        lo, hi = np.searchsorted(row_keys, [row * npoly, (row + 1) * npoly])
        areas = row_keys[lo:hi] % npoly
        out_cells.append(np.full(areas.size, cell, dtype=np.int64))
        out_polys.append(areas)
    return np.concatenate(out_cells), np.concatenate(out_polys)
