"""Use cases of identity: users, their grants and passwords, API tokens, the audit log.

Every write runs in one transaction with its audit record (`audit`), so a change without its
record cannot be committed. A write refused for bad input or a conflict is still recorded:
its transaction rolls back, and a ``refused`` record is written in a transaction of its own.
No record, log line or error carries a password or a token's plain text.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache

import pyotp

from gis import clock
from gis.db import identity as store
from gis.db.engine import Connection
from gis.errors import Conflict, GridmapError, InvalidInput, Locked, NotFound, Unauthenticated
from gis.identity.access import role_names
from gis.identity.passwords import check_password, hash_password, verify_password
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
from gis.identity.settings import AuthSettings
from gis.identity.tokens import new_token, parse_expiry, token_hash
from gis.incidents.privacy import mask_phone
from gis.usecases.runtime import Runtime
from gis.usecases.trail import AUDITED, audited
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
    with audited(rt, actor, "users.add", f"user:{login}") as write:
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
    with audited(rt, actor, action, f"user:{login}") as write:
        before = store.set_enabled(write.conn, user_id=_user_id(write.conn, login), enabled=enabled)
        write.detail["was_enabled"] = before
    return before


def reset_password(rt: Runtime, actor: Actor, *, login: str, password: str) -> None:
    """Give a user a new password (the rule applies), lift any lock, end its sessions."""
    login = parse_login(login)
    with audited(rt, actor, "users.reset_password", f"user:{login}") as write:
        found = _user_id(write.conn, login)
        new_hash = hash_password(check_password(password, login=login))
        ended = store.set_password(write.conn, user_id=found, password_hash=new_hash)
        write.detail["sessions_ended"] = ended


def create_token(
    rt: Runtime, actor: Actor, *, login: str, expires: str = "90d", name: str | None = None
) -> NewToken:
    """A new token of a user: its plain text (returned once, never stored) and its listing."""
    login = parse_login(login)
    lifetime = parse_expiry(expires)
    name = parse_text(name, "name", TOKEN_NAME_CHARS) or "token"
    with audited(rt, actor, "tokens.create", f"user:{login}") as write:
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
    with audited(rt, actor, "tokens.revoke", f"token:{token_id}") as write:
        conn = write.conn
        found = store.tokens(conn, token_id=token_id)
        if not found:
            raise NotFound(f"id: no token {token_id}")
        if found[0].revoked_at is not None:
            raise Conflict(f"id: token {token_id} is already revoked")
        store.revoke_token(conn, token_id=token_id)
        rt.tokens.clear()
        revoked = store.tokens(conn, token_id=token_id)[0]
    return revoked


def audit_records(
    rt: Runtime,
    *,
    principal: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    object: str | None = None,  # the audit log's own word for it
    until: datetime | None = None,
    result: str | None = None,
) -> list[AuditRecord]:
    """Audit records, newest first.

    Raises InvalidInput naming ``limit`` outside 1..10000, or an unknown ``result``.
    """
    if not 1 <= limit <= 10_000:
        raise InvalidInput(f"limit: {limit} is not within 1..10000")
    if result is not None and result not in AUDIT_RESULTS:
        raise InvalidInput(f"result: {result!r} is not one of {', '.join(AUDIT_RESULTS)}")
    with rt.read() as conn:
        return store.audit_records(
            conn,
            principal=principal,
            action=action,
            since=since,
            until=until,
            object=object,
            result=result,
            limit=limit,
        )


AUDIT_RESULTS = ("ok", "refused", "failed")
"""What an audit record's ``result`` may be."""


TOKEN_TOUCH = timedelta(minutes=1)
"""How often a token's ``last_used_at`` moves (a write per minute per token, not per request)."""


def authenticate_token(rt: Runtime, plain: str) -> Principal:
    """The principal a bearer token stands for; `Unauthenticated` when it stands for none.

    An unknown, expired or revoked token, or one whose user is disabled, gets the same answer.
    A valid token is kept in the process's `TokenCache` (``rt.tokens``) for a few seconds.
    """
    hashed = token_hash(plain)
    with rt.write() as conn:
        found = store.token_principal(conn, token_hash=hashed)
        if found is None:
            raise Unauthenticated("token: not valid (unknown, expired or revoked)")
        assert found.token_id is not None
        store.touch_token(conn, token_id=found.token_id, every=TOKEN_TOUCH)
    rt.tokens.put(hashed, found)
    return found


def recent_token(rt: Runtime, plain: str) -> Principal | None:
    """The principal of a token checked in the last few seconds (no store read), or None."""
    found: Principal | None = rt.tokens.get(token_hash(plain))
    return found


# Signing in: passwords with a lockout, an optional TOTP second factor, browser sessions.

WRONG_LOGIN = "login: username or password is wrong"
"""The one answer to an unknown login, a wrong password and a disabled user."""

PASSWORD_MAX_CHARS = 1024
"""Longer passwords are refused unhashed (argon2 of a megabyte costs a request too much)."""

SESSION_TOUCH = timedelta(minutes=1)
"""How often a session's ``last_seen_at`` moves (the idle timeout has this much slack)."""

SESSION_REFUSED = "session: not valid (unknown, expired or ended); sign in again"
"""The one answer to a dead session cookie."""

ACCESS_TOKEN_NAME = "password grant"
"""The name of the tokens ``POST /auth/token`` hands out."""


@cache
def _dummy_hash() -> str:
    """A hash no password matches, checked for unknown logins so they take as long."""
    return hash_password(secrets.token_urlsafe(24))


def _totp_matches(secret: str, code: str) -> bool:
    """Whether ``code`` is the secret's current TOTP code (or the one before or after).

    Examples
    --------
    >>> secret = pyotp.random_base32()
    >>> _totp_matches(secret, pyotp.TOTP(secret).now()), _totp_matches(secret, "12345")
    (True, False)
    """
    return pyotp.TOTP(secret).verify(code.replace(" ", ""), valid_window=1)


def _second_factor(found: store.Credentials, totp: str | None, settings: AuthSettings) -> str:
    if found.totp_secret is None:
        needed = {g.role for g in found.grants} & settings.totp_roles
        return "totp_not_set" if needed else "ok"
    if not (totp or "").strip():
        return "totp_missing"
    return "ok" if _totp_matches(found.totp_secret, totp or "") else "wrong_totp"


def _verdict(
    found: store.Credentials | None, password: str, totp: str | None, settings: AuthSettings
) -> str:
    """Why a login fails (a reason of the audit record), or ``ok``.

    Every known user's password is checked (a locked or disabled one's too), and an unknown
    login is checked against a dummy hash, so that the time taken tells nothing.
    """
    if len(password) > PASSWORD_MAX_CHARS:
        right = False
    else:
        right = verify_password(password, found.password_hash if found else _dummy_hash())
    if found is None:
        return "unknown"
    if not found.enabled:
        return "disabled"
    if found.locked_until is not None:
        return "locked"
    if not right:
        return "wrong_password"
    if settings.password_max_days and found.password_age_days > settings.password_max_days:
        return "password_expired"
    return _second_factor(found, totp, settings)


def _locked(until: datetime) -> Locked:
    shown = clock.iso(until.replace(microsecond=0))
    return Locked(
        f"login: the account is locked after too many failed logins, until {shown}; "
        "try again then, or have an administrator reset the password"
    )


def _refusal(reason: str, found: store.Credentials | None) -> GridmapError:
    if reason == "locked" and found is not None and found.locked_until is not None:
        return _locked(found.locked_until)
    if reason == "totp_missing":
        return Unauthenticated("totp: this account needs its one-time code (动态口令)")
    if reason == "wrong_totp":
        return Unauthenticated("totp: the one-time code (动态口令) is wrong or expired")
    if reason == "totp_not_set" and found is not None:
        return Unauthenticated(
            "totp: this account's role needs a second factor (动态口令) and it has none; "
            f"an administrator runs `gridmap users totp {found.login}` to set it up"
        )
    if reason == "password_expired" and found is not None:
        return Unauthenticated(
            "password: expired (older than GRIDMAP_PASSWORD_MAX_DAYS); an administrator sets "
            f"a new one with `gridmap users reset-password {found.login} --password-stdin`"
        )
    return Unauthenticated(WRONG_LOGIN)


_LOGIN_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""What a stored login looks like (``users``' own check)."""


def _typed(login: str) -> str:
    """The login as typed, fit for the audit log's principal: printable, at most 64 chars."""
    return "".join(c if c.isprintable() else "?" for c in login.strip())[:64]


def _login_actor(login: str, found: store.Credentials | None, source: str) -> Actor:
    if found is None:
        return Actor(principal=_typed(login), source=source)
    return Actor(principal=found.login, source=source, role=role_names(found.grants))


def _settle(
    conn: Connection,
    found: store.Credentials | None,
    reason: str,
    actor: Actor,
    settings: AuthSettings,
) -> GridmapError | None:
    """Record a login's outcome (audit rows, failure count, lock); the refusal to raise."""
    target = f"user:{found.login}" if found else None
    if reason == "ok":
        assert found is not None
        store.clear_failures(conn, user_id=found.user_id)
        store.insert_audit(conn, entry=AuditEntry(actor, "auth.login", target, "ok"))
        return None
    until = None
    if found is not None and reason in store.COUNTED_FAILURES:
        until = store.record_failure(
            conn,
            user_id=found.user_id,
            login=found.login,
            limit=settings.max_failures,
            window=settings.failure_window,
            lock=settings.lock,
        )
    failed = AuditEntry(actor, "auth.login", target, "failed", {"reason": reason})
    store.insert_audit(conn, entry=failed)
    if until is None:
        return _refusal(reason, found)
    lock = {"until": clock.iso(until), "failures": settings.max_failures}
    store.insert_audit(conn, entry=AuditEntry(actor, "auth.lock", target, "ok", lock))
    return _locked(until)


def login(
    rt: Runtime,
    *,
    login: str,
    password: str,
    totp: str | None = None,
    source: str,
    settings: AuthSettings,
) -> Principal:
    """The principal of a login and password (and TOTP code, when the user has a secret).

    Parameters
    ----------
    rt : Runtime
        The store.
    login, password : str
        As typed.
    totp : str, optional
        The current one-time code; needed when the user has a TOTP secret.
    source : str
        Where the attempt came from (the client's address), for the audit log.
    settings : AuthSettings
        The lockout limits and the roles that need a second factor.

    Returns
    -------
    Principal
        The user's login and grants (``token_id`` None).

    Raises
    ------
    Unauthenticated
        One answer (`WRONG_LOGIN`) for an unknown login, a wrong password and a disabled user;
        a detail naming ``totp`` when the password was right but the second factor is
        missing, wrong, or needed by the user's role and not set up.
    Locked
        After ``max_failures`` wrong passwords or codes within ``failure_window_minutes``
        (this attempt's included), for ``lock_minutes``; while locked even the right password
        gets it. Its detail says until when.

    Notes
    -----
    Every attempt is audited (``auth.login``, ``ok`` or ``failed`` with its reason, the
    principal being the login as typed when it names no user), and so is a lock
    (``auth.lock``); both commit although the call raises. A success resets the count.
    """
    found = None
    if _LOGIN_SHAPE.fullmatch(login.strip()):  # anything else names no user
        with rt.read() as conn:
            found = store.credentials(conn, login=login.strip())
    # argon2 runs outside any transaction: no connection is held while it works
    reason = _verdict(found, password, totp, settings)
    actor = _login_actor(login, found, source)
    with rt.write() as conn:
        refusal = _settle(conn, found, reason, actor, settings)
    if refusal is not None:
        setattr(refusal, AUDITED, True)  # recorded above: the HTTP edge records it no more
        raise refusal
    assert found is not None
    return Principal(login=found.login, grants=found.grants)


def _live_user(conn: Connection, login: str) -> int:
    found = store.user_id(conn, login=login)
    if found is None or not found[1]:
        raise Unauthenticated(WRONG_LOGIN)
    return found[0]


def _signed_in_actor(principal: Principal, source: str) -> Actor:
    return Actor(principal=principal.login, source=source, role=role_names(principal.grants))


def issue_access_token(
    rt: Runtime, principal: Principal, *, source: str, settings: AuthSettings
) -> tuple[str, int]:
    """A short-lived token for a principal just signed in (the OAuth2 password grant).

    Returns the token's plain text and its lifetime in seconds (``access_token_minutes``).
    The token is an ordinary API token named `ACCESS_TOKEN_NAME`; its creation is audited
    (``tokens.create``).
    """
    lifetime = settings.access_token_lifetime
    with rt.write() as conn:
        user = _live_user(conn, principal.login)
        plain, stored = new_token()
        token_id = store.insert_token(
            conn, user_id=user, name=ACCESS_TOKEN_NAME, token_hash=stored, lifetime=lifetime
        )
        expires = f"{settings.access_token_minutes}m"
        detail = {"token": token_id, "name": ACCESS_TOKEN_NAME, "expires": expires}
        actor = _signed_in_actor(principal, source)
        target = f"user:{principal.login}"
        store.insert_audit(conn, entry=AuditEntry(actor, "tokens.create", target, "ok", detail))
    return plain, int(lifetime.total_seconds())


def start_session(
    rt: Runtime, principal: Principal, source: str, *, settings: AuthSettings
) -> tuple[str, str]:
    """Open a browser session for a principal just signed in; (its cookie, its CSRF token).

    Only the cookie's SHA-256 is stored. The session ends after ``session_idle_minutes``
    without a request or ``session_hours`` after it began. Audited (``auth.session``).
    """
    cookie, stored = new_token()
    csrf = secrets.token_urlsafe(32)
    with rt.write() as conn:
        session_id = store.insert_session(
            conn,
            user_id=_live_user(conn, principal.login),
            token_hash=stored,
            csrf=csrf,
            source=source,
            lifetime=settings.session_lifetime,
        )
        detail = {"session": session_id, "hours": settings.session_hours}
        actor = _signed_in_actor(principal, source)
        target = f"user:{principal.login}"
        store.insert_audit(conn, entry=AuditEntry(actor, "auth.session", target, "ok", detail))
    return cookie, csrf


def authenticate_session(
    rt: Runtime, cookie: str, *, settings: AuthSettings
) -> tuple[Principal, str]:
    """The principal and CSRF token of a session cookie; `Unauthenticated` when it is dead.

    Dead: unknown, ended, past its end, idle for ``session_idle_minutes``, or its user
    disabled — one answer for all.
    """
    with rt.write() as conn:
        found = store.session_principal(
            conn, token_hash=token_hash(cookie), idle=settings.session_idle
        )
        if found is None:
            raise Unauthenticated(SESSION_REFUSED)
        store.touch_session(conn, session_id=found.id, every=SESSION_TOUCH)
    return found.principal, found.csrf


def end_session(rt: Runtime, cookie: str, *, source: str) -> bool:
    """End the session of a cookie (audited ``auth.logout``); whether one was running."""
    with rt.write() as conn:
        ended = store.end_session(conn, token_hash=token_hash(cookie))
        if ended is None:
            return False
        session_id, user = ended
        actor = Actor(principal=user, source=source)
        entry = AuditEntry(actor, "auth.logout", f"user:{user}", "ok", {"session": session_id})
        store.insert_audit(conn, entry=entry)
    return True


def set_totp(rt: Runtime, actor: Actor, *, login: str) -> str:
    """Give a user a new TOTP secret (replacing any); its ``otpauth://`` provisioning URI.

    The URI holds the secret: it is shown once (as a QR code or text) to the user's
    authenticator app and never stored elsewhere or audited.
    """
    login = parse_login(login)
    secret = pyotp.random_base32()
    with audited(rt, actor, "users.totp", f"user:{login}") as write:
        found = _user_id(write.conn, login)
        store.set_totp_secret(write.conn, user_id=found, secret=secret)
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name="gridmap")
