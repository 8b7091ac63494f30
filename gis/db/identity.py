"""SQL for users, their grants, API tokens and the audit log.

Functions take a ``Connection`` and keyword-only arguments; writes run in the caller's
transaction, so a write and its audit row commit together or not at all.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import Connection, Row, text

from gis.identity.records import (
    AuditEntry,
    AuditRecord,
    Principal,
    TokenView,
    UserIn,
    UserView,
)
from gis.identity.roles import Grant

_USER = text("SELECT id, enabled FROM users WHERE lower(login) = lower(:login)")
_INSERT_USER = text(
    "INSERT INTO users (login, display_name, phone, password_hash) "
    "VALUES (:login, :display_name, :phone, :password_hash) "
    "ON CONFLICT ((lower(login))) DO NOTHING RETURNING id"
)
_INSERT_GRANT = text("INSERT INTO user_grants (user_id, role, scope) VALUES (:u, :role, :scope)")
_USERS = text(
    "SELECT u.login, u.display_name, u.phone, u.enabled, u.locked_until, u.created_at, "
    "coalesce(array_agg(g.role ORDER BY g.role, g.scope) FILTER (WHERE g.role IS NOT NULL), "
    "'{}') AS roles, "
    "coalesce(array_agg(g.scope ORDER BY g.role, g.scope) FILTER (WHERE g.role IS NOT NULL), "
    "'{}') AS scopes "
    "FROM users u LEFT JOIN user_grants g ON g.user_id = u.id GROUP BY u.id ORDER BY u.login"
)
_TOKEN_COLUMNS = (
    "t.id, u.login, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at "
    "FROM api_tokens t JOIN users u ON u.id = t.user_id"
)
_AUDIT_COLUMNS = "id, at, principal, role, source, action, object, result, detail"


def user_id(conn: Connection, *, login: str) -> tuple[int, bool] | None:
    """The id of the user with this login (any case) and whether it is enabled; None if none."""
    found = conn.execute(_USER, {"login": login}).first()
    return (int(found.id), bool(found.enabled)) if found is not None else None


def insert_user(conn: Connection, *, user: UserIn) -> int | None:
    """Store a user and its grants; its id, or None when the login is taken (any case)."""
    params = {
        "login": user.login,
        "display_name": user.display_name,
        "phone": user.phone,
        "password_hash": user.password_hash,
    }
    new_id = conn.execute(_INSERT_USER, params).scalar()
    if new_id is None:
        return None
    grants = [{"u": new_id, "role": g.role, "scope": g.scope} for g in user.grants]
    conn.execute(_INSERT_GRANT, grants)
    return int(new_id)


def current_codes(conn: Connection, *, codes: list[str]) -> set[str]:
    """Which of ``codes`` name a current area."""
    query = text("SELECT DISTINCT code FROM areas WHERE valid_to IS NULL AND code = ANY(:codes)")
    return set(conn.execute(query, {"codes": codes}).scalars())


def codes_like(conn: Connection, *, code: str, limit: int = 8) -> list[str]:
    """Current area codes of ``code``'s length, those sharing its parent's prefix first."""
    query = text(
        "SELECT code FROM areas WHERE valid_to IS NULL AND length(code) = :n "
        "ORDER BY left(code, :k) = :prefix DESC, code LIMIT :limit"
    )
    prefix = code[: max(len(code) - 3, 0)]
    params = {"n": len(code), "k": len(prefix), "prefix": prefix, "limit": limit}
    return list(conn.execute(query, params).scalars())


def users(conn: Connection) -> list[UserView]:
    """Every user with its grants, by login (the phone as stored: the caller masks it)."""
    return [_user(row) for row in conn.execute(_USERS)]


def _user(row: Row) -> UserView:
    grants = tuple(Grant(r, s) for r, s in zip(row.roles, row.scopes, strict=True))
    return UserView(
        login=row.login,
        display_name=row.display_name,
        phone=row.phone,
        enabled=row.enabled,
        grants=grants,
        locked_until=row.locked_until,
        created_at=row.created_at,
    )


def set_enabled(conn: Connection, *, user_id: int, enabled: bool) -> bool:
    """Enable or disable a user; whether it was enabled before."""
    query = text(
        "UPDATE users u SET enabled = :enabled FROM users old "
        "WHERE u.id = :id AND old.id = u.id RETURNING old.enabled"
    )
    return bool(conn.execute(query, {"id": user_id, "enabled": enabled}).scalar())


def set_password(conn: Connection, *, user_id: int, password_hash: str) -> None:
    """Replace a user's password hash, and lift its lock and failed-login count."""
    query = text(
        "UPDATE users SET password_hash = :hash, password_changed_at = now(), "
        "failed_logins = 0, locked_until = NULL WHERE id = :id"
    )
    conn.execute(query, {"id": user_id, "hash": password_hash})


def insert_token(
    conn: Connection, *, user_id: int, name: str, token_hash: str, lifetime: timedelta
) -> int:
    """Store a token's hash, expiring ``lifetime`` after now; its id."""
    query = text(
        "INSERT INTO api_tokens (user_id, name, token_hash, expires_at) "
        "VALUES (:u, :name, :hash, now() + :lifetime) RETURNING id"
    )
    params = {"u": user_id, "name": name, "hash": token_hash, "lifetime": lifetime}
    return int(conn.execute(query, params).scalar_one())


def tokens(
    conn: Connection, *, user_id: int | None = None, token_id: int | None = None
) -> list[TokenView]:
    """Tokens (all, one user's, or one), newest first; never their hashes."""
    query = text(
        f"SELECT {_TOKEN_COLUMNS} WHERE (CAST(:u AS bigint) IS NULL OR t.user_id = :u) "
        "AND (CAST(:t AS bigint) IS NULL OR t.id = :t) ORDER BY t.id DESC"
    )
    rows = conn.execute(query, {"u": user_id, "t": token_id})
    return [TokenView(**row._asdict()) for row in rows]


def revoke_token(conn: Connection, *, token_id: int) -> None:
    """Mark a token revoked now."""
    query = text("UPDATE api_tokens SET revoked_at = now() WHERE id = :id")
    conn.execute(query, {"id": token_id})


def insert_audit(conn: Connection, *, entry: AuditEntry) -> int:
    """Append one audit record; its id."""
    query = text(
        "INSERT INTO audit_log (principal, role, source, action, object, result, detail) "
        "VALUES (:principal, :role, :source, :action, :object, :result, CAST(:detail AS jsonb)) "
        "RETURNING id"
    )
    params = {
        "principal": entry.actor.principal,
        "role": entry.actor.role,
        "source": entry.actor.source,
        "action": entry.action,
        "object": entry.object,
        "result": entry.result,
        "detail": json.dumps(entry.detail, ensure_ascii=False, default=str),
    }
    return int(conn.execute(query, params).scalar_one())


def audit_records(
    conn: Connection,
    *,
    principal: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[AuditRecord]:
    """Audit records matching the filters, newest first, at most ``limit``."""
    query = text(
        f"SELECT {_AUDIT_COLUMNS} FROM audit_log WHERE id > :after "
        "AND (CAST(:principal AS text) IS NULL OR principal = :principal) "
        "AND (CAST(:action AS text) IS NULL OR action = :action) "
        "AND (CAST(:since AS timestamptz) IS NULL OR at >= :since) "
        "ORDER BY id DESC LIMIT :limit"
    )
    params = {
        "after": after_id,
        "principal": principal,
        "action": action,
        "since": since,
        "limit": limit,
    }
    return [AuditRecord(**row._asdict()) for row in conn.execute(query, params)]


def last_audit_id(conn: Connection) -> int:
    """The id of the newest audit record (0 when there is none)."""
    return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one())


_TOKEN_PRINCIPAL = text(
    "SELECT t.id AS token_id, u.login, "
    "coalesce(array_agg(g.role ORDER BY g.role, g.scope) FILTER (WHERE g.role IS NOT NULL), "
    "'{}') AS roles, "
    "coalesce(array_agg(g.scope ORDER BY g.role, g.scope) FILTER (WHERE g.role IS NOT NULL), "
    "'{}') AS scopes "
    "FROM api_tokens t JOIN users u ON u.id = t.user_id "
    "LEFT JOIN user_grants g ON g.user_id = u.id "
    "WHERE t.token_hash = :hash AND t.revoked_at IS NULL AND t.expires_at > now() AND u.enabled "
    "GROUP BY t.id, u.login"
)


def token_principal(conn: Connection, *, token_hash: str) -> Principal | None:
    """The principal of a live token (not revoked, not expired, its user enabled), or None."""
    row = conn.execute(_TOKEN_PRINCIPAL, {"hash": token_hash}).first()
    if row is None:
        return None
    grants = tuple(Grant(r, s) for r, s in zip(row.roles, row.scopes, strict=True))
    return Principal(login=row.login, grants=grants, token_id=int(row.token_id))


def touch_token(conn: Connection, *, token_id: int, every: timedelta) -> None:
    """Note a token's use: ``last_used_at`` moves at most once per ``every`` (not per request)."""
    query = text(
        "UPDATE api_tokens SET last_used_at = now() WHERE id = :id "
        "AND (last_used_at IS NULL OR last_used_at < now() - :every)"
    )
    conn.execute(query, {"id": token_id, "every": every})
