"""Issue 12 item 2: password logins with a lockout, TOTP, browser sessions — on the real store."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import text

from gis import clock
from gis.errors import GridmapError, Locked, Unauthenticated
from gis.identity.records import Principal
from gis.identity.roles import Grant
from gis.identity.settings import AuthSettings
from gis.identity.tokens import token_hash
from gis.usecases import identity
from gis.usecases.runtime import Runtime
from tests.usecases.test_identity import (  # noqa: F401 (the fixture)
    ACTOR,
    PASSWORD,
    add,
    areas,
    last_id,
    since,
)

SETTINGS = AuthSettings(
    max_failures=5,
    failure_window_minutes=15,
    lock_minutes=15,
    session_idle_minutes=30,
    session_hours=12,
    totp_required_roles="",
)
WRONG = "login: username or password is wrong"


def sign_in(rt: Runtime, login: str = "wang", password: str = PASSWORD, **kw: object) -> object:
    settings = kw.pop("settings", SETTINGS)
    return identity.login(
        rt,
        login=login,
        password=password,
        source="203.0.113.7",
        settings=settings,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def refusal(rt: Runtime, **kw: object) -> GridmapError:
    with pytest.raises(GridmapError) as refused:
        sign_in(rt, **kw)  # type: ignore[arg-type]
    return refused.value


def sql(rt: Runtime, statement: str, **params: object) -> None:
    with rt.write() as conn:
        conn.execute(text(statement), params)


def failed_logins(rt: Runtime) -> tuple[int, datetime | None]:
    with rt.read() as conn:
        row = conn.execute(text("SELECT failed_logins, locked_until FROM users")).one()
    return row.failed_logins, row.locked_until


@pytest.fixture
def wang(areas: Runtime) -> Runtime:  # noqa: F811
    add(areas, scopes=["110108010019"])
    return areas


def test_issue12_the_right_password_gives_the_principal_and_an_audit_row(wang: Runtime) -> None:
    first = last_id(wang)
    principal = sign_in(wang, login="WANG")
    assert principal == Principal("wang", (Grant("planner", "110108010019"),))
    [row] = since(wang, first)
    assert (row.principal, row.role, row.source, row.action, row.object, row.result) == (
        "wang",
        "planner",
        "203.0.113.7",
        "auth.login",
        "user:wang",
        "ok",
    )
    assert PASSWORD not in str(row)


def test_issue12_unknown_login_wrong_password_and_disabled_get_one_answer(wang: Runtime) -> None:
    first = last_id(wang)
    long_login = "nobody-" + "x" * 80
    answers = [
        refusal(wang, login=long_login),
        refusal(wang, password=PASSWORD + "!"),
        refusal(wang, login="bad\x00name"),
    ]
    identity.set_enabled(wang, ACTOR, login="wang", enabled=False)
    answers.append(refusal(wang))  # the right password of a disabled user
    assert {(type(a), a.detail) for a in answers} == {(Unauthenticated, WRONG)}
    rows = [r for r in reversed(since(wang, first)) if r.action == "auth.login"]
    assert [(r.principal, r.object, r.result, r.detail) for r in rows] == [
        (long_login[:64], None, "failed", {"reason": "unknown"}),
        ("wang", "user:wang", "failed", {"reason": "wrong_password"}),
        ("bad?name", None, "failed", {"reason": "unknown"}),
        ("wang", "user:wang", "failed", {"reason": "disabled"}),
    ]


def test_issue12_unknown_logins_take_as_long_as_wrong_passwords(wang: Runtime) -> None:
    def took(login: str) -> float:
        start = time.perf_counter()
        refusal(wang, login=login, password="Not-the-password-1")
        return time.perf_counter() - start

    unknown = min(took("nobody") for _ in range(2))
    wrong = min(took("wang") for _ in range(2))
    assert unknown > wrong / 3  # both hash a password; only that costs tens of milliseconds


def test_issue12_five_failures_lock_the_account_until_a_time(wang: Runtime) -> None:
    first = last_id(wang)
    for _ in range(SETTINGS.max_failures - 1):
        assert isinstance(refusal(wang, password="wrong-password"), Unauthenticated)
    assert failed_logins(wang)[0] == 4
    locked = refusal(wang, password="wrong-password")
    assert isinstance(locked, Locked)
    _, until = failed_logins(wang)
    assert until is not None
    shown = until.replace(microsecond=0).astimezone(clock.zone()).isoformat()
    assert f"locked after too many failed logins, until {shown}" in locked.detail
    minutes = (until - datetime.now(UTC)).total_seconds() / 60
    assert 14 < minutes <= 15
    right = refusal(wang)  # even the right password, while locked
    assert isinstance(right, Locked) and right.detail == locked.detail
    lock_rows = [r for r in since(wang, first) if r.action == "auth.lock"]
    assert [(r.principal, r.object, r.detail["failures"]) for r in lock_rows] == [
        ("wang", "user:wang", 5)
    ]
    assert since(wang, first)[0].detail == {"reason": "locked"}


def test_issue12_a_lock_ends_and_a_success_resets_the_count(wang: Runtime) -> None:
    for _ in range(SETTINGS.max_failures):
        refusal(wang, password="wrong-password")
    sql(wang, "UPDATE users SET locked_until = now() - interval '1 second'")
    assert sign_in(wang).login == "wang"  # type: ignore[attr-defined]
    assert failed_logins(wang) == (0, None)
    for _ in range(3):
        refusal(wang, password="wrong-password")
    sign_in(wang)
    assert failed_logins(wang) == (0, None)


def test_issue12_failures_further_apart_than_the_window_do_not_add_up(wang: Runtime) -> None:
    brief = SETTINGS.model_copy(update={"failure_window_minutes": 0.001, "max_failures": 2})
    for _ in range(3):
        time.sleep(0.1)  # longer than the 60 ms window
        failure = refusal(wang, password="wrong-password", settings=brief)
        assert isinstance(failure, Unauthenticated)
    assert failed_logins(wang) == (1, None)


def test_issue12_concurrent_failures_are_all_counted(wang: Runtime) -> None:
    limit = SETTINGS.model_copy(update={"max_failures": 4})
    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(
            pool.map(lambda _: refusal(wang, password="wrong-password", settings=limit), range(3))
        )
    assert all(isinstance(a, Unauthenticated) for a in answers)
    assert failed_logins(wang) == (3, None)
    assert isinstance(refusal(wang, password="wrong-password", settings=limit), Locked)


def test_issue12_totp_is_asked_when_the_user_has_a_secret(wang: Runtime) -> None:
    first = last_id(wang)
    uri = identity.set_totp(wang, ACTOR, login="wang")
    assert uri.startswith("otpauth://totp/gridmap:wang?secret=") and "issuer=gridmap" in uri
    secret = pyotp.parse_uri(uri).secret
    assert since(wang, first)[0].action == "users.totp"
    assert secret not in str(since(wang, first))
    missing = refusal(wang)
    assert isinstance(missing, Unauthenticated) and missing.detail.startswith("totp:")
    wrong = refusal(wang, totp="000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert isinstance(wrong, Unauthenticated) and "wrong or expired" in wrong.detail
    assert failed_logins(wang)[0] == 1  # a wrong code counts towards the lock
    code = pyotp.TOTP(secret).now()
    assert sign_in(wang, totp=f" {code[:3]} {code[3:]} ").login == "wang"  # type: ignore[attr-defined]
    reasons = [r.detail.get("reason") for r in reversed(since(wang, first))]
    assert reasons == [None, "totp_missing", "wrong_totp", None]


def test_issue12_a_role_that_needs_totp_cannot_sign_in_without_one(wang: Runtime) -> None:
    strict = SETTINGS.model_copy(update={"totp_required_roles": "admin,planner"})
    refused = refusal(wang, settings=strict)
    assert isinstance(refused, Unauthenticated)
    assert "`gridmap users totp wang`" in refused.detail
    assert isinstance(refusal(wang, password="wrong-password", settings=strict), Unauthenticated)
    assert refused.detail != refusal(wang, password="x", settings=strict).detail


def test_issue12_totp_roles_must_be_known() -> None:
    with pytest.raises(ValueError, match="unknown role 'mayor'"):
        AuthSettings(totp_required_roles="admin,mayor")


def test_issue12_a_session_stands_for_its_user_until_it_ends(wang: Runtime) -> None:
    first = last_id(wang)
    principal = sign_in(wang)
    cookie, csrf = identity.start_session(wang, principal, "203.0.113.7", settings=SETTINGS)  # type: ignore[arg-type]
    with wang.read() as conn:
        stored = conn.execute(text("SELECT token_hash, csrf, source FROM sessions")).one()
    assert stored.token_hash == token_hash(cookie) and cookie not in str(stored)
    assert (stored.csrf, stored.source) == (csrf, "203.0.113.7")
    assert identity.authenticate_session(wang, cookie, settings=SETTINGS) == (principal, csrf)
    assert identity.end_session(wang, cookie, source="203.0.113.7") is True
    with pytest.raises(Unauthenticated):
        identity.authenticate_session(wang, cookie, settings=SETTINGS)
    assert identity.end_session(wang, cookie, source="203.0.113.7") is False
    actions = [(r.action, r.principal) for r in reversed(since(wang, first))]
    assert actions == [("auth.login", "wang"), ("auth.session", "wang"), ("auth.logout", "wang")]


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'",
        "UPDATE sessions SET expires_at = now() - interval '1 second'",
        "UPDATE users SET enabled = false",
    ],
)
def test_issue12_an_idle_expired_or_disabled_session_is_dead(wang: Runtime, change: str) -> None:
    principal = sign_in(wang)
    cookie, _ = identity.start_session(wang, principal, "203.0.113.7", settings=SETTINGS)  # type: ignore[arg-type]
    sql(wang, change)
    with pytest.raises(Unauthenticated, match="session: not valid"):
        identity.authenticate_session(wang, cookie, settings=SETTINGS)


def test_issue12_a_session_moves_last_seen_at_most_once_a_minute(wang: Runtime) -> None:
    principal = sign_in(wang)
    cookie, _ = identity.start_session(wang, principal, "203.0.113.7", settings=SETTINGS)  # type: ignore[arg-type]

    def seen() -> datetime:
        with wang.read() as conn:
            return conn.execute(text("SELECT last_seen_at FROM sessions")).scalar_one()

    first = seen()
    identity.authenticate_session(wang, cookie, settings=SETTINGS)
    assert seen() == first
    sql(wang, "UPDATE sessions SET last_seen_at = now() - interval '29 minutes'")
    identity.authenticate_session(wang, cookie, settings=SETTINGS)
    assert seen() > first  # used within the idle time: moved forward


def test_issue12_an_expired_password_signs_in_no_more_until_reset(wang: Runtime) -> None:
    expiring = SETTINGS.model_copy(update={"password_max_days": 90})
    assert sign_in(wang, settings=expiring)  # a fresh password
    sql(wang, "UPDATE users SET password_changed_at = now() - interval '91 days'")
    refused = refusal(wang, settings=expiring)
    assert isinstance(refused, Unauthenticated) and refused.detail.startswith("password: expired")
    assert sign_in(wang)  # without the setting it never expires
    identity.reset_password(wang, ACTOR, login="wang", password=PASSWORD + "x")
    assert sign_in(wang, password=PASSWORD + "x", settings=expiring)


def test_issue12_a_password_reset_ends_the_users_sessions(wang: Runtime) -> None:
    cookie, _ = identity.start_session(wang, sign_in(wang), "203.0.113.7", settings=SETTINGS)
    assert identity.authenticate_session(wang, cookie, settings=SETTINGS)[0].login == "wang"
    identity.reset_password(wang, ACTOR, login="wang", password=PASSWORD + "y")
    with pytest.raises(Unauthenticated):
        identity.authenticate_session(wang, cookie, settings=SETTINGS)
