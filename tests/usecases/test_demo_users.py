"""Issue 12 item 7: ``gridmap demo`` makes one user per role on the sample, passwords shown once."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gis.errors import Unauthenticated
from gis.identity.passwords import verify_password
from gis.identity.records import Actor
from gis.identity.roles import ROLES, Grant
from gis.identity.settings import AuthSettings
from gis.usecases import demo_users, identity
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample

ACTOR = Actor(principal="test:demo", source="test")
SETTINGS = AuthSettings(totp_required_roles="")


@pytest.fixture
def sample(rt: Runtime) -> Runtime:
    load_sample(rt)
    return rt


def hashes(rt: Runtime) -> dict[str, str]:
    with rt.read() as conn:
        rows = conn.execute(text("SELECT login, password_hash FROM users"))
        return {row.login: row.password_hash for row in rows}


def signs_in(rt: Runtime, login: str, password: str) -> bool:
    found = identity.login(rt, login=login, password=password, source="test", settings=SETTINGS)
    return found.login == login


def test_issue12_one_demo_user_per_role_scoped_on_the_sample(sample: Runtime) -> None:
    made = demo_users.ensure_demo_users(sample, ACTOR)
    assert [user.role for user in made] == list(ROLES)
    assert all(user.created for user in made)
    scopes = {user.role: user.scope for user in made}
    assert scopes["admin"] is None and scopes["auditor"] is None
    assert scopes["planner"] == scopes["dispatcher"] == "110108010019"
    assert scopes["grid_worker"] == "110108010019001"
    assert scopes["handler"] == scopes["viewer"] == scopes["client"] == "110108010"
    listed = {user.login: user.grants for user in identity.list_users(sample)}
    for user in made:
        assert listed[user.login] == (Grant(user.role, user.scope),)
        assert signs_in(sample, user.login, user.password)
    [client] = [user for user in made if user.token is not None]
    assert client.role == "client"
    assert identity.authenticate_token(sample, client.token or "").login == "demo-client"
    assert {user.scope_name for user in made if user.scope == "110108010"} == {"学院路街道"}


def test_issue12_demo_restart_resets_passwords_without_duplicates(sample: Runtime) -> None:
    first = demo_users.ensure_demo_users(sample, ACTOR)
    identity.set_enabled(sample, ACTOR, login="demo-viewer", enabled=False)
    second = demo_users.ensure_demo_users(sample, ACTOR)
    assert [u.login for u in second] == [u.login for u in first]
    assert not any(user.created for user in second)
    assert len(identity.list_users(sample)) == len(ROLES)
    stored = hashes(sample)
    for old, new in zip(first, second, strict=True):
        assert old.password != new.password
        assert verify_password(new.password, stored[new.login])
        assert not verify_password(old.password, stored[old.login])
        assert signs_in(sample, new.login, new.password)  # demo-viewer enabled again
    old_token, new_token = first[-1].token, second[-1].token
    assert old_token and new_token and old_token != new_token
    with pytest.raises(Unauthenticated):
        identity.authenticate_token(sample, old_token)
    assert identity.authenticate_token(sample, new_token).login == "demo-client"
    live = [t for t in identity.list_tokens(sample, login="demo-client") if t.revoked_at is None]
    assert len(live) == 1


def test_issue12_demo_table_shows_every_user_and_the_token(sample: Runtime) -> None:
    made = demo_users.ensure_demo_users(sample, ACTOR)
    lines = demo_users.table_lines(made)
    assert "shown only now" in lines[0]
    for user in made:
        [row] = [line for line in lines if line.split()[:1] == [user.login]]
        assert user.role in row and user.password in row
    assert any(line.endswith(made[-1].token or "-") for line in lines)
