"""Issue 12 item 2 over HTTP: the password grant, the login page, sessions, CSRF, lockout."""

import re
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import text

from api.app import create_app
from gis.identity.settings import AuthSettings
from gis.settings import StoreSettings
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

WRONG = {"detail": "login: username or password is wrong", "code": "Unauthenticated"}


@pytest.fixture
def wang(areas: Runtime) -> Runtime:  # noqa: F811
    add(areas, scopes=["110108010019"])
    return areas


@pytest.fixture
def client(store_settings: StoreSettings, wang: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(store_settings), follow_redirects=False) as test_client:
        test_client.app.state.auth_settings = AuthSettings()  # type: ignore[attr-defined]
        yield test_client


def grant(
    client: TestClient, username: str = "wang", password: str = PASSWORD, **form: str
) -> Response:
    return client.post("/auth/token", data={"username": username, "password": password, **form})


def browser_login(client: TestClient, password: str = PASSWORD, **form: str) -> Response:
    return client.post("/login", data={"username": "wang", "password": password, **form})


def sql(rt: Runtime, statement: str) -> None:
    with rt.write() as conn:
        conn.execute(text(statement))


def session_csrf(rt: Runtime) -> str:
    with rt.read() as conn:
        return str(
            conn.execute(text("SELECT csrf FROM sessions WHERE ended_at IS NULL")).scalar_one()
        )


def me(client: TestClient, **kw: object) -> Response:
    return client.get("/auth/me", **kw)  # type: ignore[arg-type]


def test_issue12_the_password_grant_gives_a_bearer_token(client: TestClient, wang: Runtime) -> None:
    response = grant(client)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["access_token"].startswith("gm_")
    answer = me(client, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert answer.json() == {
        "login": "wang",
        "grants": [{"role": "planner", "scope": "110108010019"}],
    }
    [token] = identity.list_tokens(wang, login="wang")
    assert token.name == "password grant"
    minutes = (token.expires_at - token.created_at).total_seconds() / 60
    assert 59 < minutes <= 60.1


def test_issue12_the_grant_is_documented(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/auth/token"]["post"]
    assert {"200", "401", "423"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AccessToken"
    }
    assert "application/x-www-form-urlencoded" in operation["requestBody"]["content"]


def test_issue12_wrong_password_unknown_login_and_disabled_answer_alike(
    client: TestClient, wang: Runtime
) -> None:
    wrong = grant(client, password="Not-the-password-1")
    unknown = grant(client, username="nobody")
    identity.set_enabled(wang, ACTOR, login="wang", enabled=False)
    disabled = grant(client)
    for response in (wrong, unknown, disabled):
        assert response.status_code == 401 and response.json() == WRONG


def test_issue12_five_failures_lock_the_account(client: TestClient, wang: Runtime) -> None:
    for _ in range(4):
        assert grant(client, password="wrong-password").status_code == 401
    locked = grant(client, password="wrong-password")
    assert locked.status_code == 423
    assert locked.json()["code"] == "Locked"
    assert re.search(r"until 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", locked.json()["detail"])
    right = grant(client)
    assert right.status_code == 423 and right.json() == locked.json()
    sql(wang, "UPDATE users SET locked_until = now() - interval '1 second'")
    assert grant(client).status_code == 200


def test_issue12_totp_over_the_grant(client: TestClient, wang: Runtime) -> None:
    secret = pyotp.parse_uri(identity.set_totp(wang, ACTOR, login="wang")).secret
    missing = grant(client)
    assert missing.status_code == 401 and missing.json()["detail"].startswith("totp:")
    now = pyotp.TOTP(secret).now()
    wrong = grant(client, totp="000000" if now != "000000" else "111111")
    assert wrong.status_code == 401 and "wrong or expired" in wrong.json()["detail"]
    assert grant(client, totp=now).status_code == 200


def test_issue12_a_role_that_needs_totp_is_told_how_to_get_one(client: TestClient) -> None:
    client.app.state.auth_settings = AuthSettings(totp_required_roles="planner")  # type: ignore[attr-defined]
    refused = grant(client)
    assert refused.status_code == 401
    assert "`gridmap users totp wang`" in refused.json()["detail"]


def test_issue12_the_login_page_loads_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/login", params={"next": '/maps/"><script>alert(1)</script>'})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for label in ("登录", "Sign in", "用户名", "Username", "密码", "Password", "动态口令", "TOTP"):
        assert label in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert not re.search(r"\b(src|href)\s*=|url\(|@import|https?:|//[a-z]", html, re.I)
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil", "/\\evil.example", "maps"])
def test_issue12_next_cannot_leave_the_site(client: TestClient, target: str) -> None:
    assert 'name="next"' not in client.get("/login", params={"next": target}).text
    response = browser_login(client, next=target)
    assert response.status_code == 303 and response.headers["location"] == "/maps/"


def test_issue12_next_keeps_a_path_of_the_site(client: TestClient) -> None:
    page = client.get("/login", params={"next": "/maps/grids?level=grid&x=1"}).text
    assert '<input type="hidden" name="next" value="/maps/grids?level=grid&amp;x=1">' in page
    response = browser_login(client, next="/maps/grids?level=grid&x=1")
    assert response.headers["location"] == "/maps/grids?level=grid&x=1"


def test_issue12_a_browser_signs_in_with_a_strict_http_only_cookie(
    client: TestClient, wang: Runtime
) -> None:
    first = last_id(wang)
    response = browser_login(client)
    assert response.status_code == 303 and response.headers["location"] == "/maps/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("gridmap_session=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # GRIDMAP_COOKIE_SECURE unset
    answer = me(client)  # the client sends the cookie back
    assert answer.status_code == 200 and answer.json()["login"] == "wang"
    rows = [(r.action, r.principal, r.source, r.result) for r in reversed(since(wang, first))]
    assert rows[:2] == [
        ("auth.login", "wang", "testclient", "ok"),
        ("auth.session", "wang", "testclient", "ok"),
    ]


def test_issue12_the_cookie_is_secure_when_configured(client: TestClient) -> None:
    client.app.state.auth_settings = AuthSettings(cookie_secure=True)  # type: ignore[attr-defined]
    assert "Secure" in browser_login(client).headers["set-cookie"]


def test_issue12_a_refused_login_shows_the_form_again(client: TestClient) -> None:
    response = browser_login(client, password="wrong-password", next="/maps/x")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text and "username or password is wrong" in response.text
    assert 'value="wang"' in response.text and 'value="/maps/x"' in response.text
    assert "set-cookie" not in response.headers
    for _ in range(4):
        response = browser_login(client, password="wrong-password")
    assert response.status_code == 423 and "账户已锁定" in response.text


def test_issue12_a_typed_login_is_escaped_on_the_page(client: TestClient) -> None:
    response = client.post("/login", data={"username": '"><img src=x>', "password": "x"})
    assert response.status_code == 401
    assert "<img" not in response.text and "&lt;img" in response.text


def test_issue12_a_login_form_posted_from_another_site_is_refused(client: TestClient) -> None:
    response = client.post(
        "/login",
        data={"username": "wang", "password": PASSWORD},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403 and response.json()["code"] == "CsrfFailed"


def test_issue12_an_idle_session_is_anonymous(client: TestClient, wang: Runtime) -> None:
    browser_login(client)
    sql(wang, "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'")
    answer = me(client)
    assert answer.status_code == 401
    assert answer.json() == {"detail": identity.SESSION_REFUSED, "code": "Unauthenticated"}


def test_issue12_logout_needs_the_csrf_token(client: TestClient, wang: Runtime) -> None:
    browser_login(client)
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        refused = client.post("/logout", headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "CsrfFailed"
    refused = client.post("/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert me(client).status_code == 200  # still signed in


@pytest.mark.parametrize("how", ["form", "header"])
def test_issue12_logout_ends_the_session(client: TestClient, wang: Runtime, how: str) -> None:
    browser_login(client)
    cookie = client.cookies["gridmap_session"]
    csrf = session_csrf(wang)
    first = last_id(wang)
    if how == "form":
        response = client.post("/logout", data={"csrf_token": csrf})
    else:
        response = client.post("/logout", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    cleared = response.headers["set-cookie"]
    assert cleared.startswith("gridmap_session=") and "Max-Age=0" in cleared
    assert "gridmap_session" not in client.cookies
    client.cookies.set("gridmap_session", cookie)
    answer = me(client)
    assert answer.status_code == 401  # the old cookie is dead, not merely forgotten
    [row] = [r for r in since(wang, first) if r.action == "auth.logout"]
    assert (row.principal, row.result) == ("wang", "ok")


def test_issue12_a_bearer_request_needs_no_csrf_token(client: TestClient) -> None:
    token = grant(client).json()["access_token"]
    response = client.post("/logout", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 303
