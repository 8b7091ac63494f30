"""Use cases of identity on the real store: users, grants, tokens, and their audit records."""

import pytest
from sqlalchemy import Engine, text

from gis.db import identity as store
from gis.errors import Conflict, InvalidInput, NotFound
from gis.identity.passwords import verify_password
from gis.identity.records import Actor, AuditRecord
from gis.identity.roles import Grant
from gis.identity.tokens import token_hash
from gis.usecases import identity
from gis.usecases.runtime import Runtime

ACTOR = Actor(principal="os:tester", source="cli")
PASSWORD = "Grid-map-2026"
BOX = "MULTIPOLYGON(((116.34 39.99, 116.36 39.99, 116.36 40.01, 116.34 40.01, 116.34 39.99)))"
CHAIN = [
    ("district", "110108", None),
    ("subdistrict", "110108010", "110108"),
    ("community", "110108010019", "110108010"),
    ("community", "110108010020", "110108010"),
    ("grid", "110108010019001", "110108010019"),
]


@pytest.fixture
def areas(rt: Runtime, empty_store: Engine) -> Runtime:
    insert = text(
        "INSERT INTO areas (level, code, name, parent_code, geom) "
        "VALUES (:level, :code, :name, :parent, ST_GeomFromText(:wkt, 4326))"
    )
    with empty_store.begin() as conn:
        for level, code, parent in CHAIN:
            conn.execute(
                insert, {"level": level, "code": code, "name": code, "parent": parent, "wkt": BOX}
            )
    return rt


def since(rt: Runtime, first: int) -> list[AuditRecord]:
    with rt.read() as conn:
        return store.audit_records(conn, after_id=first)


def last_id(rt: Runtime) -> int:
    with rt.read() as conn:
        return store.last_audit_id(conn)


def add(rt: Runtime, login: str = "wang", role: str = "planner", **kw: object) -> None:
    scopes = kw.pop("scopes", ["110108010019"])
    identity.add_user(rt, ACTOR, login=login, role=role, scopes=scopes, password=PASSWORD, **kw)  # type: ignore[arg-type]


def test_issue12_add_user_stores_a_hash_grants_and_one_audit_row(areas: Runtime) -> None:
    first = last_id(areas)
    add(areas, scopes=["110108010019", "110108010020"], display_name="王力", phone="13812345678")
    [user] = identity.list_users(areas)
    assert (user.login, user.display_name, user.phone, user.enabled) == (
        "wang",
        "王力",
        "138****5678",
        True,
    )
    assert user.grants == (Grant("planner", "110108010019"), Grant("planner", "110108010020"))
    with areas.read() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert verify_password(PASSWORD, stored) and PASSWORD not in stored
    [row] = since(areas, first)
    assert (row.principal, row.source, row.action, row.object, row.result) == (
        "os:tester",
        "cli",
        "users.add",
        "user:wang",
        "ok",
    )
    assert row.detail == {"grants": ["planner@110108010019", "planner@110108010020"]}
    assert "13812345678" not in str(row) and PASSWORD not in str(row)


def test_issue12_unscoped_role_takes_no_scope(areas: Runtime) -> None:
    add(areas, "root", "auditor", scopes=[])
    assert identity.list_users(areas)[0].grants == (Grant("auditor"),)
    with pytest.raises(InvalidInput, match="^scope: role admin covers every area"):
        add(areas, "root2", "admin", scopes=["110108"])


def test_issue12_scoped_role_needs_a_scope(areas: Runtime) -> None:
    with pytest.raises(InvalidInput, match="^scope: role viewer needs at least one area code"):
        add(areas, "li", "viewer", scopes=[])


def test_issue12_unknown_scope_refused_naming_valid_codes(areas: Runtime) -> None:
    with pytest.raises(InvalidInput, match="^scope: no current area '110108010099'") as refused:
        add(areas, scopes=["110108010099"])
    assert "110108010019, 110108010020" in refused.value.detail
    assert identity.list_users(areas) == []


def test_issue12_unknown_role_refused_naming_valid_roles(areas: Runtime) -> None:
    with pytest.raises(InvalidInput, match="^role: unknown role 'mayor'; one of admin, auditor"):
        add(areas, role="mayor")


def test_issue12_refusal_is_audited_and_nothing_written(areas: Runtime) -> None:
    first = last_id(areas)
    with pytest.raises(InvalidInput, match="^password: "):
        identity.add_user(
            areas, ACTOR, login="wang", role="viewer", scopes=["110108"], password="short"
        )
    assert identity.list_users(areas) == []
    [row] = since(areas, first)
    assert (row.action, row.result, row.detail["code"]) == ("users.add", "refused", "InvalidInput")
    assert "short" not in str(row.detail)


def test_issue12_login_taken_whatever_its_case(areas: Runtime) -> None:
    add(areas, "Wang")
    with pytest.raises(Conflict, match="^login: 'wang' is taken"):
        add(areas, "wang")


def test_issue12_bad_login_refused(areas: Runtime) -> None:
    with pytest.raises(InvalidInput, match="^login: "):
        add(areas, "wang li")
    with pytest.raises(InvalidInput, match="^login: "):
        identity.set_enabled(areas, ACTOR, login="x" * 65, enabled=False)
    with pytest.raises(InvalidInput, match="^login: "):
        identity.list_tokens(areas, login="")


def test_issue12_disable_enable_and_unknown_login(areas: Runtime) -> None:
    add(areas)
    assert identity.set_enabled(areas, ACTOR, login="wang", enabled=False) is True
    assert identity.list_users(areas)[0].enabled is False
    assert identity.set_enabled(areas, ACTOR, login="WANG", enabled=True) is False
    with pytest.raises(NotFound, match="^login: no user 'zhao'"):
        identity.set_enabled(areas, ACTOR, login="zhao", enabled=False)


def test_issue12_reset_password_lifts_the_lock(areas: Runtime, empty_store: Engine) -> None:
    add(areas)
    with empty_store.begin() as conn:
        conn.execute(text("UPDATE users SET failed_logins = 5, locked_until = now() + '1h'"))
    assert identity.list_users(areas)[0].locked_until is not None
    identity.reset_password(areas, ACTOR, login="wang", password="Another-pass-77")
    with areas.read() as conn:
        row = conn.execute(text("SELECT password_hash, failed_logins, locked_until FROM users"))
        stored, failed, locked = row.one()
    assert verify_password("Another-pass-77", stored) and (failed, locked) == (0, None)
    with pytest.raises(InvalidInput, match="^password: must not contain the login"):
        identity.reset_password(areas, ACTOR, login="wang", password="Wang-pass-2026")


def test_issue12_token_shown_once_stored_hashed(areas: Runtime) -> None:
    add(areas)
    first = last_id(areas)
    made = identity.create_token(areas, ACTOR, login="wang", expires="12h", name="script")
    with areas.read() as conn:
        stored = conn.execute(text("SELECT token_hash FROM api_tokens")).scalar_one()
        lifetime = conn.execute(text("SELECT expires_at - created_at FROM api_tokens")).scalar()
    assert stored == token_hash(made.text) and made.text not in stored
    assert lifetime.total_seconds() == 12 * 3600
    assert (made.token.login, made.token.name, made.token.revoked_at) == ("wang", "script", None)
    [row] = since(areas, first)
    assert (row.action, row.object, row.result) == ("tokens.create", "user:wang", "ok")
    assert made.text not in str(row) and stored not in str(row)


def test_issue12_tokens_listed_revoked_once(areas: Runtime) -> None:
    add(areas)
    add(areas, "li", "client", scopes=["110108"])
    one = identity.create_token(areas, ACTOR, login="wang").token
    identity.create_token(areas, ACTOR, login="li")
    assert [t.login for t in identity.list_tokens(areas)] == ["li", "wang"]
    assert [t.id for t in identity.list_tokens(areas, login="wang")] == [one.id]
    assert identity.revoke_token(areas, ACTOR, token_id=one.id).revoked_at is not None
    with pytest.raises(Conflict, match=f"^id: token {one.id} is already revoked"):
        identity.revoke_token(areas, ACTOR, token_id=one.id)
    with pytest.raises(NotFound, match="^id: no token 999"):
        identity.revoke_token(areas, ACTOR, token_id=999)


def test_issue12_token_refused_for_disabled_or_unknown_user(areas: Runtime) -> None:
    add(areas)
    identity.set_enabled(areas, ACTOR, login="wang", enabled=False)
    with pytest.raises(Conflict, match="^login: 'wang' is disabled"):
        identity.create_token(areas, ACTOR, login="wang")
    with pytest.raises(NotFound, match="^login: no user 'zhao'"):
        identity.create_token(areas, ACTOR, login="zhao")
    with pytest.raises(InvalidInput, match="^expires: "):
        identity.create_token(areas, ACTOR, login="wang", expires="1y")


def test_issue12_audit_records_filter_and_limit(areas: Runtime) -> None:
    marker = Actor(principal="os:marker-audit-filter", source="cli")
    identity.add_user(
        areas, marker, login="wang", role="viewer", scopes=["110108"], password=PASSWORD
    )
    identity.set_enabled(areas, marker, login="wang", enabled=False)
    found = identity.audit_records(areas, principal="os:marker-audit-filter")
    assert [r.action for r in found][:2] == ["users.disable", "users.add"]
    assert len(identity.audit_records(areas, principal=marker.principal, limit=1)) == 1
    only = identity.audit_records(areas, principal=marker.principal, action="users.add")
    assert {r.action for r in only} == {"users.add"}
    with pytest.raises(InvalidInput, match="^limit: "):
        identity.audit_records(areas, limit=0)


def test_issue12_audit_writes_in_the_callers_transaction(areas: Runtime) -> None:
    first = last_id(areas)
    with pytest.raises(RuntimeError), areas.write() as conn:
        identity.audit(
            conn,
            principal="os:tester",
            role=None,
            source="cli",
            action="test.rollback",
            object=None,
            result="ok",
        )
        raise RuntimeError
    assert since(areas, first) == []
