"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Rt
from gis.usecases.runtime import store_versions

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(rt: Rt) -> dict[str, Any]:
    """The service is up and the database answers; PostgreSQL and PostGIS versions."""
    return {"status": "ok", "database": "ok", **store_versions(rt)}
