"""Removing the sample incidents takes exactly them, in one audited transaction (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from api.cli import app
from gis.incidents.records import IncidentQuery
from gis.incidents.report import IncidentReport
from gis.settings import SAMPLE_ADDRESSES, StoreSettings
from gis.usecases import boundaries, incidents, roster
from gis.usecases.runtime import Runtime
from gis.usecases.sample import (
    load_sample,
    load_sample_incidents,
    remove_sample_incidents,
)
from tests.principals import OWNER

NOW = datetime(2026, 11, 30, 3, 15, tzinfo=UTC)
REPORTED = datetime(2026, 11, 20, 2, tzinfo=UTC)
COUNT = 40


@pytest.fixture
def sample(rt: Runtime) -> Runtime:
    load_sample(rt)
    boundaries.import_addresses(rt, SAMPLE_ADDRESSES, acting=OWNER)
    roster.load_sample_roster(rt)
    return rt


def real_ones(rt: Runtime) -> list[int]:
    """A real report, and one whose reporter wrote ``sample: true`` into its attributes."""
    plain = IncidentReport("repair", "路灯不亮", lon=116.3505, lat=40.0035, reported_at=REPORTED)
    marked = IncidentReport(
        "hazard", "井盖松动", lon=116.3507, lat=40.0036, attributes={"sample": True}
    )
    return [incidents.report(rt, r, acting=OWNER)[0].incident.id for r in (plain, marked)]


def audit_after(rt: Runtime, after: int) -> list[tuple[str, str, dict]]:
    with rt.read() as conn:
        rows = conn.execute(
            text("SELECT action, result, detail FROM audit_log WHERE id > :after ORDER BY id"),
            {"after": after},
        ).all()
    return [tuple(row) for row in rows]


def last_audit_id(rt: Runtime) -> int:
    with rt.read() as conn:
        return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one())


def test_remove_takes_the_sample_and_leaves_real_ones(sample: Runtime) -> None:
    kept = real_ones(sample)
    assert load_sample_incidents(sample, now=NOW, count=COUNT).reported == COUNT
    before = last_audit_id(sample)
    assert remove_sample_incidents(sample, acting=OWNER) == COUNT
    left = incidents.list_incidents(sample, IncidentQuery(), acting=OWNER)
    assert [i.id for i in left] == kept
    assert all(incidents.details(sample, i, acting=OWNER).events for i in kept)
    with sample.read() as conn:
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM incident_events WHERE incident_id NOT IN (SELECT id FROM incidents)"
            )
        ).scalar_one()
    assert orphans == 0
    assert audit_after(sample, before) == [("incidents.remove_sample", "ok", {"removed": COUNT})]
    assert remove_sample_incidents(sample, acting=OWNER) == 0


def test_a_removed_sample_can_be_loaded_again(sample: Runtime) -> None:
    load_sample_incidents(sample, now=NOW, count=COUNT)
    remove_sample_incidents(sample, acting=OWNER)
    again = load_sample_incidents(sample, now=NOW, count=COUNT)
    assert (again.reported, again.present) == (COUNT, COUNT)


def test_cli_removes_the_sample(cli_env: StoreSettings, sample: Runtime) -> None:
    real_ones(sample)
    load_sample_incidents(sample, now=NOW, count=COUNT)
    result = CliRunner().invoke(app, ["sample", "remove-incidents"])
    assert result.exit_code == 0, result.output
    assert f"removed {COUNT} sample incidents" in result.output
    assert len(incidents.list_incidents(sample, IncidentQuery(), acting=OWNER)) == 2
