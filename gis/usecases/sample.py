"""The 学院路 sample: its boundaries, standard addresses, walking network, stations, incidents.

Loading is idempotent: boundaries go through the versioned load (nothing changes the second
time), addresses are upserted by their normalised form, stations by their ``source_id``, a
network already stored is only made current again, and sample incidents are generated only
while the store holds none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from gis import clock
from gis.areas import ORDER, Level
from gis.db import incidents as incident_sql
from gis.dispatch.rules import Rules
from gis.identity.access import Acting
from gis.identity.records import Actor
from gis.incidents.catalogue import Catalogue
from gis.io import read_boundaries, read_frame
from gis.sample.incident_places import Places, places_of
from gis.sample.incidents import COUNT, SAMPLE_MARK, SampleIncident, anchor_of, generate
from gis.sample.osm import read_roads
from gis.settings import (
    SAMPLE_ADDRESSES,
    SAMPLE_DIR,
    SAMPLE_OSM,
    SAMPLE_STATIONS,
    SHARED_DATA,
)
from gis.stations.records import read_stations
from gis.usecases import boundaries, dispatch, incidents, stations
from gis.usecases.runtime import Runtime
from gis.usecases.trail import audited

SAMPLE_LOADER = Acting.machine(Actor(principal="system:sample", source="sample"))
"""Who loads the sample (its writes are audited under this name)."""

SAMPLE_ROADS = SHARED_DATA / "osm" / "osm_roads_beijing_haidian_cau.geojson"
"""The streets the sample incidents happen on (their names); without it, the grids' edges."""
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


@dataclass(frozen=True)
class SampleIncidents:
    """What loading the sample incidents did.

    How many it reported, how many are in the store now, how many of them (and of any other
    overdue incident) supervision escalated.
    """

    reported: int
    present: int
    escalated: int = 0

    def summary(self) -> str:
        """One line for the CLI."""
        if not self.reported:
            return (
                f"incidents: {self.present} sample incidents already loaded "
                "(gridmap sample remove-incidents removes them)"
            )
        return (
            f"incidents: {self.reported} sample incidents over the last 12 months, "
            f"{self.escalated} overdue ones escalated"
        )


def sample_places() -> Places:
    """The sample's grids, homes (its address registry) and streets (its OSM roads, if present)."""
    grids = read_frame(SAMPLE_DIR / SAMPLE_FILES[Level.GRID])
    roads = read_roads(SAMPLE_ROADS) if SAMPLE_ROADS.exists() else None
    return places_of(grids, read_frame(SAMPLE_ADDRESSES), roads)


def waiting_categories(rules: Rules, catalogue: Catalogue) -> frozenset[str]:
    """The categories a new report waits in, ``reported``, for the street's dispatcher."""
    return frozenset(
        c.code
        for c in catalogue
        if (rule := rules.for_category(c.code)) is None or rule.to == "street_dispatcher"
    )


def load_sample_incidents(
    rt: Runtime, *, now: datetime | None = None, count: int = COUNT
) -> SampleIncidents:
    """Report the sample incidents and take them through the closed loop, as it happened.

    Nothing happens while the store holds sample incidents. Otherwise `generate` draws them for
    ``now``'s day (default: today) and every report and step is replayed in time order through
    the use cases (`incidents.report`, `incidents.transition`) at its own past time, by
    `SAMPLE_LOADER`: the dispatch rules, duplicate links, logs and audit entries are the real
    ones. Supervision (`dispatch.supervise`) then escalates what is overdue at the start of the
    day. The grid lookup, the address registry and the roster should be loaded first.
    """
    with rt.read() as conn:
        present = incident_sql.count_loaded(conn, mark=SAMPLE_MARK, loader=SAMPLE_LOADER.login)
    if present:
        return SampleIncidents(0, present)
    now = now or datetime.now(UTC)
    planned = generate(
        sample_places(),
        rt.catalogue,
        rt.departments,
        waiting=waiting_categories(rt.dispatch_rules, rt.catalogue),
        now=now,
        zone=clock.zone(),
        count=count,
    )
    _replay(rt, planned)
    steps = dispatch.supervise(rt, now=anchor_of(now, clock.zone()))
    return SampleIncidents(len(planned), len(planned), len({s.incident_id for s in steps}))


def _replay(rt: Runtime, planned: list[SampleIncident]) -> dict[int, int]:
    """Every report and step in time order; returns each sample number's incident id."""
    events = sorted(
        [(m.report.reported_at or m.steps[0].at, m.number, -1) for m in planned]
        + [(step.at, m.number, i) for m in planned for i, step in enumerate(m.steps)]
    )
    by_number = {m.number: m for m in planned}
    ids: dict[int, int] = {}
    first_step: dict[int, int] = {}
    for at, number, i in events:
        made = by_number[number]
        if i < 0:
            found, _ = incidents.report(rt, made.report, acting=SAMPLE_LOADER, at=at)
            ids[number] = found.incident.id
            first_step[number] = _taken(made, found.incident.status)
        elif i >= first_step[number]:
            incidents.transition(rt, ids[number], made.steps[i].change, acting=SAMPLE_LOADER, at=at)
    return ids


def _taken(made: SampleIncident, status: str) -> int:
    """The first step still to take once reported: a dispatch rule may have taken some."""
    statuses = [step.change.status for step in made.steps]
    return statuses.index(status) + 1 if status in statuses else 0


def remove_sample_incidents(rt: Runtime, *, acting: Acting) -> int:
    """Delete the sample incidents (with their logs and links) in one audited transaction.

    Only the incidents `SAMPLE_LOADER` reported with `SAMPLE_MARK`; every other incident stays.
    Returns how many went.
    """
    with audited(rt, acting.actor, "incidents.remove_sample", None) as trail:
        removed = incident_sql.delete_loaded(
            trail.conn, mark=SAMPLE_MARK, loader=SAMPLE_LOADER.login
        )
        trail.detail.update(removed=removed)
    return removed
