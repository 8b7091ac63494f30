"""Signing in and out: the OAuth2 password grant, the browser login page and its session.

``POST /auth/token`` gives scripts a short-lived bearer token for a login and password;
``GET /login`` and ``POST /login`` sign a browser in with a session cookie; ``POST /logout``
ends it. Every attempt is audited by the use cases (`gis.usecases.identity.login`).
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from api.access import SignedIn, signing
from api.auth import (
    DEFAULT_NEXT,
    SESSION_COOKIE,
    AuthConf,
    Caller,
    principal_of,
    safe_next,
    source_of,
)
from api.deps import Rt, runtime
from api.openapi import ErrorBody
from gis.errors import CsrfFailed, Locked, Unauthenticated
from gis.identity.access import Acting
from gis.identity.settings import AuthSettings
from gis.usecases import identity

router = APIRouter(tags=["auth"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
"""Credentials and pages holding them are never cached (RFC 6749 §5.1)."""
PAGE_HEADERS = {
    **NO_STORE,
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
"""The login page loads nothing from anywhere, posts only here, and is never framed."""


@router.get("/auth/me")
def who_am_i(principal: Caller, _: SignedIn) -> dict[str, Any]:
    """The login and grants (role on scope) of the bearer token or session cookie sent."""
    return {
        "login": principal.login,
        "grants": [{"role": g.role, "scope": g.scope} for g in principal.grants],
    }


class AccessToken(BaseModel):
    """A bearer token for a login and password (the OAuth2 password grant, RFC 6749 §4.3)."""

    access_token: str = Field(description="send it as `Authorization: Bearer <access_token>`")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds the token lives (GRIDMAP_ACCESS_TOKEN_MINUTES)")


class PasswordForm(OAuth2PasswordRequestForm):
    """The OAuth2 password grant's form, with an optional ``totp`` field.

    A username or password is never empty (a form's empty field counts as missing).
    """

    def __init__(
        self,
        *,
        username: Annotated[str, Form(min_length=1, max_length=200)],
        password: Annotated[str, Form(min_length=1, max_length=4096)],
        totp: Annotated[
            str, Form(max_length=16, description="the current one-time code, if the user has TOTP")
        ] = "",
        grant_type: Annotated[Literal["password"], Form()] = "password",
        scope: Annotated[str, Form(description="not used")] = "",
        client_id: Annotated[str | None, Form(description="not used")] = None,
        client_secret: Annotated[str | None, Form(description="not used")] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )
        self.totp = totp


REFUSED: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorBody,
        "description": "Username or password wrong, the user disabled, or the one-time code "
        "(`totp`) missing or wrong — one detail for the first three",
    },
    423: {
        "model": ErrorBody,
        "description": "Locked after too many failed logins; the detail says until when",
    },
}


@router.post("/auth/token", responses=REFUSED)
def password_grant(
    request: Request,
    _: Annotated[Acting, signing()],
    response: Response,
    rt: Rt,
    settings: AuthConf,
    form: Annotated[PasswordForm, Depends()],
) -> AccessToken:
    """A short-lived bearer token for a username and password (and TOTP code)."""
    source = source_of(request)
    principal = identity.login(
        rt,
        login=form.username,
        password=form.password,
        totp=form.totp or None,
        source=source,
        settings=settings,
    )
    plain, seconds = identity.issue_access_token(rt, principal, source=source, settings=settings)
    response.headers.update(NO_STORE)
    return AccessToken(access_token=plain, expires_in=seconds)


@router.get("/login", include_in_schema=False)
def login_page(
    _: Annotated[Acting, signing()],
    next_: Annotated[str | None, Query(alias="next")] = None,
) -> HTMLResponse:
    """The login page."""
    return login_form(next_=safe_next(next_))


@router.post("/login", include_in_schema=False)
def sign_in(
    request: Request,
    _: Annotated[Acting, signing()],
    rt: Rt,
    settings: AuthConf,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    totp: Annotated[str, Form()] = "",
    next_: Annotated[str, Form(alias="next")] = "",
) -> Response:
    """Sign a browser in: a session cookie and a redirect, or the form again saying why not."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfFailed("login: a sign-in form posted from another site")
    target = safe_next(next_)
    source = source_of(request)
    try:
        principal = identity.login(
            rt,
            login=username,
            password=password,
            totp=totp or None,
            source=source,
            settings=settings,
        )
    except (Unauthenticated, Locked) as refused:
        return login_form(next_=target, username=username, refused=refused)
    cookie, _csrf = identity.start_session(rt, principal, source, settings=settings)
    answer = RedirectResponse(target or DEFAULT_NEXT, status_code=303, headers=NO_STORE)
    set_session_cookie(answer, cookie, settings)
    return answer


@router.post("/logout", include_in_schema=False)
async def sign_out(
    request: Request, settings: AuthConf, _: Annotated[Acting, signing()]
) -> RedirectResponse:
    """End the browser's session (its CSRF token needed) and go back to the login page."""
    await principal_of(request)  # a live session's cookie without its CSRF token: 403
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await run_in_threadpool(
            identity.end_session, runtime(request), cookie, source=source_of(request)
        )
    answer = RedirectResponse("/login", status_code=303, headers=NO_STORE)
    answer.delete_cookie(
        SESSION_COOKIE, path="/", secure=settings.cookie_secure, httponly=True, samesite="strict"
    )
    return answer


def set_session_cookie(response: Response, cookie: str, settings: AuthSettings) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, whole site, Secure behind TLS."""
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        path="/",
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
    )


def _why(refused: Unauthenticated | Locked) -> str:
    if isinstance(refused, Locked):
        return "账户已锁定 Account locked"
    if refused.detail.startswith("totp:"):
        return "动态口令 One-time code"
    return "用户名或密码错误 Username or password is wrong"


LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>登录 Sign in · gridmap</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1d2933}}
main{{max-width:22rem;margin:8vh auto;padding:1.5rem;background:#fff;border-radius:.5rem;
box-shadow:0 1px 4px #0002}}
h1{{font-size:1.5rem;margin:0 0 1rem}} small{{color:#5b6770;font-weight:normal}}
label{{display:block;margin:.75rem 0}} label small{{display:block;font-size:.8rem}}
input{{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;border:1px solid #a9b4bd;
border-radius:.25rem}}
button{{width:100%;margin-top:1rem;padding:.6rem;font:inherit;border:0;border-radius:.25rem;
background:#1f6feb;color:#fff}}
.error{{padding:.5rem .75rem;background:#fdecea;border-left:4px solid #c62828}}
</style></head>
<body><main>
<h1>登录 <small>Sign in</small></h1>
{error}<form method="post" action="/login">
<label>用户名 <small>Username</small>
<input name="username" value="{username}" autocomplete="username" autocapitalize="none"
 spellcheck="false" maxlength="64" required autofocus></label>
<label>密码 <small>Password</small>
<input name="password" type="password" autocomplete="current-password" required></label>
<label>动态口令 <small>One-time code (TOTP), if your account has one</small>
<input name="totp" inputmode="numeric" autocomplete="one-time-code" maxlength="10"></label>
{next}<button type="submit">登录 <small style="color:inherit">Sign in</small></button>
</form></main></body></html>
"""


def login_form(
    *,
    next_: str | None = None,
    username: str = "",
    refused: Unauthenticated | Locked | None = None,
) -> HTMLResponse:
    """The login page, saying why the last attempt was refused (401, or 423 when locked)."""
    error = ""
    status = 200
    if refused is not None:
        status = 423 if isinstance(refused, Locked) else 401
        error = (
            f'<p class="error" role="alert"><strong>{escape(_why(refused))}</strong><br>'
            f"{escape(refused.detail)}</p>\n"
        )
    hidden = f'<input type="hidden" name="next" value="{escape(next_)}">\n' if next_ else ""
    page = LOGIN_PAGE.format(error=error, username=escape(username[:64]), next=hidden)
    return HTMLResponse(page, status_code=status, headers=PAGE_HEADERS)
