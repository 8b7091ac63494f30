"""Walking isochrones: the street edges reachable within a distance, cut exactly, buffered.

One ``scipy.sparse.csgraph.dijkstra`` call routes from many sources at once with a ``limit``
(the longest tier), so nodes beyond it are never expanded. Each source is a virtual node
joined to both ends of its snapped edge. An edge ``u``–``v`` of length ``l`` with remaining
distances ``a = L - d(u)`` and ``b = L - d(v)`` is reached whole when ``a + b >= l``, else in up
to two pieces, ``[0, a]`` from ``u`` and ``[l - b, l]`` from ``v``; the source's own edge is
reached over ``[offset - L, offset + L]``. The pieces are buffered by a few metres and unioned:
the result follows the streets (not a convex hull) and has holes where nothing is reachable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from gis.errors import InvalidInput
from gis.network.graph import WalkNetwork
from gis.network.snap import Snapped

FloatArray = npt.NDArray[np.float64]
WALK_SPEED_KMH = 4.8
MAX_MINUTES = 120.0
BUFFER_M = 25.0
_CHUNK = 64  # sources per Dijkstra call: bounds the (sources × nodes) distance matrix


def walk_metres(minutes: float, speed_kmh: float = WALK_SPEED_KMH) -> float:
    """The distance walked in ``minutes`` at ``speed_kmh``.

    Examples
    --------
    >>> walk_metres(15), walk_metres(5, 3.6)
    (1200.0, 300.0)
    >>> walk_metres(0)
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: minutes: 0 must be > 0 and <= 120
    >>> walk_metres(15, -1)
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: speed: -1 km/h must be > 0 and <= 30
    """
    if not (math.isfinite(minutes) and 0 < minutes <= MAX_MINUTES):
        raise InvalidInput(f"minutes: {minutes:g} must be > 0 and <= {MAX_MINUTES:g}")
    if not (math.isfinite(speed_kmh) and 0 < speed_kmh <= 30):
        raise InvalidInput(f"speed: {speed_kmh:g} km/h must be > 0 and <= 30")
    return minutes * speed_kmh * 1000.0 / 60.0


@dataclass(frozen=True)
class Isochrone:
    """What one source reaches within ``limit_m``: edge ``pieces`` and their buffered ``polygon``.

    Both are in the network's metric projection; ``pieces`` is an ``(m, 2, 2)`` array of
    segment end points.
    """

    limit_m: float
    pieces: FloatArray
    polygon: shapely.Geometry


def node_distances(network: WalkNetwork, snapped: Snapped, limit_m: float) -> FloatArray:
    """Walking distances (metres) from each snapped source to every node; ``inf`` beyond limit.

    Returns a ``(sources, nodes)`` array.
    """
    n, k = network.node_count, len(snapped.edge)
    edge_len = network.length_m[snapped.edge]
    sources = np.arange(n, n + k)
    rows = np.concatenate([network.u, sources, sources])
    cols = np.concatenate([network.v, network.u[snapped.edge], network.v[snapped.edge]])
    # csgraph drops explicit zeros: a source on a node still needs its link
    weights = np.maximum(
        np.concatenate([network.length_m, snapped.offset_m, edge_len - snapped.offset_m]), 1e-9
    )
    matrix = sp.csr_matrix((weights, (rows, cols)), shape=(n + k, n + k))
    distances = dijkstra(matrix, directed=False, indices=sources, limit=limit_m)
    return np.asarray(distances[:, :n], dtype=float)


def reachable_pieces(
    network: WalkNetwork, distances: FloatArray, edge: int, offset_m: float, limit_m: float
) -> FloatArray:
    """The parts of edges within ``limit_m`` of one source, as ``(m, 2, 2)`` metric segments.

    ``distances`` are the source's node distances (`node_distances`); ``edge`` and
    ``offset_m`` say where the source sits.
    """
    length = network.length_m
    from_u = np.clip(limit_m - distances[network.u], 0.0, length)
    from_v = np.clip(limit_m - distances[network.v], 0.0, length)
    whole = from_u + from_v >= length
    head, tail = ~whole & (from_u > 0), ~whole & (from_v > 0)
    edges = np.concatenate([[edge], *(np.flatnonzero(m) for m in (whole, head, tail))])
    start_m = np.concatenate(
        [
            [max(0.0, offset_m - limit_m)],
            np.zeros(whole.sum() + head.sum()),
            (length - from_v)[tail],
        ]
    )
    end_m = np.concatenate(
        [[min(length[edge], offset_m + limit_m)], length[whole], from_u[head], length[tail]]
    )
    return _cut(network, edges, start_m / length[edges], end_m / length[edges])


def _cut(
    network: WalkNetwork, edges: npt.NDArray[np.int64], start: FloatArray, end: FloatArray
) -> FloatArray:
    a, b = network.xy[network.u[edges]], network.xy[network.v[edges]]
    return np.stack([a + (b - a) * start[:, None], a + (b - a) * end[:, None]], axis=1)


def buffer_pieces(pieces: FloatArray, buffer_m: float = BUFFER_M) -> shapely.Geometry:
    """The union of the pieces buffered by ``buffer_m`` metres (a Polygon or MultiPolygon)."""
    # buffering each piece then one union is ~15x faster than buffering the multilinestring
    buffers = shapely.buffer(shapely.linestrings(pieces), buffer_m, quad_segs=4)
    return shapely.union_all(buffers)


def isochrones(
    network: WalkNetwork,
    snapped: Snapped,
    limits_m: Sequence[float],
    *,
    buffer_m: float = BUFFER_M,
) -> list[list[Isochrone]]:
    """For each snapped source, one `Isochrone` per limit (routing once, to the longest).

    Examples
    --------
    >>> from gis.network.graph import network_from_edges
    >>> from gis.network.snap import snap_points
    >>> net = network_from_edges([[116.35, 40.0], [116.36, 40.0]], [0], [1])
    >>> [[iso]] = isochrones(net, snap_points(net, [[116.355, 40.0]]), [100.0])
    >>> round(float(np.hypot(*(iso.pieces[0, 1] - iso.pieces[0, 0]))))
    200
    """
    limit = max(limits_m)
    answers: list[list[Isochrone]] = []
    for first in range(0, len(snapped.edge), _CHUNK):
        chunk = snapped.take(slice(first, first + _CHUNK))
        distances = node_distances(network, chunk, limit)
        for row, edge, offset in zip(distances, chunk.edge, chunk.offset_m, strict=True):
            answers.append(
                [
                    _one(network, row, int(edge), float(offset), float(tier), buffer_m)
                    for tier in limits_m
                ]
            )
    return answers


def _one(
    network: WalkNetwork, row: FloatArray, edge: int, offset: float, limit: float, buffer_m: float
) -> Isochrone:
    pieces = reachable_pieces(network, row, edge, offset, limit)
    pieces = pieces[np.hypot(*(pieces[:, 1] - pieces[:, 0]).T) > 1e-9]
    return Isochrone(limit, pieces, buffer_pieces(pieces, buffer_m))
