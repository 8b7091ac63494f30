"""Issue 14: migration 0014 (plan notes, the submitted status, the drafter role), real PostGIS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from gis.db import engine as db_engine
from gis.db.models import PlanNote
from tests.stores import scratch_database

PLAN = text(
    "INSERT INTO plans (scope_code, level, base_version, status) "
    "VALUES ('110108010019', 'grid', 'v', :status) RETURNING id"
)
NOTE = text(
    "INSERT INTO plan_notes (plan_id, author, kind, text) VALUES (:plan, 'li', :kind, :text)"
)
USER = text("INSERT INTO users (login, password_hash) VALUES (:login, 'x') RETURNING id")
GRANT = text("INSERT INTO user_grants VALUES (:user, :role, '110108010019')")


def test_issue14_the_table_is_the_models(engine: Engine) -> None:
    stored = {c["name"]: c["nullable"] for c in inspect(engine).get_columns("plan_notes")}
    assert stored == {c.name: c.nullable for c in PlanNote.__table__.columns}


def test_issue14_a_plan_may_be_submitted_and_a_grant_name_a_drafter(conn: Connection) -> None:
    conn.execute(PLAN, {"status": "submitted"})
    conn.execute(
        GRANT, {"user": conn.execute(USER, {"login": "li"}).scalar_one(), "role": "drafter"}
    )
    with pytest.raises(IntegrityError, match="ck_plans_status"):
        conn.execute(PLAN, {"status": "shelved"})


@pytest.mark.parametrize(
    ("kind", "said", "constraint"),
    [
        ("note", "x" * 2001, "ck_plan_notes_text_length"),
        ("note", "", "ck_plan_notes_text_said"),
        ("returned", "", "ck_plan_notes_text_said"),
        ("approved", "ok", "ck_plan_notes_kind"),
    ],
)
def test_issue14_the_store_refuses_bad_notes(
    conn: Connection, kind: str, said: str, constraint: str
) -> None:
    plan_id = conn.execute(PLAN, {"status": "draft"}).scalar_one()
    conn.execute(NOTE, {"plan": plan_id, "kind": "note", "text": "x" * 2000})
    conn.execute(NOTE, {"plan": plan_id, "kind": "submitted", "text": ""})
    with pytest.raises(IntegrityError, match=constraint):
        conn.execute(NOTE, {"plan": plan_id, "kind": kind, "text": said})


def test_issue14_notes_are_deleted_with_their_plan(conn: Connection) -> None:
    plan_id = conn.execute(PLAN, {"status": "draft"}).scalar_one()
    conn.execute(NOTE, {"plan": plan_id, "kind": "note", "text": "a"})
    conn.execute(text("DELETE FROM plans WHERE id = :id"), {"id": plan_id})
    assert conn.execute(text("SELECT count(*) FROM plan_notes")).scalar_one() == 0


@pytest.fixture
def scratch(database_url: str) -> Iterator[str]:
    """A database of its own, at migration 0014, dropped afterwards."""
    with scratch_database(database_url, "issue14", "0014_plan_notes") as url:
        yield url


def test_issue14_the_downgrade_sends_plans_back_and_drops_drafter_grants(scratch: str) -> None:
    sql = db_engine.make_engine(scratch)
    with sql.begin() as connection:
        plan_id = connection.execute(PLAN, {"status": "submitted"}).scalar_one()
        connection.execute(NOTE, {"plan": plan_id, "kind": "submitted", "text": ""})
        user = connection.execute(USER, {"login": "li"}).scalar_one()
        connection.execute(GRANT, {"user": user, "role": "drafter"})
        connection.execute(GRANT, {"user": user, "role": "planner"})
    command.downgrade(db_engine.alembic_config(scratch), "0013_plan_steps")
    with sql.connect() as connection:
        assert connection.execute(text("SELECT status FROM plans")).scalar_one() == "draft"
        roles = connection.execute(text("SELECT role FROM user_grants")).scalars().all()
        assert roles == ["planner"]
        assert not inspect(connection).has_table("plan_notes")
    command.upgrade(db_engine.alembic_config(scratch), "0014_plan_notes")
    with sql.begin() as connection:
        connection.execute(text("UPDATE plans SET status = 'submitted'"))
    sql.dispose()
