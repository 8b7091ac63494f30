"""Issue 11, item 3: idempotency keys, scoped per source and client, fingerprinted, expiring.

Reports here have only an address the registry does not know, so no boundaries are needed:
each is written as ``needs_location``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from gis.errors import IdempotencyKeyReused
from gis.incidents.keys import ANONYMOUS, IdempotencyKey, import_key
from gis.incidents.report import IncidentReport
from gis.settings import IncidentSettings
from gis.usecases import incidents
from gis.usecases.imports import Importer
from gis.usecases.runtime import Runtime
from tests.principals import OWNER

REPORT = IncidentReport(
    category="hazard",
    description="电线裸露",
    address="月球背面1号",
    reported_at=datetime(2026, 11, 1, 8, tzinfo=UTC),
)
OTHER = replace(REPORT, description="井盖缺失")
DIGEST = "d" * 64


def native(key: str, client: str = ANONYMOUS) -> IdempotencyKey:
    return IdempotencyKey("native", client, key)


def counts(rt: Runtime) -> tuple[int, int, int]:
    """Incidents, log entries and keys stored."""
    with rt.read() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("incidents", "incident_events", "idempotency_keys")
        )


def age_keys(rt: Runtime, hours: float) -> None:
    """Make every stored key ``hours`` older (as if it had been given then)."""
    with rt.write() as conn:
        conn.execute(
            text(
                "UPDATE idempotency_keys SET created_at = created_at - make_interval(secs => :h * 3600)"
            ),
            {"h": hours},
        )


def record(report: IncidentReport) -> dict[str, object]:
    """A row of an import file giving ``report``."""
    fields = ("category", "description", "address", "reported_at")
    return {name: str(getattr(report, name)) for name in fields}


def imported(rt: Runtime, reports: list[IncidentReport], **options: str) -> Importer:
    """Import rows giving ``reports``; refusals in ``importer.refused``."""
    refused: list[str] = []
    given = {"crs": "wgs84", "source": "import", "digest": DIGEST, **options}
    importer = Importer(
        rt,
        "reports.csv",
        given["crs"],
        given["source"],
        lambda _, error: refused.append(error),
        digest=given["digest"],
        acting=OWNER,
    )
    importer.run([record(r) for r in reports])
    importer.refused = refused  # type: ignore[attr-defined]
    return importer


def test_item3_the_same_key_and_report_answers_the_first_incident(rt: Runtime) -> None:
    first, created = incidents.report(rt, REPORT, acting=OWNER, key=native("k"))
    again, created_again = incidents.report(rt, REPORT, acting=OWNER, key=native("k"))
    assert (created, created_again) == (True, False)
    assert again.incident.id == first.incident.id
    assert counts(rt) == (1, 1, 1)


def test_item3_the_same_key_with_another_report_is_refused_and_writes_nothing(
    rt: Runtime,
) -> None:
    first, _ = incidents.report(rt, REPORT, acting=OWNER, key=native("k"))
    with pytest.raises(IdempotencyKeyReused, match=r"^Idempotency-Key: already used") as refused:
        incidents.report(rt, OTHER, acting=OWNER, key=native("k"))
    assert f"incident {first.incident.id}" in refused.value.detail
    assert counts(rt) == (1, 1, 1)
    assert incidents.details(rt, first.incident.id, acting=OWNER).incident.description == "电线裸露"


def test_item3_keys_are_per_client(rt: Runtime) -> None:
    one, _ = incidents.report(rt, REPORT, acting=OWNER, key=native("k", "app-1"))
    two, created = incidents.report(rt, OTHER, acting=OWNER, key=native("k", "app-2"))
    assert created and two.incident.id != one.incident.id
    assert counts(rt) == (2, 2, 2)


@pytest.mark.parametrize("scope", ["open311", "import"])
def test_item3_keys_are_per_source(rt: Runtime, scope: str) -> None:
    incidents.report(rt, REPORT, acting=OWNER, key=native("k"))
    _, created = incidents.report(
        rt,
        OTHER,
        acting=OWNER,
        key=IdempotencyKey(scope, ANONYMOUS, "k"),  # type: ignore[arg-type]
    )
    assert created and counts(rt) == (2, 2, 2)


def test_item3_no_http_client_can_pre_empt_an_import_row(rt: Runtime) -> None:
    row_key = import_key(DIGEST, 1)
    for scope in ("native", "open311"):
        taken = IdempotencyKey(scope, row_key.client, row_key.key)  # type: ignore[arg-type]
        incidents.report(rt, OTHER, acting=OWNER, key=taken)
    tally = imported(rt, [REPORT]).tally
    assert (tally.added, tally.already) == (1, 0)


def test_item3_an_http_key_expires_after_the_configured_hours(rt: Runtime) -> None:
    rt.incidents = IncidentSettings(idempotency_hours=2)
    first, _ = incidents.report(rt, REPORT, acting=OWNER, key=native("k"))
    age_keys(rt, 1.9)
    assert incidents.report(rt, REPORT, acting=OWNER, key=native("k"))[1] is False
    age_keys(rt, 0.2)
    later, created = incidents.report(rt, OTHER, acting=OWNER, key=native("k"))
    assert created and later.incident.id != first.incident.id
    # the key now belongs to the new incident, and counts from now
    again, created_again = incidents.report(rt, OTHER, acting=OWNER, key=native("k"))
    assert (created_again, again.incident.id) == (False, later.incident.id)
    assert counts(rt) == (2, 2, 1)


def test_item3_http_keys_last_24_hours_by_default(rt: Runtime) -> None:
    assert IncidentSettings().idempotency_hours == 24
    incidents.report(rt, REPORT, acting=OWNER, key=native("k"))
    age_keys(rt, 23.9)
    assert incidents.report(rt, REPORT, acting=OWNER, key=native("k"))[1] is False
    age_keys(rt, 0.2)
    assert incidents.report(rt, REPORT, acting=OWNER, key=native("k"))[1] is True


def test_item3_import_keys_never_expire(rt: Runtime) -> None:
    imported(rt, [REPORT, OTHER])
    age_keys(rt, 24 * 3650)
    tally = imported(rt, [REPORT, OTHER]).tally
    assert (tally.added, tally.already) == (0, 2)
    assert counts(rt)[0] == 2


def test_item3_another_file_imports_its_rows(rt: Runtime) -> None:
    imported(rt, [REPORT])
    tally = imported(rt, [REPORT], digest="e" * 64).tally
    assert (tally.added, tally.already) == (1, 0)


def test_item3_a_row_read_differently_is_refused_the_others_are_written(rt: Runtime) -> None:
    imported(rt, [REPORT])
    again = imported(rt, [REPORT, OTHER], source="hotline")
    assert (again.tally.added, again.tally.already) == (1, 0)
    [refusal] = again.refused  # type: ignore[attr-defined]
    assert refusal.startswith("row: row 1 of this file was imported before, read differently")
    assert counts(rt)[0] == 2


def test_item3_a_key_stored_before_fingerprints_matches_any_report(rt: Runtime) -> None:
    first, _ = incidents.report(rt, REPORT, acting=OWNER, key=native("k"))
    with rt.write() as conn:
        conn.execute(text("UPDATE idempotency_keys SET fingerprint = NULL"))
    again, created = incidents.report(rt, OTHER, acting=OWNER, key=native("k"))
    assert (created, again.incident.id) == (False, first.incident.id)


def test_item3_concurrent_requests_with_one_key_make_one_incident(rt: Runtime) -> None:
    def send(_: int) -> tuple[int, bool]:
        found, created = incidents.report(rt, REPORT, acting=OWNER, key=native("race"))
        return found.incident.id, created

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(send, range(6)))
    assert {incident_id for incident_id, _ in answers} == {answers[0][0]}
    assert sum(created for _, created in answers) == 1
    assert counts(rt) == (1, 1, 1)
