"""``gridmap stations suggest``: new sites for a station type, existing stations kept fixed.

Demand is the households of the standard addresses (or, with none, an even lattice over the
grids weighted by their households). A site covers a demand point when the walk from the
site's street point to it — network distance plus the point's access leg — is within the
coverage minutes. Candidates are the street nodes inside the grids, or the household
points themselves (``candidates="homes"``). The picks come from
`gis.stations.siting.greedy_max_cover`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
import shapely

from gis.db import stations as station_sql
from gis.db.engine import Connection
from gis.errors import InvalidInput
from gis.network import Snapped, WalkNetwork, snap_points, walk_metres
from gis.network.reach import walk_distances
from gis.stations.analytics import areas_for_coverage
from gis.stations.catalogue import StationCatalogue
from gis.stations.demand import lattice_demand
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


def _demand(conn: Connection) -> tuple[np.ndarray, np.ndarray, str]:
    lonlat, households = station_sql.household_points(conn)
    if len(households) and households.sum() > 0:
        return lonlat, households, "households"
    points, weights = lattice_demand(areas_for_coverage(conn).query("level == 'grid'"))
    return points, weights, "area"


def _candidates(conn: Connection, network: WalkNetwork, kind: str, homes: np.ndarray) -> np.ndarray:
    if kind == "homes":
        return homes
    if kind != "nodes":
        raise InvalidInput(f"candidates: {kind!r} must be nodes or homes")
    grids = shapely.union_all(areas_for_coverage(conn).query("level == 'grid'").geometry.values)
    inside = shapely.contains_xy(grids, network.lonlat[:, 0], network.lonlat[:, 1])
    return network.lonlat[inside]


def suggest_sites(
    conn: Connection,
    network: WalkNetwork,
    *,
    station_type: str,
    k: int,
    catalogue: StationCatalogue,
    settings: AccessSettings,
    candidates: str = "nodes",
) -> dict[str, Any]:
    """Up to ``k`` new sites, each with the households it newly covers (``gain``)."""
    found = catalogue.find(station_type)
    if not 1 <= k <= 100:
        raise InvalidInput(f"k: {k} must be between 1 and 100")
    limit = walk_metres(settings.coverage_minutes, settings.walk_speed_kmh)
    lonlat, weights, basis = _demand(conn)
    demand = snap_points(network, lonlat, max_distance_m=settings.snap_max_m, strict=False)
    ok = demand.ok
    demand, weights = demand.take(ok), weights[ok]
    existing = station_sql.list_stations(conn, station_type=found.code)
    fixed = snap_points(
        network,
        [(s["lon"], s["lat"]) for s in existing] or np.zeros((0, 2)),
        max_distance_m=settings.snap_max_m,
        strict=False,
    )
    already = cover_matrix(network, fixed.take(fixed.ok), demand, limit).sum(axis=0).A1 > 0
    sites_lonlat = _candidates(conn, network, candidates, lonlat[ok])
    sites = snap_points(network, sites_lonlat, max_distance_m=settings.snap_max_m, strict=False)
    sites_lonlat = sites_lonlat[sites.ok]
    picks = greedy_max_cover(
        cover_matrix(network, sites.take(sites.ok), demand, limit), weights, already=already, k=k
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
    return {
        "station_type": {"code": found.code, "zh": found.zh, "en": found.en},
        "minutes": settings.coverage_minutes,
        "weights": basis,
        "existing": len(existing),
        "demand": round(total, 1),
        "covered_before": round(before, 1),
        "share_before": round(before / total, 4) if total else None,
        "picks": rows,
    }
