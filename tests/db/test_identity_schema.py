"""Database constraints of identity: the audit log is append-only, grants name real roles."""

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

AUDIT = text(
    "INSERT INTO audit_log (principal, source, action, object, result) "
    "VALUES ('os:test', 'cli', 'test.insert', :object, 'ok') RETURNING id"
)
USER = text("INSERT INTO users (login, password_hash) VALUES (:login, 'x') RETURNING id")


def test_issue12_audit_log_accepts_inserts(conn: Connection) -> None:
    row_id = conn.execute(AUDIT, {"object": "a"}).scalar_one()
    at = conn.execute(text("SELECT at FROM audit_log WHERE id = :id"), {"id": row_id}).scalar()
    assert at is not None


def test_issue12_audit_log_refuses_update(conn: Connection) -> None:
    row_id = conn.execute(AUDIT, {"object": "b"}).scalar_one()
    with pytest.raises(IntegrityError, match="audit_log: rows are never changed or removed"):
        conn.execute(text("UPDATE audit_log SET result = 'failed' WHERE id = :id"), {"id": row_id})


def test_issue12_audit_log_refuses_delete(conn: Connection) -> None:
    row_id = conn.execute(AUDIT, {"object": "c"}).scalar_one()
    with pytest.raises(IntegrityError, match="DELETE refused"):
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": row_id})


def test_issue12_audit_log_refuses_truncate(conn: Connection) -> None:
    with pytest.raises(IntegrityError, match="TRUNCATE refused"):
        conn.execute(text("TRUNCATE audit_log"))


def test_issue12_audit_log_refuses_a_committed_delete(empty_store: Engine) -> None:
    with empty_store.begin() as conn:
        row_id = conn.execute(AUDIT, {"object": "d"}).scalar_one()
    with pytest.raises(IntegrityError), empty_store.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": row_id})
    with empty_store.connect() as conn:
        found = conn.execute(text("SELECT count(*) FROM audit_log WHERE id = :id"), {"id": row_id})
        assert found.scalar() == 1


def test_issue12_login_unique_whatever_its_case(conn: Connection) -> None:
    conn.execute(USER, {"login": "Wang"})
    with pytest.raises(IntegrityError, match="ix_users_login_lower"):
        conn.execute(USER, {"login": "wang"})


def test_issue12_grant_role_must_exist(conn: Connection) -> None:
    user_id = conn.execute(USER, {"login": "li"}).scalar_one()
    with pytest.raises(IntegrityError, match="ck_user_grants_role"):
        conn.execute(text("INSERT INTO user_grants VALUES (:u, 'mayor', '110108')"), {"u": user_id})


@pytest.mark.parametrize(("role", "scope"), [("admin", "110108"), ("planner", None)])
def test_issue12_grant_scope_only_for_scoped_roles(
    conn: Connection, role: str, scope: str | None
) -> None:
    user_id = conn.execute(USER, {"login": "zhao"}).scalar_one()
    with pytest.raises(IntegrityError, match="ck_user_grants_scope"):
        conn.execute(
            text("INSERT INTO user_grants VALUES (:u, :role, :scope)"),
            {"u": user_id, "role": role, "scope": scope},
        )


def test_issue12_an_unscoped_grant_is_held_once(conn: Connection) -> None:
    user_id = conn.execute(USER, {"login": "sun"}).scalar_one()
    grant = text("INSERT INTO user_grants VALUES (:u, 'admin', NULL)")
    conn.execute(grant, {"u": user_id})
    with pytest.raises(IntegrityError, match="uq_user_grants"):
        conn.execute(grant, {"u": user_id})
