"""Synthetic street grids for tests and benchmarks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gis.network.graph import WalkNetwork, network_from_edges
from gis.network.project import Projection

ORIGIN = (116.35, 40.0)


def street_grid(
    rows: int,
    cols: int,
    spacing_m: float = 100.0,
    *,
    origin: tuple[float, float] = ORIGIN,
    keep: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> WalkNetwork:
    """A ``rows × cols`` lattice of streets ``spacing_m`` apart, south-west corner at ``origin``.

    Node ``r * cols + c`` sits ``c * spacing_m`` east and ``r * spacing_m`` north of the origin
    (in its UTM zone). ``keep(a, b)`` gets the (row, col) of both ends of every edge and says
    which edges to keep (say, none inside a park).

    Examples
    --------
    >>> net = street_grid(3, 4)
    >>> net.node_count, net.edge_count, sorted(set(net.length_m.round(3).tolist()))
    (12, 17, [100.0])
    """
    projection = Projection.around(*origin)
    x0, y0 = projection.forward(origin[0], origin[1])
    r, c = np.divmod(np.arange(rows * cols), cols)
    lon, lat = projection.inverse(x0 + c * spacing_m, y0 + r * spacing_m)
    node = np.arange(rows * cols).reshape(rows, cols)
    u = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])
    v = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])
    if keep is not None:
        ends_u, ends_v = np.column_stack(np.divmod(u, cols)), np.column_stack(np.divmod(v, cols))
        mask = keep(ends_u, ends_v)
        u, v = u[mask], v[mask]
    return network_from_edges(np.column_stack([lon, lat]), u, v, name=f"grid {rows}x{cols}")
