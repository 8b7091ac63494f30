"""Request walks: the chain of project modules a request passes through stays short.

A walk is followed with a profiler: every call into gridmap's own code records the chain of
modules on its stack (a domain package such as ``gis/checks`` counts once: it is entered through
its public functions; work handed to the thread pool continues the route's chain; the app's own
ASGI middleware (``api/app.py``, ``api/middleware.py``) is plumbing every request crosses, like Starlette's, and is
not counted). The longest
chain is what the request passes through: route → use case → store or domain → … .
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from gis.settings import StoreSettings
from gis.usecases.runtime import Runtime
from tests.principals import operator_headers
from tests.stores import load_hierarchy

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gis/checks", "gis/incidents", "gis/lookup", "gis/network", "gis/stations")
PLUMBING = ("api/app.py", "api/middleware.py")
MAX_MODULES = 5


def unit(filename: str) -> str | None:
    """The module (or domain package) of a source file of gridmap; None for anything else."""
    if not filename.startswith(str(ROOT)) or "/.venv/" in filename or "/tests/" in filename:
        return None
    relative = os.path.relpath(filename, ROOT)
    if relative in PLUMBING:
        return None
    return next((p for p in PACKAGES if relative.startswith(p + "/")), relative)


def chain_of(frame: FrameType | None) -> tuple[str, ...]:
    """The modules on a stack, outermost first, each run of calls in one module counted once."""
    chain: list[str] = []
    while frame is not None:
        found = unit(frame.f_code.co_filename)
        if found is not None and (not chain or chain[-1] != found):
            chain.append(found)
        frame = frame.f_back
    return tuple(reversed(chain))


class Walk:
    """Records the chains of one request."""

    def __init__(self) -> None:
        self.on = False
        self.chains: set[tuple[str, ...]] = set()

    def profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if self.on and event == "call" and unit(frame.f_code.co_filename) is not None:
            self.chains.add(chain_of(frame))

    def follow(self, request: Callable[[], Any]) -> tuple[str, ...]:
        """The longest chain of ``request`` (a thread-pool chain continues the route's)."""
        self.chains, self.on = set(), True
        try:
            response = request()
        finally:
            self.on = False
        assert response.status_code in (200, 201), response.text
        route = next(m for c in self.chains for m in c if m.startswith("api/routes/"))
        joined = {_from_route(c) if c[0].startswith("api/") else (route, *c) for c in self.chains}
        return max(joined, key=len)


def _from_route(chain: tuple[str, ...]) -> tuple[str, ...]:
    """A chain from its route on (the ASGI middleware before it, e.g. body limits, is plumbing)."""
    at = next((i for i, m in enumerate(chain) if m.startswith("api/routes/")), 0)
    return chain[at:]


@pytest.fixture
def walk(
    store_settings: StoreSettings, rt: Runtime, tmp_path: Path
) -> Iterator[tuple[Walk, TestClient]]:
    load_hierarchy(rt, tmp_path)
    walk = Walk()
    sys.setprofile(walk.profile)
    threading.setprofile(walk.profile)  # the client's event loop and thread pool start below
    try:
        with TestClient(
            create_app(store_settings), headers=operator_headers(store_settings)
        ) as client:
            yield walk, client
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]


def lookup(client: TestClient) -> Any:
    return client.get("/lookup?lon=116.345&lat=40.0")


def open311(client: TestClient) -> Any:
    fields = {"service_code": "hazard", "lat": "40.0", "long": "116.345", "description": "x"}
    return client.post("/open311/v2/requests.json", data=fields)


def publish(client: TestClient) -> Callable[[], Any]:
    """A plan made ready (not followed); following publishes it."""
    plan = client.post("/plans?scope=110108010019").json()["id"]
    return lambda: client.post(f"/plans/{plan}/publish")


@pytest.mark.parametrize(
    "prepare",
    [
        pytest.param(lambda c: lambda: lookup(c), id="GET /lookup"),
        pytest.param(lambda c: lambda: open311(c), id="POST /open311/v2/requests.json"),
        pytest.param(publish, id="POST /plans/{id}/publish"),
    ],
)
def test_request_passes_through_few_modules(
    walk: tuple[Walk, TestClient], prepare: Callable[[TestClient], Callable[[], Any]]
) -> None:
    follower, client = walk
    prepare(client)()  # warm: imports, the lookup index, first connections
    longest = follower.follow(prepare(client))
    touched = sorted({u for chain in follower.chains for u in chain})
    print(f"{' → '.join(longest)}  (in all {len(touched)}: {', '.join(touched)})")
    assert len(longest) <= MAX_MODULES, " → ".join(longest)
