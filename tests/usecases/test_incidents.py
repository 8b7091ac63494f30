"""Incident intake: one report and a batch of reports go through the same pipeline."""

from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gis.areas import Level
from gis.db import addresses as address_sql
from gis.incidents.keys import ANONYMOUS, IdempotencyKey, Scope
from gis.incidents.lifecycle import Transition
from gis.incidents.records import Incident, IncidentQuery
from gis.incidents.report import IncidentReport
from gis.usecases import incidents
from gis.usecases.imports import Importer
from gis.usecases.runtime import Runtime
from tests.principals import OWNER
from tests.stores import address_row, load_hierarchy

REPORTED = datetime(2026, 11, 1, 8, tzinfo=UTC)
BY_POINT = IncidentReport(
    category="hazard", description="电线裸露", lon=116.345, lat=40.0, reported_at=REPORTED
)
BY_ADDRESS = IncidentReport(category="hazard", address="学院路 18号 10号楼", reported_at=REPORTED)
NOWHERE = IncidentReport(category="hazard", address="月球背面1号", reported_at=REPORTED)
# what differs between two stored copies of one report: identity, bookkeeping, how it came
OWN = {"id", "updated_at", "possible_duplicate"}


@pytest.fixture
def store(rt: Runtime, tmp_path: Path) -> Runtime:
    load_hierarchy(rt, tmp_path)
    with rt.write() as conn:
        row = address_row("北京市海淀区学院路18号10号楼", 116.355, 40.0, building="10号楼")
        address_sql.upsert_addresses(conn, rows=[row])
    return rt


def stored(rt: Runtime) -> list[Incident]:
    return incidents.list_incidents(rt, IncidentQuery(), acting=OWNER)


def comparable(incident: Incident) -> dict:
    return {k: v for k, v in asdict(incident).items() if k not in OWN}


def batch(rt: Runtime, reports: list[IncidentReport], digest: str = "f" * 64) -> Importer:
    refused: list[str] = []
    importer = Importer(
        rt,
        "file.csv",
        "wgs84",
        "app",
        lambda _, error: refused.append(error),
        digest=digest,
        acting=OWNER,
    )
    importer.commit([(number, {}, r) for number, r in enumerate(reports, start=1)])
    assert refused == []
    return importer


def key(name: str, scope: Scope = "native", client: str = ANONYMOUS) -> IdempotencyKey:
    return IdempotencyKey(scope, client, name)


@pytest.mark.parametrize(
    ("report", "status", "grid"),
    [
        (BY_POINT, "reported", "110108010019001"),
        (BY_ADDRESS, "reported", "110108010019002"),
        (NOWHERE, "needs_location", None),
    ],
    ids=["point", "address", "unplaced"],
)
def test_one_report_and_a_batch_of_one_write_the_same_row(
    store: Runtime, report: IncidentReport, status: str, grid: str | None
) -> None:
    single, created = incidents.report(store, report, acting=OWNER, key=key("one"))
    batch(store, [report])
    first, second = stored(store)
    assert created and first.id == single.incident.id
    assert (first.status, first.grid_code) == (status, grid)
    assert comparable(first) == comparable(second)


def test_duplicates_are_linked_alike_one_by_one_and_in_a_batch(store: Runtime) -> None:
    near = replace(BY_POINT, lon=116.3451)  # ~9 m away: same category and grid
    for name, report in (("a", BY_POINT), ("b", near)):
        incidents.report(store, report, acting=OWNER, key=key(name))
    tally = batch(store, [BY_POINT, near]).tally
    flags = [i.possible_duplicate for i in stored(store)]
    assert flags == [False, True, True, True]  # each later report links to the earlier ones
    assert tally.duplicates == 2


def test_a_batch_the_store_refuses_is_retried_row_by_row(store: Runtime) -> None:
    refused: list[str] = []
    importer = Importer(
        store,
        "file.csv",
        "wgs84",
        "app",
        lambda _, error: refused.append(error),
        digest="f" * 64,
        acting=OWNER,
    )
    unstorable = replace(BY_POINT, description="坏\x00")  # past the parser, as a bug might be
    importer.commit([(n, {}, r) for n, r in enumerate([BY_POINT, unstorable, BY_ADDRESS], 1)])
    assert (importer.tally.added, importer.tally.rejected) == (2, 1)
    assert len(refused) == 1 and "store refused" in refused[0]
    assert len(stored(store)) == 2


def test_a_retried_key_returns_the_first_incident(store: Runtime) -> None:
    first, created = incidents.report(store, BY_POINT, acting=OWNER, key=key("k"))
    again, created_again = incidents.report(store, BY_POINT, acting=OWNER, key=key("k"))
    assert (created, created_again) == (True, False)
    assert again.incident.id == first.incident.id and len(stored(store)) == 1


def test_the_first_log_entry_names_the_source_and_a_missing_place(store: Runtime) -> None:
    found, _ = incidents.report(store, NOWHERE, acting=OWNER)
    [event] = found.events
    assert (event.actor, event.from_status, event.to_status) == ("os:test", None, "needs_location")
    assert event.note == "via app; place unknown"


def close(rt: Runtime, incident_id: int, **feedback: object) -> None:
    for status in ("triaged", "dispatched", "in_progress", "resolved"):
        incidents.transition(rt, incident_id, Transition(status, assignee="城管执法"), acting=OWNER)
    incidents.transition(rt, incident_id, Transition("closed", **feedback), acting=OWNER)  # type: ignore[arg-type]


def test_reopen_drops_the_earlier_feedback(store: Runtime) -> None:
    """Issue 11, item 18: after a reopen the old "satisfied" no longer counts."""
    found, _ = incidents.report(store, BY_POINT, acting=OWNER)
    close(store, found.incident.id, satisfied=True)
    incidents.transition(store, found.incident.id, Transition("reopened"), acting=OWNER)
    [grid] = [s for s in incidents.area_stats(store, acting=OWNER, level=Level.GRID) if s.total]
    assert (grid.with_feedback, grid.satisfaction_rate) == (0, None)
    close(store, found.incident.id, score=2)
    [grid] = [s for s in incidents.area_stats(store, acting=OWNER, level=Level.GRID) if s.total]
    assert (grid.with_feedback, grid.satisfaction_rate) == (1, 0.0)
