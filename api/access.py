"""Who may call a route: every route declares it here, once, as a dependency.

``requires("incidents:read")`` is a route parameter's dependency that reads the principal
(bearer token or session cookie, `api.auth.principal_of`), refuses an anonymous caller (401)
or one whose roles hold the permission on no area (403), and hands the route an `Acting`: the
principal under that permission, which the use cases ask about each object's area (out of
scope: 404 for reads, 403 for writes). ``public()`` declares a route anyone may call; a
token sent to it is still checked. ``signed_in()`` needs a principal and no permission.

The route table is read by the permission matrix test (`requirement_of`): a route without a
declared requirement fails it. Refusals are recorded in the audit log by the error handler
(`api.errors`), the one place every refusal passes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials
from starlette.formparsers import MultiPartException

from api import auth
from api.deps import runtime
from gis.errors import Forbidden, GridmapError, OutOfScope, Unauthenticated
from gis.identity.access import Acting, role_names
from gis.identity.records import Actor, Principal
from gis.identity.roles import PERMISSIONS, allows
from gis.identity.settings import AuthSettings
from gis.usecases import identity, trail

LOG = logging.getLogger("gridmap.audit")

ANONYMOUS = "anonymous"
"""The principal of a request without credentials, as the audit log names it."""


def acting_for(request: Request, principal: Principal | None, permission: str | None) -> Acting:
    """The `Acting` of a request, kept on ``request.state`` for the error handler's audit."""
    if principal is None:
        acting = Acting(Actor(ANONYMOUS, auth.source_of(request)), permission, grants=())
    else:
        actor = Actor(
            principal.login,
            auth.source_of(request),
            role=role_names(principal.grants),
            token=principal.token_id,
        )
        assigned = permission == "incidents:assigned"
        acting = Acting(actor, permission, principal.grants, assigned_only=assigned)
    request.state.acting = acting
    return acting


@dataclass(frozen=True)
class Requirement:
    """What a route needs: nothing (``public``), a principal, or one of ``permissions``.

    With several permissions the first one the principal holds on some area is the one the
    route acts under (a department holds ``incidents:assigned`` instead of
    ``incidents:read``).
    """

    permissions: tuple[str, ...] = ()
    public: bool = False
    api_key: bool = False
    """Whether the token may also come as the body's ``api_key`` field (Open311 GeoReport v2)."""
    signing: bool = False
    """A public route that signs in or out: it reads credentials itself, not through here."""
    closable: bool = False
    """A public route that ``GRIDMAP_PUBLIC_READS=false`` closes to signed-in principals."""
    opened_by: str | None = None
    """The `AuthSettings` flag that opens this route to anyone (``public_grid_map``)."""

    def _open(self, settings: AuthSettings) -> bool:
        """Whether anyone may call the route under ``settings``."""
        if self.opened_by is not None and getattr(settings, self.opened_by):
            return True
        return self.public and not (self.closable and not settings.public_reads)

    def describe(self) -> str:
        """Who may call, in words (for the API's documentation).

        Examples
        --------
        >>> Requirement(("incidents:read", "incidents:assigned")).describe()
        'a principal holding incidents:read or incidents:assigned (within its areas)'
        >>> Requirement(public=True).describe(), Requirement().describe()
        ('anyone (a token sent along is still checked)', 'any signed-in principal')
        """
        if self.signing:
            return "anyone (signing in or out)"
        if self.public:
            closed = "; signed in with GRIDMAP_PUBLIC_READS=false" if self.closable else ""
            return f"anyone (a token sent along is still checked){closed}"
        if not self.permissions:
            return "any signed-in principal"
        extra = "; Open311's `api_key` counts as a token" if self.api_key else ""
        if self.opened_by:
            extra += f"; anyone with GRIDMAP_{self.opened_by.upper()}=true"
        held = " or ".join(self.permissions)
        return f"a principal holding {held} (within its areas){extra}"

    def __post_init__(self) -> None:
        unknown = [p for p in self.permissions if p not in PERMISSIONS]
        if unknown:
            raise ValueError(f"unknown permission {unknown}; one of {', '.join(PERMISSIONS)}")

    async def __call__(
        self,
        request: Request,
        _: Annotated[HTTPAuthorizationCredentials | None, Depends(auth.BEARER)],
    ) -> Acting:
        """Check the caller against the requirement; the `Acting` the route works with."""
        if self.signing:
            return acting_for(request, None, None)
        principal = await _api_key_principal(request) if self.api_key else None
        principal = principal or await auth.principal_of(request)
        if self._open(auth.auth_settings(request)):
            return acting_for(request, principal, None)
        if principal is None:
            acting_for(request, None, self.permissions[0] if self.permissions else None)
            raise Unauthenticated("Authorization: sign in or send 'Bearer <token>'")
        if not self.permissions:
            return acting_for(request, principal, None)
        for permission in self.permissions:
            if allows(principal.grants, permission):
                return acting_for(request, principal, permission)
        acting_for(request, principal, self.permissions[0])
        raise Forbidden(f"permission: this needs {' or '.join(self.permissions)}")


async def _api_key_principal(request: Request) -> Principal | None:
    """The principal of the body's ``api_key`` (a form field, or a JSON object's member).

    A key that is sent must be a valid token (401 otherwise); it stands before any
    ``Authorization`` header, as GeoReport v2 names the client by it.
    """
    try:
        if request.headers.get("content-type", "").startswith("application/json"):
            data = await request.json()
            key = data.get("api_key") if isinstance(data, dict) else None
        else:
            key = (await request.form()).get("api_key")
    except (ValueError, MultiPartException):  # unreadable: the route says what is wrong
        return None
    if not isinstance(key, str) or not key.strip():
        return None
    return await run_in_threadpool(identity.authenticate_token, runtime(request), key.strip())


def requires(*permissions: str, api_key: bool = False, opened_by: str | None = None) -> Any:
    """A dependency needing one of ``permissions`` (on some area; the use case checks which).

    ``api_key`` also accepts the token as the body's ``api_key`` field (Open311);
    ``opened_by`` names the `AuthSettings` flag that opens the route to anyone.
    """
    return Depends(Requirement(permissions, api_key=api_key, opened_by=opened_by))


def public() -> Any:
    """A dependency for a public read: anyone may call it, unless a setting closes it.

    A token sent along is still checked; ``GRIDMAP_PUBLIC_READS=false`` closes the route to
    signed-in principals.
    """
    return Depends(Requirement(public=True, closable=True))


def open_route() -> Any:
    """A dependency for what always answers anyone: health, the docs, static assets."""
    return Depends(Requirement(public=True))


def signing() -> Any:
    """A dependency for the routes that sign in and out (they read the credentials)."""
    return Depends(Requirement(public=True, signing=True))


def signed_in() -> Any:
    """A dependency for a route any principal may call, whatever its roles."""
    return Depends(Requirement())


def api_routes(app: object) -> Iterator[tuple[str, APIRoute]]:
    """Every (method, route) of an app, its included routers' too: the route table."""
    for entry in getattr(app, "routes", []):
        for route in getattr(getattr(entry, "original_router", None), "routes", [entry]):
            if isinstance(route, APIRoute):
                for method in sorted(route.methods or ()):
                    yield method, route


def requirement_of(route: APIRoute) -> Requirement | None:
    """The requirement a route declared (None: none, which the matrix test refuses)."""
    stack = list(route.dependant.dependencies)
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, Requirement):
            return dependant.call
        stack.extend(dependant.dependencies)
    return None


Public = Annotated[Acting, public()]
"""A route parameter: the caller of a public read (anonymous or not)."""

Open = Annotated[Acting, open_route()]
"""A route parameter: the caller of a route that always answers anyone."""

SignedIn = Annotated[Acting, signed_in()]
"""A route parameter: any authenticated caller."""


REFUSALS = (Unauthenticated, Forbidden, OutOfScope)
"""The refusals the edge records (a write's own refusals are recorded by its use case)."""


def _action(request: Request) -> str:
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', request.url.path)}"


def _target(request: Request) -> str | None:
    params = request.path_params
    return ",".join(f"{k}:{v}" for k, v in params.items())[:200] or None


async def audit_refusal(request: Request, exc: GridmapError) -> None:
    """Record a refused request in the audit log, unless its use case recorded it already."""
    if not isinstance(exc, REFUSALS) or getattr(exc, trail.AUDITED, False):
        return
    acting = getattr(request.state, "acting", None)
    actor = acting.actor if acting is not None else Actor(ANONYMOUS, auth.source_of(request))
    rt = runtime(request)
    try:
        await run_in_threadpool(
            trail.record_refusal, rt, actor, _action(request), _target(request), exc
        )
    except GridmapError as failure:  # the store is down: the refusal still answers
        LOG.warning("audit: refusal not recorded (%s)", failure.code)
