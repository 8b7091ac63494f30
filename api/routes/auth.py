"""Who am I: the principal a request's credentials stand for."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.auth import Caller

router = APIRouter(tags=["auth"])


@router.get("/auth/me")
def who_am_i(principal: Caller) -> dict[str, Any]:
    """The login and grants (role on scope) of the bearer token sent."""
    return {
        "login": principal.login,
        "grants": [{"role": g.role, "scope": g.scope} for g in principal.grants],
    }
