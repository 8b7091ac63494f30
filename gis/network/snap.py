"""Put points on their nearest walkable edge (within a maximum distance)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from gis.errors import InvalidInput
from gis.network.graph import WalkNetwork

MAX_SNAP_M = 200.0


class Unsnappable(InvalidInput):
    """A point is farther than the snapping distance from every walkable edge."""


@dataclass(frozen=True)
class Snapped:
    """Points on the network: their ``edge``, ``offset_m`` from its ``u`` end, ``distance_m`` off.

    ``ok`` is False for points with no edge within the snapping distance (their ``edge`` is -1).
    """

    edge: npt.NDArray[np.int64]
    offset_m: npt.NDArray[np.float64]
    distance_m: npt.NDArray[np.float64]

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        """Which points were snapped."""
        return self.edge >= 0

    def take(self, which: slice | npt.NDArray[np.bool_] | npt.NDArray[np.int64]) -> Snapped:
        """A subset of the points."""
        return Snapped(self.edge[which], self.offset_m[which], self.distance_m[which])


def snap_points(
    network: WalkNetwork,
    lonlat: npt.ArrayLike,
    *,
    max_distance_m: float = MAX_SNAP_M,
    labels: Sequence[str] | None = None,
    strict: bool = True,
) -> Snapped:
    """Snap EPSG:4326 points to the nearest edge of ``network``.

    Parameters
    ----------
    network
        The walking network.
    lonlat
        ``(n, 2)`` longitudes and latitudes.
    max_distance_m
        Points farther than this from every edge cannot be snapped.
    labels
        Names of the points, for the error message.
    strict
        Raise `Unsnappable` for the first point that cannot be snapped; else mark it (edge -1).

    Examples
    --------
    >>> from gis.network.graph import network_from_edges
    >>> net = network_from_edges([[116.35, 40.0], [116.36, 40.0]], [0], [1])
    >>> s = snap_points(net, [[116.355, 40.0001]])
    >>> int(s.edge[0]), round(float(s.offset_m[0])), round(float(s.distance_m[0]))
    (0, 427, 11)
    >>> snap_points(net, [[116.355, 40.01]], labels=["站A"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.network.snap.Unsnappable: 站A: (116.355, 40.01) is more than 200 m from every walkable ...
    """
    coords = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    points = shapely.points(np.column_stack(network.projection.forward(*coords.T)))
    found, distances = network.tree.query_nearest(
        points, max_distance=max_distance_m, return_distance=True, all_matches=False
    )
    edge = np.full(len(coords), -1, dtype=np.int64)
    distance = np.full(len(coords), np.inf)
    edge[found[0]], distance[found[0]] = found[1], distances
    offset = np.zeros(len(coords))
    ok = edge >= 0
    offset[ok] = shapely.line_locate_point(network.lines[edge[ok]], points[ok])
    if strict and not ok.all():
        i = int(np.argmin(ok))
        label = labels[i] if labels is not None else f"point {i}"
        raise Unsnappable(
            f"{label}: ({coords[i, 0]:.6g}, {coords[i, 1]:.6g}) is more than "
            f"{max_distance_m:g} m from every walkable street of network {network.name!r}"
        )
    return Snapped(edge, offset, distance)
