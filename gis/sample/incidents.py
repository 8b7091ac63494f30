"""Sample incidents for the 学院路 demo: a year of the closed loop, generated, never real.

`generate` draws a fixed number of incidents (``COUNT``) from a seeded generator, so that the
same sample and the same day give the same incidents: each is a report (category, Chinese
description, a point on a street or at a building — or only a registry address, as a hotline
call gives it — source, severity, time) and the steps it then takes through the closed loop
(`gis.incidents.lifecycle`), each at its own past time. Its *fate* — where it ends — is drawn
from `FATES`, so that every status is reached: most are closed with the resident's feedback,
some were reopened (and closed again, or still open), some are rejected, duplicates of an
earlier report nearby, or transferred; the open ones are recent, but for a few left overdue
for supervision (督办) to escalate.

Every report carries ``attributes["sample"] = True`` (`SAMPLE_MARK`): the demo's incidents
are removed by that mark (``gridmap sample remove-incidents``). Nothing here writes: the
loader (`gis.usecases.sample.load_sample_incidents`) replays the reports and steps through
the use cases, in time order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from gis.dispatch.departments import Departments
from gis.incidents.catalogue import Catalogue
from gis.incidents.lifecycle import Transition
from gis.incidents.report import IncidentReport
from gis.sample.incident_places import Places, at_home, jitter, on_street
from gis.sample.incident_texts import (
    DESCRIPTIONS,
    NOTES,
    RESOLUTIONS,
    STREET_SHARE,
    UNKNOWN_PLACES,
    feedback_note,
)

SAMPLE_MARK = {"sample": True}
"""The attributes that mark a sample incident (a jsonb containment test finds them)."""
COUNT = 240
SEED = 15
DAYS = 365
DAY = timedelta(days=1)
FATES: dict[str, int] = {
    "closed_reopened": 10,
    "reopened": 4,
    "resolved": 10,
    "in_progress": 10,
    "dispatched": 8,
    "triaged": 5,
    "reported": 6,
    "needs_location": 4,
    "rejected": 8,
    "duplicate": 8,
    "transferred": 8,
    "overdue": 10,
}
"""How many incidents end where (the rest are ``closed``): ``overdue`` ones are still being
handled long past their due time; ``closed_reopened`` ones were reopened once."""
PATHS: dict[str, tuple[str, ...]] = {
    "closed": ("triaged", "dispatched", "in_progress", "resolved", "closed"),
    "closed_reopened": (
        *("triaged", "dispatched", "in_progress", "resolved", "closed"),
        *("reopened", "in_progress", "resolved", "closed"),
    ),
    "reopened": ("triaged", "dispatched", "in_progress", "resolved", "reopened"),
    "resolved": ("triaged", "dispatched", "in_progress", "resolved"),
    "in_progress": ("triaged", "dispatched", "in_progress"),
    "overdue": ("triaged", "dispatched", "in_progress"),
    "dispatched": ("triaged", "dispatched"),
    "triaged": ("triaged",),
    "reported": (),
    "needs_location": (),
    "rejected": ("triaged", "rejected"),
    "duplicate": ("triaged", "duplicate"),
    "transferred": ("transferred",),
}
"""The statuses each fate passes through after the report (a rule may dispatch it at once:
the loader then skips the steps the rule took)."""
RECENT = frozenset({"in_progress", "dispatched", "triaged", "reported"})
"""Fates still open and not yet due: reported in the last days."""
STEP_HOURS: dict[str, tuple[float, float]] = {
    "triaged": (0.2, 3.0),
    "dispatched": (0.1, 2.0),
    "in_progress": (0.5, 10.0),
    "closed": (4.0, 72.0),
    "reopened": (2.0, 96.0),
    "rejected": (0.2, 4.0),
    "duplicate": (0.2, 4.0),
    "transferred": (0.2, 6.0),
}
"""How long after the step before it each step comes (uniform, hours); ``resolved`` takes a
share of the category's SLA (`RESOLVE_SLA_SHARE`)."""
RESOLVE_SLA_SHARE = (0.15, 1.3)
"""Resolved after this share of the SLA: about one in five late."""
CATEGORY_WEIGHTS = {
    "sanitation": 0.24,
    "repair": 0.20,
    "hazard": 0.15,
    "livelihood": 0.13,
    "dispute": 0.10,
    "public_order": 0.08,
    "fire": 0.10,
}
"""How common each category is (one a catalogue adds, unknown here, weighs 0.05)."""
SOURCES = (("app", 0.45), ("hotline", 0.25), ("grid_worker", 0.30))
BY_ADDRESS_SHARE = 0.35
"""Of the hotline reports about a home, the share given only by the registry address."""
SCORES = ((5, 0.55), (4, 0.30), (3, 0.08), (2, 0.05), (1, 0.02))
SEVERITY = {"fire": 4, "hazard": 4, "public_order": 3, "repair": 3}


@dataclass(frozen=True)
class Step:
    """One step of a sample incident's closed loop, at its time."""

    at: datetime
    change: Transition


@dataclass(frozen=True)
class SampleIncident:
    """A generated report, the steps it takes, and its fate (where it ends)."""

    number: int
    report: IncidentReport
    steps: tuple[Step, ...]
    fate: str


def anchor_of(now: datetime, zone: ZoneInfo) -> datetime:
    """The start of ``now``'s day in ``zone``: every sample time lies before it.

    Examples
    --------
    >>> from datetime import UTC
    >>> anchor_of(datetime(2026, 3, 1, 17, 30, tzinfo=UTC), ZoneInfo("Asia/Shanghai")).isoformat()
    '2026-03-02T00:00:00+08:00'
    """
    return datetime.combine(now.astimezone(zone).date(), time(), tzinfo=zone)


def generate(
    places: Places,
    catalogue: Catalogue,
    departments: Departments,
    *,
    waiting: frozenset[str],
    now: datetime,
    zone: ZoneInfo,
    count: int = COUNT,
) -> list[SampleIncident]:
    """Draw ``count`` sample incidents over the ``DAYS`` before ``now``'s day, by report time.

    Parameters
    ----------
    places : Places
        Homes, streets and the grids' extent.
    catalogue, departments : Catalogue, Departments
        The categories (SLA, names) and who takes each category by hand.
    waiting : frozenset of str
        The categories whose new reports wait for the dispatcher (``reported``) instead of
        being dispatched by a rule: the incidents that end ``reported`` or ``triaged`` are
        of these.
    now : datetime
        Any time of the day the sample ends with (the same day gives the same incidents).
    zone : ZoneInfo
        The zone whose day that is (reports come in the daytime there).
    count : int
        How many; the fates of `FATES` come first, so a small sample lacks some.

    Returns
    -------
    list of SampleIncident
        Numbered from 1, oldest report first.
    """
    anchor = anchor_of(now, zone)
    rng = np.random.default_rng([SEED, anchor.toordinal()])
    codes = sorted(c.code for c in catalogue)
    held = sorted(waiting & set(codes)) or codes
    made = []
    for fate in _fates(count, rng):
        category = _category(rng, held if fate in ("reported", "triaged") else codes)
        made.append(_incident(rng, places, catalogue, departments, anchor, fate, category))
    made = [_duplicate_of(rng, made, m) if m.fate == "duplicate" else m for m in made]
    made.sort(key=lambda m: m.report.reported_at or anchor)
    return [_numbered(m, n) for n, m in enumerate(made, start=1)]


def _category(rng: np.random.Generator, codes: list[str]) -> str:
    weights = np.array([CATEGORY_WEIGHTS.get(code, 0.05) for code in codes])
    return str(rng.choice(codes, p=weights / weights.sum()))


def _fates(count: int, rng: np.random.Generator) -> list[str]:
    fixed = [fate for fate, n in FATES.items() for _ in range(n)][:count]
    fates = fixed + ["closed"] * (count - len(fixed))
    return [fates[i] for i in rng.permutation(len(fates))]


def _numbered(made: SampleIncident, number: int) -> SampleIncident:
    attributes = {**made.report.attributes, "sample_id": f"S{number:04d}"}
    report = replace(made.report, attributes=attributes)
    return SampleIncident(number, report, made.steps, made.fate)


def _incident(
    rng: np.random.Generator,
    places: Places,
    catalogue: Catalogue,
    departments: Departments,
    anchor: datetime,
    fate: str,
    category: str,
) -> SampleIncident:
    sla = timedelta(hours=catalogue[category].sla_hours)
    reported_at = _report_time(rng, anchor, fate, sla)
    report = _report(rng, places, category, fate, reported_at)
    steps = _steps(rng, PATHS[fate], category, departments, reported_at, sla, anchor)
    return SampleIncident(0, report, steps, fate)


def _report_time(rng: np.random.Generator, anchor: datetime, fate: str, sla: timedelta) -> datetime:
    """Daytime on a past day: open fates recently (within the SLA), overdue ones long past it."""
    if fate in RECENT or fate == "needs_location":
        hours = float(rng.uniform(2.0, max(3.0, 0.8 * sla.total_seconds() / 3600)))
        return anchor - timedelta(seconds=round(hours * 3600))
    if fate == "overdue":
        return (
            anchor
            - sla
            - int(rng.integers(1, 40)) * DAY
            + timedelta(minutes=int(rng.integers(0, 600)))
        )
    days = {"resolved": (1, 4), "reopened": (4, 20)}.get(fate, (8, DAYS))
    day = int(rng.integers(*days))
    minutes = int(rng.integers(7 * 60, 22 * 60))
    return anchor - day * DAY + timedelta(minutes=minutes)


def _report(
    rng: np.random.Generator, places: Places, category: str, fate: str, at: datetime
) -> IncidentReport:
    source = str(rng.choice([s for s, _ in SOURCES], p=[p for _, p in SOURCES]))
    severity = int(np.clip(SEVERITY.get(category, 2) + rng.integers(-1, 2), 1, 5))
    base = IncidentReport(
        category, source=source, severity=severity, reported_at=at, attributes=dict(SAMPLE_MARK)
    )
    if fate == "needs_location":
        place = str(rng.choice(UNKNOWN_PLACES))
        description = _describe(rng, category, "", place)
        return replace(base, description=description, address=place, source="hotline")
    if rng.random() < STREET_SHARE[category]:
        lon, lat, street = on_street(rng, places)
        return replace(base, description=_describe(rng, category, street, ""), lon=lon, lat=lat)
    lon, lat, address = at_home(rng, places)
    described = replace(base, description=_describe(rng, category, "", address))
    if source == "hotline" and rng.random() < BY_ADDRESS_SHARE:
        return replace(described, address=address)
    return replace(described, lon=lon, lat=lat)


def _describe(rng: np.random.Generator, category: str, street: str, building: str) -> str:
    kind = "street" if street else "building"
    template = str(rng.choice(DESCRIPTIONS[category][kind]))
    return template.format(street=street, building=building)


def _steps(
    rng: np.random.Generator,
    path: tuple[str, ...],
    category: str,
    departments: Departments,
    reported_at: datetime,
    sla: timedelta,
    anchor: datetime,
) -> tuple[Step, ...]:
    times = _times(rng, path, reported_at, sla, anchor)
    scores = _scores(rng, path)
    return tuple(
        Step(
            at,
            _change(rng, status, category, departments, scores.pop(0) if status == "closed" else 0),
        )
        for status, at in zip(path, times, strict=True)
    )


def _times(
    rng: np.random.Generator,
    path: tuple[str, ...],
    reported_at: datetime,
    sla: timedelta,
    anchor: datetime,
) -> list[datetime]:
    """Each step's time; squeezed towards the report when the last would not be past."""
    hours, elapsed = [], 0.0
    sla_hours = sla.total_seconds() / 3600
    for status in path:
        if status == "resolved":
            step = max(0.5, sla_hours * float(rng.uniform(*RESOLVE_SLA_SHARE)) - elapsed)
        else:
            step = float(rng.uniform(*STEP_HOURS[status]))
        elapsed += step
        hours.append(elapsed)
    room = (anchor - timedelta(minutes=10) - reported_at).total_seconds() / 3600
    squeeze = min(1.0, room / elapsed) if hours else 1.0
    return [reported_at + timedelta(seconds=round(h * 3600 * squeeze)) for h in hours]


def _scores(rng: np.random.Generator, path: tuple[str, ...]) -> list[int]:
    """The feedback of each closure: a closure later reopened was an unsatisfied one."""
    closures = path.count("closed")
    drawn = int(rng.choice([s for s, _ in SCORES], p=[p for _, p in SCORES]))
    if "reopened" in path:
        return [2] * (closures - 1) + [max(drawn, 4)] * min(closures, 1)
    return [drawn] * closures


def _change(
    rng: np.random.Generator, status: str, category: str, departments: Departments, score: int
) -> Transition:
    if status in ("dispatched", "transferred"):
        accepting = [d for d in departments if category in d.categories]
        to = accepting[0] if status == "dispatched" else accepting[-1]
        note = str(rng.choice(NOTES[status])).format(to=to.zh)
        return Transition(status, note=note, assignee=to.code)
    if status == "resolved":
        return Transition(status, note=str(rng.choice(RESOLUTIONS[category])))
    if status == "closed":
        return Transition(status, note=feedback_note(score), score=score)
    return Transition(status, note=str(rng.choice(NOTES[status])))


def _duplicate_of(
    rng: np.random.Generator, made: list[SampleIncident], duplicate: SampleIncident
) -> SampleIncident:
    """Report again, nearby, what an earlier incident reported while it was still open.

    The intake links the two (same category and grid, within the duplicate radius and
    window) and the dispatcher marks the second one a duplicate.
    """
    originals = [m for m in made if m.fate == "closed" and m.report.has_point]
    if not originals:  # a small sample: marked a duplicate without its twin
        return duplicate
    original = originals[int(rng.integers(len(originals)))]
    first = original.report
    assert first.lon is not None and first.lat is not None and first.reported_at is not None
    resolved = next(s.at for s in original.steps if s.change.status == "resolved")
    span = min(resolved - first.reported_at, timedelta(hours=12))
    reported_at = first.reported_at + timedelta(
        seconds=round(span.total_seconds() * float(rng.uniform(0.2, 0.8)))
    )
    lon, lat = jitter(rng, first.lon, first.lat, 4.0)
    report = replace(first, lon=lon, lat=lat, reported_at=reported_at, source="app")
    hours = np.cumsum(rng.uniform(0.3, 3.0, 2))
    steps = tuple(
        Step(
            reported_at + timedelta(hours=float(h)),
            Transition(status, note=str(rng.choice(NOTES[status]))),
        )
        for status, h in zip(PATHS["duplicate"], hours, strict=True)
    )
    return SampleIncident(0, report, steps, "duplicate")
