"""The 学院路 sample: its boundaries, standard addresses, walking network and stations.

Loading is idempotent: boundaries go through the versioned load (nothing changes the second
time), addresses are upserted by their normalised form, stations by their ``source_id``, and a
network already stored is only made current again.
"""

from __future__ import annotations

from gis.areas import ORDER, Level
from gis.identity.access import Acting
from gis.identity.records import Actor
from gis.io import read_boundaries
from gis.settings import SAMPLE_ADDRESSES, SAMPLE_DIR, SAMPLE_OSM, SAMPLE_STATIONS
from gis.stations.records import read_stations
from gis.usecases import boundaries, stations
from gis.usecases.runtime import Runtime

SAMPLE_LOADER = Acting.machine(Actor(principal="system:sample", source="sample"))
"""Who loads the sample (its writes are audited under this name)."""

SAMPLE_FILES = {
    Level.DISTRICT: "xueyuanlu_district.geojson",
    Level.SUBDISTRICT: "xueyuanlu_subdistrict.geojson",
    Level.COMMUNITY: "xueyuanlu_communities.geojson",
    Level.GRID: "xueyuanlu_grids.geojson",
}


def load_sample(rt: Runtime) -> list[str]:
    """Commit the sample boundaries, level by level; one summary line per level."""
    lines = []
    for level in ORDER:
        boundary = read_boundaries(SAMPLE_DIR / SAMPLE_FILES[level], level=level)
        lines.append(boundaries.load(rt, boundary, acting=SAMPLE_LOADER, level=level).summary())
    return lines


def load_sample_extras(rt: Runtime) -> list[str]:
    """Standard addresses, the walking network (from ../shared when present) and the stations."""
    added = boundaries.import_addresses(rt, SAMPLE_ADDRESSES, acting=SAMPLE_LOADER)
    lines = [f"addresses: {added} standard addresses"]
    if SAMPLE_OSM.exists():
        network, _ = stations.load_network(rt, SAMPLE_OSM, acting=SAMPLE_LOADER)
        lines.append(f"walking network {network.version} from {SAMPLE_OSM.name}")
    else:
        lines.append(f"no walking network: {SAMPLE_OSM} is missing (isochrones need one)")
    parsed = read_stations(
        SAMPLE_STATIONS.read_bytes(), kind="geojson", catalogue=rt.station_types, crs="wgs84"
    )
    summary = stations.import_stations(rt, parsed, acting=SAMPLE_LOADER)
    lines.append(f"stations: {summary.created} created, {summary.updated} updated")
    return lines
