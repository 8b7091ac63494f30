"""Use cases of identity: users, their grants and passwords, API tokens, the audit log.

Every write runs in one transaction with its audit record (`audit`), so a change without its
record cannot be committed. A write refused for bad input or a conflict is still recorded:
its transaction rolls back, and a ``refused`` record is written in a transaction of its own.
No record, log line or error carries a password or a token's plain text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from gis.db import identity as store
from gis.db.engine import Connection
from gis.errors import Conflict, GridmapError, InvalidInput, NotFound, Unauthenticated
from gis.identity.passwords import check_password, hash_password
from gis.identity.records import (
    Actor,
    AuditEntry,
    AuditRecord,
    NewToken,
    Principal,
    TokenView,
    UserIn,
    UserView,
    parse_login,
)
from gis.identity.roles import Grant, Role, parse_role
from gis.identity.tokens import new_token, parse_expiry, token_hash
from gis.incidents.privacy import mask_phone
from gis.usecases.runtime import Runtime
from gis.values import parse_text

TOKEN_NAME_CHARS = 80
"""The longest token name."""


def audit(
    conn: Connection,
    *,
    principal: str,
    role: str | None,
    source: str,
    action: str,
    object: str | None,  # the audit log's own word for it
    result: str,
    detail: dict[str, object] | None = None,
) -> int:
    """Append an audit record in the caller's transaction (the write's own); its id.

    ``result`` is ``ok``, ``refused`` or ``failed``; ``detail`` is a summary that never holds
    a password, a token or personal data.
    """
    actor = Actor(principal=principal, source=source, role=role)
    entry = AuditEntry(actor, action, object, result, detail or {})
    return store.insert_audit(conn, entry=entry)


@dataclass
class _Write:
    """An audited write in progress: its connection, and what its record will say."""

    conn: Connection
    target: str
    detail: dict[str, object] = field(default_factory=dict)


def _record(conn: Connection, actor: Actor, action: str, write: _Write, result: str) -> None:
    store.insert_audit(conn, entry=AuditEntry(actor, action, write.target, result, write.detail))


@contextmanager
def _audited(rt: Runtime, actor: Actor, action: str, target: str) -> Iterator[_Write]:
    """One audited write: ``ok`` with the write, or ``refused`` alone when it fails on purpose."""
    try:
        with rt.write() as conn:
            write = _Write(conn, target)
            yield write
            _record(conn, actor, action, write, "ok")
    except GridmapError as exc:
        refusal = {"code": exc.code, "detail": exc.detail}
        with rt.write() as conn:
            store.insert_audit(conn, entry=AuditEntry(actor, action, target, "refused", refusal))
        raise


def _grants(conn: Connection, role: Role, scopes: list[str]) -> tuple[Grant, ...]:
    if not role.scoped:
        if scopes:
            raise InvalidInput(f"scope: role {role.name} covers every area and takes no scope")
        return (Grant(role.name),)
    if not scopes:
        raise InvalidInput(f"scope: role {role.name} needs at least one area code")
    wanted = list(dict.fromkeys(code.strip() for code in scopes))
    found = store.current_codes(conn, codes=wanted)
    for code in wanted:
        if code not in found:
            valid = ", ".join(store.codes_like(conn, code=code)) or "none stored"
            raise InvalidInput(f"scope: no current area {code!r}; valid codes include {valid}")
    return tuple(Grant(role.name, code) for code in wanted)


def _user(conn: Connection, login: str) -> tuple[int, bool]:
    found = store.user_id(conn, login=login)
    if found is None:
        raise NotFound(f"login: no user {login!r}")
    return found


def _user_id(conn: Connection, login: str) -> int:
    return _user(conn, login)[0]


def add_user(
    rt: Runtime,
    actor: Actor,
    *,
    login: str,
    role: str,
    scopes: list[str],
    password: str,
    display_name: str | None = None,
    phone: str | None = None,
) -> None:
    """Add a user with one role on its scopes (an unscoped role takes none).

    Raises InvalidInput naming the field (login, role, scope, password, name, phone) and
    Conflict when the login is taken, whatever its case.
    """
    login = parse_login(login)
    with _audited(rt, actor, "users.add", f"user:{login}") as write:
        conn = write.conn
        grants = _grants(conn, parse_role(role), scopes)
        user = UserIn(
            login=login,
            password_hash=hash_password(check_password(password, login=login)),
            grants=grants,
            display_name=parse_text(display_name, "name"),
            phone=parse_text(phone, "phone", 40),
        )
        if store.insert_user(conn, user=user) is None:
            raise Conflict(f"login: {login!r} is taken")
        write.detail.update(_shown(grants))


def _shown(grants: tuple[Grant, ...]) -> dict[str, object]:
    return {"grants": [f"{g.role}@{g.scope}" if g.scope else g.role for g in grants]}


def list_users(rt: Runtime) -> list[UserView]:
    """Every user, by login, with its grants and its phone masked."""
    with rt.read() as conn:
        found = store.users(conn)
    return [replace(user, phone=mask_phone(user.phone)) for user in found]


def set_enabled(rt: Runtime, actor: Actor, *, login: str, enabled: bool) -> bool:
    """Enable or disable a user; whether it was enabled before (NotFound naming the login)."""
    login = parse_login(login)
    action = "users.enable" if enabled else "users.disable"
    with _audited(rt, actor, action, f"user:{login}") as write:
        before = store.set_enabled(write.conn, user_id=_user_id(write.conn, login), enabled=enabled)
        write.detail["was_enabled"] = before
    return before


def reset_password(rt: Runtime, actor: Actor, *, login: str, password: str) -> None:
    """Give a user a new password (the rule applies) and lift any lock."""
    login = parse_login(login)
    with _audited(rt, actor, "users.reset_password", f"user:{login}") as write:
        found = _user_id(write.conn, login)
        new_hash = hash_password(check_password(password, login=login))
        store.set_password(write.conn, user_id=found, password_hash=new_hash)


def create_token(
    rt: Runtime, actor: Actor, *, login: str, expires: str = "90d", name: str | None = None
) -> NewToken:
    """A new token of a user: its plain text (returned once, never stored) and its listing."""
    login = parse_login(login)
    lifetime = parse_expiry(expires)
    name = parse_text(name, "name", TOKEN_NAME_CHARS) or "token"
    with _audited(rt, actor, "tokens.create", f"user:{login}") as write:
        found, enabled = _user(write.conn, login)
        if not enabled:
            raise Conflict(f"login: {login!r} is disabled")
        text, stored = new_token()
        token_id = store.insert_token(
            write.conn, user_id=found, name=name, token_hash=stored, lifetime=lifetime
        )
        write.detail.update({"token": token_id, "name": name, "expires": expires})
        made = NewToken(text=text, token=store.tokens(write.conn, token_id=token_id)[0])
    return made


def list_tokens(rt: Runtime, *, login: str | None = None) -> list[TokenView]:
    """Tokens of every user, or of one (NotFound naming the login), newest first."""
    login = parse_login(login) if login is not None else None
    with rt.read() as conn:
        owner = _user_id(conn, login) if login is not None else None
        return store.tokens(conn, user_id=owner)


def revoke_token(rt: Runtime, actor: Actor, *, token_id: int) -> TokenView:
    """Revoke a token (NotFound naming the id; Conflict when already revoked)."""
    with _audited(rt, actor, "tokens.revoke", f"token:{token_id}") as write:
        conn = write.conn
        found = store.tokens(conn, token_id=token_id)
        if not found:
            raise NotFound(f"id: no token {token_id}")
        if found[0].revoked_at is not None:
            raise Conflict(f"id: token {token_id} is already revoked")
        store.revoke_token(conn, token_id=token_id)
        revoked = store.tokens(conn, token_id=token_id)[0]
    return revoked


def audit_records(
    rt: Runtime,
    *,
    principal: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[AuditRecord]:
    """Audit records, newest first (InvalidInput naming ``limit`` outside 1..10000)."""
    if not 1 <= limit <= 10_000:
        raise InvalidInput(f"limit: {limit} is not within 1..10000")
    with rt.read() as conn:
        return store.audit_records(
            conn, principal=principal, action=action, since=since, limit=limit
        )


TOKEN_TOUCH = timedelta(minutes=1)
"""How often a token's ``last_used_at`` moves (a write per minute per token, not per request)."""


def authenticate_token(rt: Runtime, plain: str) -> Principal:
    """The principal a bearer token stands for; `Unauthenticated` when it stands for none.

    An unknown, expired or revoked token, or one whose user is disabled, gets the same answer.
    """
    with rt.write() as conn:
        found = store.token_principal(conn, token_hash=token_hash(plain))
        if found is None:
            raise Unauthenticated("token: not valid (unknown, expired or revoked)")
        assert found.token_id is not None
        store.touch_token(conn, token_id=found.token_id, every=TOKEN_TOUCH)
    return found
