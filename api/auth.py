"""Who a request acts as: the ``Authorization: Bearer`` token, read once per request.

`Caller` is the dependency a route declares to need an authenticated principal; an absent,
malformed or dead token is a 401 with ``WWW-Authenticate: Bearer`` (RFC 6750), and the same
detail whatever was wrong with it. Sessions for the browser pages and the route permission
table come next (issue 12).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import runtime
from gis.errors import Unauthenticated
from gis.identity.records import Principal
from gis.usecases import identity

SCHEME = "bearer"


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


BEARER = HTTPBearer(auto_error=False, description="a token from `gridmap tokens create`")
"""Declares the scheme in the OpenAPI; the header itself is read by `bearer_token`."""


async def caller(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
) -> Principal:
    """The principal of the request's bearer token (the store is asked in the thread pool)."""
    token = bearer_token(request.headers.get("authorization"))
    return await run_in_threadpool(identity.authenticate_token, runtime(request), token)


Caller = Annotated[Principal, Depends(caller)]
"""A route parameter that needs an authenticated principal."""
