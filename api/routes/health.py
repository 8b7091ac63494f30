"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from api.access import Open
from api.deps import Rt
from gis.errors import StoreTimeout
from gis.limits import HEALTH_SECONDS
from gis.usecases.runtime import Runtime, store_versions

router = APIRouter(tags=["health"])


class Probe:
    """One question to the store at a time, each caller waiting for it at most a deadline.

    A frozen store never answers, so a probe may hang until it thaws: later callers share the
    probe still running instead of starting another, so that no more than one thread (and one
    connection) is ever held by health checks.
    """

    def __init__(self) -> None:
        self._running: asyncio.Future[dict[str, str]] | None = None

    async def versions(self, rt: Runtime, seconds: float) -> dict[str, str]:
        """The store's versions, or `StoreTimeout` when it has not answered in ``seconds``."""
        if self._running is None or self._running.done():
            self._running = asyncio.ensure_future(run_in_threadpool(store_versions, rt))
        try:
            return await asyncio.wait_for(asyncio.shield(self._running), seconds)
        except TimeoutError:
            raise StoreTimeout(f"healthz: the store did not answer in {seconds} s") from None


def _probe(request: Request) -> Probe:
    """The app's probe (one per app, so that one app's frozen store holds up no other)."""
    state = request.app.state
    if not hasattr(state, "health_probe"):
        state.health_probe = Probe()
    found: Probe = state.health_probe
    return found


@router.get("/healthz")
async def healthz(request: Request, rt: Rt, _: Open) -> dict[str, Any]:
    """The database answers: PostgreSQL and PostGIS versions (503 within 1 s when not)."""
    versions = await _probe(request).versions(rt, HEALTH_SECONDS)
    return {"status": "ok", "database": "ok", **versions}
