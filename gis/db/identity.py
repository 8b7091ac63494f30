"""SQL for users, their grants, API tokens and the audit log.

Functions take a ``Connection`` and keyword-only arguments; writes run in the caller's
transaction, so a write and its audit row commit together or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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

_GRANTS = (
    "coalesce(array_agg(g.role ORDER BY g.role, g.scope) FILTER (WHERE g.role IS NOT NULL), "
    "'{}') AS roles, "
    "coalesce(array_agg(g.scope ORDER BY g.role, g.scope) FILTER (WHERE g.role IS NOT NULL), "
    "'{}') AS scopes"
)
"""A user's grants as two parallel arrays (``roles``, ``scopes``), with ``user_grants g``
joined and the rows grouped by user."""


def _grants_of(row: Row) -> tuple[Grant, ...]:
    """The grants of a row selected with `_GRANTS`."""
    return tuple(Grant(r, s) for r, s in zip(row.roles, row.scopes, strict=True))


_USER = text("SELECT id, enabled FROM users WHERE lower(login) = lower(:login)")
_INSERT_USER = text(
    "INSERT INTO users (login, display_name, phone, password_hash) "
    "VALUES (:login, :display_name, :phone, :password_hash) "
    "ON CONFLICT ((lower(login))) DO NOTHING RETURNING id"
)
_INSERT_GRANT = text("INSERT INTO user_grants (user_id, role, scope) VALUES (:u, :role, :scope)")
_USERS = text(
    "SELECT u.login, u.display_name, u.phone, u.enabled, u.locked_until, u.created_at, "
    f"{_GRANTS} "
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
    grants = _grants_of(row)
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


def set_password(conn: Connection, *, user_id: int, password_hash: str) -> int:
    """Replace a user's password hash; the number of its browser sessions ended.

    Also lifts its lock and failed-login count, and ends its sessions: whoever knew the old
    password is signed out.
    """
    query = text(
        "UPDATE users SET password_hash = :hash, password_changed_at = now(), "
        "failed_logins = 0, locked_until = NULL WHERE id = :id"
    )
    conn.execute(query, {"id": user_id, "hash": password_hash})
    ended = text("UPDATE sessions SET ended_at = now() WHERE user_id = :id AND ended_at IS NULL")
    return conn.execute(ended, {"id": user_id}).rowcount


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
    object: str | None = None,  # the audit log's own word for it
    until: datetime | None = None,
    result: str | None = None,
) -> list[AuditRecord]:
    """Audit records matching the filters, newest first, at most ``limit``.

    ``action`` matches itself and the actions it begins (``incidents`` matches
    ``incidents.report``); ``since`` is included, ``until`` excluded.
    """
    query = text(
        f"SELECT {_AUDIT_COLUMNS} FROM audit_log WHERE id > :after "
        "AND (CAST(:principal AS text) IS NULL OR principal = :principal) "
        "AND (CAST(:action AS text) IS NULL OR starts_with(action, :action)) "
        "AND (CAST(:object AS text) IS NULL OR object = :object) "
        "AND (CAST(:result AS text) IS NULL OR result = :result) "
        "AND (CAST(:since AS timestamptz) IS NULL OR at >= :since) "
        "AND (CAST(:until AS timestamptz) IS NULL OR at < :until) "
        "ORDER BY id DESC LIMIT :limit"
    )
    params = {
        "after": after_id,
        "principal": principal,
        "action": action,
        "object": object,
        "result": result,
        "since": since,
        "until": until,
        "limit": limit,
    }
    return [AuditRecord(**row._asdict()) for row in conn.execute(query, params)]


def last_audit_id(conn: Connection) -> int:
    """The id of the newest audit record (0 when there is none)."""
    return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one())


_TOKEN_PRINCIPAL = text(
    "SELECT t.id AS token_id, u.login, "
    f"{_GRANTS} "
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
    grants = _grants_of(row)
    return Principal(login=row.login, grants=grants, token_id=int(row.token_id))


def touch_token(conn: Connection, *, token_id: int, every: timedelta) -> None:
    """Note a token's use: ``last_used_at`` moves at most once per ``every`` (not per request)."""
    query = text(
        "UPDATE api_tokens SET last_used_at = now() WHERE id = :id "
        "AND (last_used_at IS NULL OR last_used_at < now() - :every)"
    )
    conn.execute(query, {"id": token_id, "every": every})


@dataclass(frozen=True)
class Credentials:
    """What a password login checks: a user's hash, state, lock, second factor and grants.

    ``locked_until`` is set only while the lock is in force.
    """

    user_id: int
    login: str
    password_hash: str
    enabled: bool
    locked_until: datetime | None
    totp_secret: str | None
    grants: tuple[Grant, ...]
    password_age_days: float = 0.0


_CREDENTIALS = text(
    "SELECT u.id, u.login, u.password_hash, u.enabled, u.totp_secret, "
    "extract(epoch FROM now() - u.password_changed_at) / 86400 AS password_age_days, "
    "CASE WHEN u.locked_until > now() THEN u.locked_until END AS locked_until, "
    f"{_GRANTS} "
    "FROM users u LEFT JOIN user_grants g ON g.user_id = u.id "
    "WHERE lower(u.login) = lower(:login) GROUP BY u.id"
)


def credentials(conn: Connection, *, login: str) -> Credentials | None:
    """The credentials of the user with this login (any case), or None."""
    row = conn.execute(_CREDENTIALS, {"login": login}).first()
    if row is None:
        return None
    return Credentials(
        user_id=int(row.id),
        login=row.login,
        password_hash=row.password_hash,
        enabled=bool(row.enabled),
        locked_until=row.locked_until,
        totp_secret=row.totp_secret,
        grants=_grants_of(row),
        password_age_days=float(row.password_age_days),
    )


COUNTED_FAILURES = ("wrong_password", "wrong_totp")
"""The reasons of failed logins that count towards a lock."""

# The count restarts at 1 when the user's last counted failure (in the audit log, which keeps
# every one) is older than the window. ``failed_logins + 1`` is evaluated on the row as locked
# by this UPDATE, so concurrent failures never lose a count; the failure that reaches the
# limit sets the lock and restarts the count (RETURNING failed_logins = 0 says so).
_FAILED = "CASE WHEN recent.at IS NULL THEN 1 ELSE u.failed_logins + 1 END"
_RECORD_FAILURE = text(
    "UPDATE users u SET "
    f"failed_logins = CASE WHEN {_FAILED} >= :max THEN 0 ELSE {_FAILED} END, "
    f"locked_until = CASE WHEN {_FAILED} >= :max THEN now() + :lock ELSE u.locked_until END "
    "FROM (SELECT max(at) AS at FROM audit_log WHERE at > now() - :window "
    "AND action = 'auth.login' AND result = 'failed' AND object = :object "
    "AND detail->>'reason' = ANY(:reasons)) AS recent "
    "WHERE u.id = :id RETURNING u.failed_logins, u.locked_until"
)


def record_failure(
    conn: Connection, *, user_id: int, login: str, limit: int, window: timedelta, lock: timedelta
) -> datetime | None:
    """Count a failed login (one statement, safe under concurrent attempts).

    Returns the end of the lock when this failure is the ``limit``-th within ``window`` of the
    previous one (the account is now locked for ``lock``), else None.
    """
    params = {
        "id": user_id,
        "object": f"user:{login}",
        "reasons": list(COUNTED_FAILURES),
        "max": limit,
        "window": window,
        "lock": lock,
    }
    row = conn.execute(_RECORD_FAILURE, params).one()
    return row.locked_until if row.failed_logins == 0 else None


def clear_failures(conn: Connection, *, user_id: int) -> None:
    """Forget a user's failed logins and lock (after a successful login)."""
    query = text(
        "UPDATE users SET failed_logins = 0, locked_until = NULL "
        "WHERE id = :id AND (failed_logins <> 0 OR locked_until IS NOT NULL)"
    )
    conn.execute(query, {"id": user_id})


def set_totp_secret(conn: Connection, *, user_id: int, secret: str | None) -> None:
    """Give a user a TOTP secret (base32), or take it away (None)."""
    query = text("UPDATE users SET totp_secret = :secret WHERE id = :id")
    conn.execute(query, {"id": user_id, "secret": secret})


def insert_session(
    conn: Connection,
    *,
    user_id: int,
    token_hash: str,
    csrf: str,
    source: str,
    lifetime: timedelta,
) -> int:
    """Store a browser session (its cookie's hash), ending ``lifetime`` after now; its id."""
    query = text(
        "INSERT INTO sessions (user_id, token_hash, csrf, source, expires_at) "
        "VALUES (:u, :hash, :csrf, :source, now() + :lifetime) RETURNING id"
    )
    params = {
        "u": user_id,
        "hash": token_hash,
        "csrf": csrf,
        "source": source,
        "lifetime": lifetime,
    }
    return int(conn.execute(query, params).scalar_one())


@dataclass(frozen=True)
class LiveSession:
    """A live browser session: its id, its principal, its CSRF token."""

    id: int
    principal: Principal
    csrf: str


_SESSION_PRINCIPAL = text(
    "SELECT s.id, s.csrf, u.login, "
    f"{_GRANTS} "
    "FROM sessions s JOIN users u ON u.id = s.user_id "
    "LEFT JOIN user_grants g ON g.user_id = u.id "
    "WHERE s.token_hash = :hash AND s.ended_at IS NULL AND s.expires_at > now() "
    "AND s.last_seen_at > now() - :idle AND u.enabled "
    "GROUP BY s.id, u.login"
)


def session_principal(conn: Connection, *, token_hash: str, idle: timedelta) -> LiveSession | None:
    """The session of a cookie's hash while it is live, else None.

    Live: not ended, not past its end, used within ``idle``, and its user enabled.
    """
    row = conn.execute(_SESSION_PRINCIPAL, {"hash": token_hash, "idle": idle}).first()
    if row is None:
        return None
    grants = _grants_of(row)
    return LiveSession(id=int(row.id), principal=Principal(row.login, grants), csrf=row.csrf)


def touch_session(conn: Connection, *, session_id: int, every: timedelta) -> None:
    """Note a session's use: ``last_seen_at`` moves at most once per ``every``."""
    query = text(
        "UPDATE sessions SET last_seen_at = now() WHERE id = :id AND last_seen_at < now() - :every"
    )
    conn.execute(query, {"id": session_id, "every": every})


def end_session(conn: Connection, *, token_hash: str) -> tuple[int, str] | None:
    """End the session of a cookie's hash; its id and login, or None when none was running."""
    query = text(
        "UPDATE sessions s SET ended_at = now() FROM users u "
        "WHERE s.token_hash = :hash AND s.ended_at IS NULL AND u.id = s.user_id "
        "RETURNING s.id, u.login"
    )
    row = conn.execute(query, {"hash": token_hash}).first()
    return (int(row.id), str(row.login)) if row is not None else None
