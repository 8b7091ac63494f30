"""The walking network: nodes and straight edges in a metric plane, and its sparse matrix.

Edges are straight segments (an OSM way contributes one edge per consecutive node pair), so
a point at a distance along an edge is a linear interpolation and partial edges are cut
exactly. The graph is undirected (people walk both ways along one-way streets).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely

from gis.errors import InvalidInput
from gis.network.project import Projection

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class StoredNetwork:
    """A walking network as the store keeps it: its version (SHA-256), name, size, load time."""

    version: str
    name: str
    node_count: int
    edge_count: int
    is_current: bool
    loaded_at: datetime


class WalkNetwork:
    """Nodes (lon/lat and metric x/y), undirected edges ``u``–``v`` and their lengths in metres.

    Build it with `network_from_edges` or `gis.network.network_from_osm`.
    """

    def __init__(
        self,
        *,
        lonlat: FloatArray,
        xy: FloatArray,
        u: IntArray,
        v: IntArray,
        node_ids: IntArray,
        projection: Projection,
        name: str,
        version: str,
    ) -> None:
        self.lonlat, self.xy = lonlat, xy
        self.u, self.v, self.node_ids = u, v, node_ids
        self.length_m = np.hypot(*(xy[v] - xy[u]).T)
        self.projection, self.name, self.version = projection, name, version

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return len(self.xy)

    @property
    def edge_count(self) -> int:
        """Number of edges."""
        return len(self.u)

    @cached_property
    def matrix(self) -> sp.csr_matrix:
        """The ``n × n`` matrix of edge lengths (one triangle; route with ``directed=False``)."""
        n = self.node_count
        return sp.csr_matrix((self.length_m, (self.u, self.v)), shape=(n, n))

    @cached_property
    def lines(self) -> npt.NDArray[np.object_]:
        """The edges as metric shapely LineStrings."""
        return np.asarray(shapely.linestrings(self.segments()), dtype=object)

    @cached_property
    def tree(self) -> shapely.STRtree:
        """A spatial index of `lines`."""
        return shapely.STRtree(self.lines)

    def segments(self, edges: IntArray | None = None) -> FloatArray:
        """Edge end points as an ``(m, 2, 2)`` metric array (all edges by default)."""
        edges = np.arange(self.edge_count) if edges is None else edges
        return np.stack([self.xy[self.u[edges]], self.xy[self.v[edges]]], axis=1)


def _clean(xy: FloatArray, u: IntArray, v: IntArray) -> tuple[IntArray, IntArray]:
    """Drop loops and zero-length edges, and duplicates of one node pair."""
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keep = (lo != hi) & (np.hypot(*(xy[hi] - xy[lo]).T) > 0)
    pairs = np.unique(np.column_stack([lo[keep], hi[keep]]), axis=0)
    return pairs[:, 0], pairs[:, 1]


def network_from_edges(
    lonlat: npt.ArrayLike,
    u: npt.ArrayLike,
    v: npt.ArrayLike,
    *,
    node_ids: npt.ArrayLike | None = None,
    name: str = "network",
    version: str | None = None,
) -> WalkNetwork:
    """A `WalkNetwork` from node coordinates (EPSG:4326) and edges as pairs of node indices.

    Lengths are measured in the UTM zone of the nodes' centre. Without a ``version`` one is
    derived from the coordinates and edges.

    Examples
    --------
    >>> net = network_from_edges([[116.35, 40.0], [116.36, 40.0]], [0], [1])
    >>> net.edge_count, round(float(net.length_m[0]))
    (1, 854)
    """
    coords = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    if len(coords) == 0:
        raise InvalidInput("network: no nodes")
    west, south = coords.min(axis=0)
    east, north = coords.max(axis=0)
    projection = Projection.around((west + east) / 2, (south + north) / 2)
    xy = np.column_stack(projection.forward(coords[:, 0], coords[:, 1]))
    first, second = _clean(xy, np.asarray(u, np.int64), np.asarray(v, np.int64))
    if len(first) == 0:
        raise InvalidInput("network: no edge of non-zero length")
    if version is None:
        digest = hashlib.sha256(coords.tobytes() + first.tobytes() + second.tobytes())
        version = digest.hexdigest()[:16]
    return WalkNetwork(
        lonlat=coords,
        xy=xy,
        u=first,
        v=second,
        node_ids=np.arange(len(coords)) if node_ids is None else np.asarray(node_ids, np.int64),
        projection=projection,
        name=name,
        version=version,
    )
