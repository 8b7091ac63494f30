"""Principals for tests: the machine owner, and users of each role with their tokens.

``OWNER`` is what the CLI acts as (every area, still audited). `operator_token` makes a user
who holds every scoped role on every area (grants on the one-digit prefixes that every area
code starts with), for tests about what a route does rather than who may call it; the
permission tests make users of single roles with `user_token`.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, create_engine

from gis.db import identity as identity_sql
from gis.db.store import database_url
from gis.identity.access import Acting
from gis.identity.passwords import hash_password
from gis.identity.records import Actor, UserIn
from gis.identity.roles import ROLES, Grant
from gis.identity.tokens import new_token
from gis.settings import StoreSettings
from gis.usecases.runtime import Runtime

OWNER = Acting.machine(Actor(principal="os:test", source="test"))
"""The machine owner, as the CLI acts."""

PASSWORD = "Correct-Horse-7"
"""The password of every test user (it meets the rule)."""

_HASH = hash_password(PASSWORD)
_DAY = timedelta(days=1)
EVERYWHERE = tuple(str(digit) for digit in range(10))
"""Scopes that together cover every area code."""

_ALL = tuple(
    Grant(role.name, scope if role.scoped else None)
    for role in ROLES.values()
    for scope in (EVERYWHERE if role.scoped else ("",))
)
"""Every role: the scoped ones on every area, admin and auditor unscoped."""


def user_token(rt: Runtime | Engine, login: str, grants: tuple[Grant, ...]) -> str:
    """Store a user with ``grants`` (scopes taken as given) and a token; the token's text."""
    with rt.write() if isinstance(rt, Runtime) else rt.begin() as conn:
        user_id = identity_sql.insert_user(
            conn, user=UserIn(login=login, password_hash=_HASH, grants=grants)
        )
        assert user_id is not None, f"user {login} exists"
        text, stored = new_token()
        identity_sql.insert_token(
            conn, user_id=user_id, name="test", token_hash=stored, lifetime=_DAY
        )
    return text


def role_token(rt: Runtime, role: str, scope: str | None, login: str | None = None) -> str:
    """A token of a new user holding ``role`` on ``scope``."""
    return user_token(rt, login or f"{role}-{scope or 'all'}", (Grant(role, scope),))


def operator_token(rt: Runtime, login: str = "operator") -> str:
    """A token of a user holding every role, the scoped ones everywhere."""
    return user_token(rt, login, _ALL)


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header of a token."""
    return {"Authorization": f"Bearer {token}"}


def operator_headers(settings: StoreSettings) -> dict[str, str]:
    """The header of a new token of the all-roles user on the store of ``settings``.

    For tests that build their own app: the user is made once per emptied store.
    """
    engine = create_engine(database_url(settings))
    try:
        with engine.begin() as conn:
            found = identity_sql.user_id(conn, login="operator")
        if found is None:
            with engine.begin() as conn:
                user_id = identity_sql.insert_user(
                    conn, user=UserIn(login="operator", password_hash=_HASH, grants=_ALL)
                )
        else:
            user_id = found[0]
        text, stored = new_token()
        with engine.begin() as conn:
            identity_sql.insert_token(
                conn, user_id=int(user_id or 0), name="test", token_hash=stored, lifetime=_DAY
            )
    finally:
        engine.dispose()
    return bearer(text)
