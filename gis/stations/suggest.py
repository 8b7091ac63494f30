"""New sites for a station type, existing stations kept fixed (pure: the network and points in).

Demand is the households of the standard addresses (or, with none, an even lattice over the
grids weighted by their households). A site covers a demand point when the walk from the
site's street point to it — network distance plus the point's access leg — is within the
coverage minutes. Candidates are the street nodes inside the grids, or the household
points themselves (``candidates="homes"``). The picks come from
`gis.stations.siting.greedy_max_cover`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely

from gis.errors import InvalidInput
from gis.network import Snapped, WalkNetwork, snap_points, walk_metres
from gis.network.reach import walk_distances
from gis.stations.catalogue import StationType
from gis.stations.settings import AccessSettings
from gis.stations.siting import greedy_max_cover

CANDIDATES = ("nodes", "homes")
_ROWS = 512  # candidates routed per pass: bounds the dense distance block


def cover_matrix(
    network: WalkNetwork, sites: Snapped, demand: Snapped, limit_m: float
) -> sp.csr_matrix:
    """``(sites, demand)`` boolean sparse matrix: the walk is within ``limit_m``."""
    blocks = [
        sp.csr_matrix(
            walk_distances(network, sites.take(slice(i, i + _ROWS)), demand, limit_m) <= limit_m
        )
        for i in range(0, len(sites.edge), _ROWS)
    ]
    return (
        sp.vstack(blocks, format="csr")
        if blocks
        else sp.csr_matrix((0, len(demand.edge)), dtype=bool)
    )


@dataclass(frozen=True)
class Demand:
    """Where the demand is: points (EPSG:4326) and their weights, households or area."""

    lonlat: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64]
    basis: str  # households | area


@dataclass(frozen=True)
class Suggestion:
    """Up to ``k`` new sites in order, each with the households it newly covers (``gain``)."""

    station_type: StationType
    minutes: float
    weights: str
    existing: int
    demand: float
    covered_before: float
    picks: list[dict[str, Any]]

    @property
    def share_before(self) -> float | None:
        """The share of demand the existing stations cover."""
        return round(self.covered_before / self.demand, 4) if self.demand else None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields."""
        kind = self.station_type
        return {
            "station_type": {"code": kind.code, "zh": kind.zh, "en": kind.en},
            "minutes": self.minutes,
            "weights": self.weights,
            "existing": self.existing,
            "demand": round(self.demand, 1),
            "covered_before": round(self.covered_before, 1),
            "share_before": self.share_before,
            "picks": self.picks,
        }


def _candidates(
    network: WalkNetwork, kind: str, homes: np.ndarray, grids: shapely.Geometry
) -> np.ndarray:
    if kind == "homes":
        return homes
    if kind != "nodes":
        raise InvalidInput(f"candidates: {kind!r} must be nodes or homes")
    inside = shapely.contains_xy(grids, network.lonlat[:, 0], network.lonlat[:, 1])
    return network.lonlat[inside]


def suggest_sites(
    network: WalkNetwork,
    *,
    station_type: StationType,
    k: int,
    demand: Demand,
    existing: npt.NDArray[np.float64],
    grids: shapely.Geometry,
    settings: AccessSettings,
    candidates: str = "nodes",
) -> Suggestion:
    """Up to ``k`` new sites covering the most demand not yet covered by ``existing`` stations.

    ``existing`` are the type's stations (EPSG:4326 points), ``grids`` the union of the grids
    (node candidates must lie inside).
    """
    if not 1 <= k <= 100:
        raise InvalidInput(f"k: {k} must be between 1 and 100")
    limit = walk_metres(settings.coverage_minutes, settings.walk_speed_kmh)
    snapped = snap_points(network, demand.lonlat, max_distance_m=settings.snap_max_m, strict=False)
    ok = snapped.ok
    points, weights = snapped.take(ok), demand.weights[ok]
    fixed = snap_points(
        network, existing.reshape(-1, 2), max_distance_m=settings.snap_max_m, strict=False
    )
    already = cover_matrix(network, fixed.take(fixed.ok), points, limit).sum(axis=0).A1 > 0
    sites_lonlat = _candidates(network, candidates, demand.lonlat[ok], grids)
    sites = snap_points(network, sites_lonlat, max_distance_m=settings.snap_max_m, strict=False)
    sites_lonlat = sites_lonlat[sites.ok]
    picks = greedy_max_cover(
        cover_matrix(network, sites.take(sites.ok), points, limit), weights, already=already, k=k
    )
    total, before = float(weights.sum()), float(weights[already].sum())
    rows, running = [], before
    for rank, pick in enumerate(picks, start=1):
        running += pick.gain
        lon, lat = sites_lonlat[pick.candidate]
        rows.append(
            {
                "rank": rank,
                "lon": round(float(lon), 7),
                "lat": round(float(lat), 7),
                "gain": round(pick.gain, 1),
                "covered": round(running, 1),
                "share": round(running / total, 4) if total else None,
            }
        )
    return Suggestion(
        station_type, settings.coverage_minutes, demand.basis, len(existing), total, before, rows
    )
