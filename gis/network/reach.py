"""Walking distances from snapped sources to snapped targets (homes, demand points)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gis.network.graph import WalkNetwork
from gis.network.isochrone import node_distances
from gis.network.snap import Snapped

FloatArray = npt.NDArray[np.float64]
_CHUNK = 256


def walk_distances(
    network: WalkNetwork, sources: Snapped, targets: Snapped, limit_m: float
) -> FloatArray:
    """A ``(sources, targets)`` array of walking distances in metres; ``inf`` beyond the limit.

    A target's distance is its straight access leg to the street (``targets.distance_m``) plus
    the network distance from the source's snapped point to the target's. The source's own
    access leg is not counted (as in the isochrones, which start on the street).

    Examples
    --------
    >>> from gis.network.graph import network_from_edges
    >>> from gis.network.snap import snap_points
    >>> net = network_from_edges([[116.35, 40.0], [116.36, 40.0]], [0], [1])
    >>> s = snap_points(net, [[116.35, 40.0]])
    >>> t = snap_points(net, [[116.355, 40.0], [116.36, 40.0]])
    >>> walk_distances(net, s, t, 600.0).round().tolist()
    [[427.0, inf]]
    """
    parts = []
    for first in range(0, len(sources.edge), _CHUNK):
        chunk = sources.take(slice(first, first + _CHUNK))
        parts.append(_chunk(network, chunk, targets, limit_m))
    if not parts:
        return np.zeros((0, len(targets.edge)))
    return np.vstack(parts)


def _chunk(network: WalkNetwork, sources: Snapped, targets: Snapped, limit_m: float) -> FloatArray:
    nodes = node_distances(network, sources, limit_m)
    edge = targets.edge
    via_u = nodes[:, network.u[edge]] + targets.offset_m
    via_v = nodes[:, network.v[edge]] + (network.length_m[edge] - targets.offset_m)
    along = np.minimum(via_u, via_v)
    same = sources.edge[:, None] == edge[None, :]
    direct = np.abs(sources.offset_m[:, None] - targets.offset_m[None, :])
    along = np.where(same, np.minimum(along, direct), along)
    walk = along + targets.distance_m
    return np.where(walk <= limit_m, walk, np.inf)
