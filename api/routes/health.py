"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import DB
from gis.db.engine import server_versions

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(conn: DB) -> dict[str, Any]:
    """The service is up and the database answers; PostgreSQL and PostGIS versions."""
    return {"status": "ok", "database": "ok", **server_versions(conn)}
