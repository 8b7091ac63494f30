"""Who a request acts as: an ``Authorization: Bearer`` token, or a browser session's cookie.

`principal_of` reads the credentials once per request: a bearer token when the header is
there (a malformed or dead one is a 401 with ``WWW-Authenticate: Bearer``, RFC 6750, and the
same detail whatever was wrong with it), else the session cookie (a dead one makes the
request anonymous). A request on a session cookie that changes something (POST, PUT, PATCH,
DELETE) must carry the session's CSRF token, as the ``X-CSRF-Token`` header or a form's
``csrf_token`` field; the cookie alone is refused (`CsrfFailed`, 403). Pages find the token to
embed on ``request.state.csrf``.

`Caller` is the dependency a route declares to need an authenticated principal.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from api.deps import runtime
from gis.errors import CsrfFailed, Unauthenticated
from gis.identity.records import Principal
from gis.identity.settings import AuthSettings
from gis.usecases import identity

SCHEME = "bearer"
SESSION_COOKIE = "gridmap_session"
"""The browser session's cookie (HttpOnly, SameSite=Strict, Path=/)."""
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""The methods that need the CSRF token when the credentials are a session cookie."""
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
DEFAULT_NEXT = "/maps/"
"""Where a browser goes after signing in when it was not sent from elsewhere."""


class BearerRequired(Unauthenticated):
    """No usable ``Authorization: Bearer`` header."""


def bearer_token(header: str | None) -> str:
    """The token of an ``Authorization`` header value; `BearerRequired` when there is none.

    Examples
    --------
    >>> bearer_token("Bearer gm_abc")
    'gm_abc'
    >>> bearer_token("Basic d2FuZzp4")
    Traceback (most recent call last):
    ...
    api.auth.BearerRequired: Authorization: expected 'Bearer <token>'
    """
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != SCHEME or not token.strip() or " " in token.strip():
        raise BearerRequired("Authorization: expected 'Bearer <token>'")
    return token.strip()


def safe_next(value: str | None) -> str | None:
    r"""A path on this site to go to after signing in, or None for anything else.

    Only a path: it starts with one ``/`` (``//host`` and ``/\host`` are other sites to a
    browser) and holds no control character or space.

    Examples
    --------
    >>> safe_next("/maps/grids?level=grid")
    '/maps/grids?level=grid'
    >>> [safe_next(v) for v in ("//evil.example", "https://evil", "/\\evil", "maps", None)]
    [None, None, None, None, None]
    """
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(c.isspace() or not c.isprintable() for c in value):
        return None
    return value


def auth_settings(request: Request) -> AuthSettings:
    """The app's sign-in settings (``app.state.auth_settings``; from the environment if unset)."""
    found: AuthSettings | None = getattr(request.app.state, "auth_settings", None)
    if found is None:
        found = request.app.state.auth_settings = AuthSettings()
    return found


AuthConf = Annotated[AuthSettings, Depends(auth_settings)]


def source_of(request: Request) -> str:
    """Where a request came from, as the audit log and the sessions table record it."""
    return request.client.host if request.client else "unknown"


_CHECKED = "gridmap_principal"
"""Where `principal_of` keeps its answer on ``request.state`` (it is asked more than once)."""


async def principal_of(request: Request) -> Principal | None:
    """The principal of a request's credentials; None when it has none (anonymous).

    A bearer token when an ``Authorization`` header is sent (`BearerRequired` when it is not
    ``Bearer <token>``, `Unauthenticated` when the token is dead), else the session cookie
    (None when it is dead: the caller decides whether anonymous will do). A session request
    with an unsafe method must carry the session's CSRF token (`CsrfFailed`); the session's
    token is left on ``request.state.csrf``.
    """
    if hasattr(request.state, _CHECKED):
        checked: Principal | None = getattr(request.state, _CHECKED)
        return checked
    header = request.headers.get("authorization")
    if header is not None:
        token = bearer_token(header)
        rt = runtime(request)
        found: Principal | None = identity.recent_token(rt, token) or await run_in_threadpool(
            identity.authenticate_token, rt, token
        )
    else:
        found = await _session_principal(request)
    setattr(request.state, _CHECKED, found)
    return found


async def _session_principal(request: Request) -> Principal | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    settings = auth_settings(request)
    try:
        principal, csrf = await run_in_threadpool(
            identity.authenticate_session, runtime(request), cookie, settings=settings
        )
    except Unauthenticated:
        return None
    request.state.csrf = csrf
    if request.method in UNSAFE_METHODS:
        await check_csrf(request, csrf)
    return principal


async def check_csrf(request: Request, expected: str) -> None:
    """Refuse (`CsrfFailed`) a request without the session's CSRF token.

    The header is read first; a form's field only when the body is a form (FastAPI keeps a
    parsed form, so the route reads it again for free).
    """
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
        try:
            field = (await request.form()).get(CSRF_FIELD)
        except (HTTPException, MultiPartException, ValueError):  # unreadable: no token
            field = None
        sent = field if isinstance(field, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed(
            f"csrf: a signed-in browser's change needs the session's token "
            f"(the {CSRF_HEADER} header or the {CSRF_FIELD} form field)"
        )


BEARER = HTTPBearer(auto_error=False, description="a token from `gridmap tokens create`")
"""Declares the scheme in the OpenAPI; the header itself is read by `bearer_token`."""
COOKIE = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="a browser session from `POST /login` (changes also need `X-CSRF-Token`)",
)
"""Declares the session cookie in the OpenAPI; `principal_of` reads it."""


async def caller(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
    __: Annotated[str | None, Depends(COOKIE)] = None,
) -> Principal:
    """The principal of the request (`principal_of`); a 401 when it has none."""
    found = await principal_of(request)
    if found is not None:
        return found
    if request.cookies.get(SESSION_COOKIE):
        raise Unauthenticated(identity.SESSION_REFUSED)
    raise BearerRequired("Authorization: expected 'Bearer <token>'")


Caller = Annotated[Principal, Depends(caller)]
"""A route parameter that needs an authenticated principal."""
