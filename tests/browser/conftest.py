"""A real server and a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from gis.identity.roles import Grant
from gis.settings import StoreSettings
from gis.usecases.runtime import running
from gis.usecases.sample import load_sample, load_sample_extras
from tests.principals import PASSWORD, operator_headers, user_token

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(store_settings: StoreSettings, engine: Engine) -> Iterator[str]:
    """`gridmap serve` on a free port over the test store, with the sample loaded."""
    empty_tables(engine)
    with running(store_settings, pool_size=1) as rt:
        load_sample(rt)
        load_sample_extras(rt)
    with serving(store_settings) as base:
        yield base


def empty_tables(engine: Engine) -> None:
    """Empty the areas, plans, incidents, addresses and the roster (stations are upserted)."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE areas, plans, plan_areas, incidents, incident_events, "
                "incident_links, addresses, people, duties RESTART IDENTITY CASCADE"
            )
        )


@contextmanager
def serving(store_settings: StoreSettings) -> Iterator[str]:
    """`gridmap serve` on a free port over the test store: its base URL while it runs."""
    port = _free_port()
    env = {**os.environ, "GRIDMAP_DATABASE_URL": str(store_settings.database_url)}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gridmap"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start in 60 s")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright (fails, never skips, when it is missing)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: ./dev test installs Debian's chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


BROWSER_USER = "browser-user"
"""Who the browser tests sign in as: planner, dispatcher and viewer of the whole district."""


@pytest.fixture(scope="module")
def auth(server: str, store_settings: StoreSettings) -> dict[str, str]:
    """A bearer header for writing through the API (the all-roles test user)."""
    return operator_headers(store_settings)


@pytest.fixture(scope="module")
def login_base(server: str) -> str:
    """The server whose login page the module's browser signs in on (a module may override)."""
    return server


@pytest.fixture(scope="module")
def browser(chromium: Any, login_base: str, engine: Engine) -> Iterator[Any]:
    """A browser context signed in through the login page, as `BROWSER_USER`."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE login = :login"), {"login": BROWSER_USER})
    grants = tuple(Grant(role, "110108") for role in ("planner", "dispatcher", "viewer"))
    user_token(engine, BROWSER_USER, grants)
    context = chromium.new_context(viewport={"width": 1200, "height": 800})
    sign_in(context, login_base, BROWSER_USER)
    yield context
    context.close()


def sign_in(context: Any, base: str, login: str, password: str = PASSWORD) -> None:
    """Sign in as a person would: the login page, the form, the redirect to the maps."""
    page = context.new_page()
    page.goto(f"{base}/maps/grids.html")  # not signed in: to the login page
    assert "/login?next=" in page.url, page.url
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/maps/grids.html")
    cookies = {c["name"]: c for c in context.cookies()}
    assert (
        cookies["gridmap_session"]["httpOnly"]
        and cookies["gridmap_session"]["sameSite"] == "Strict"
    )
    page.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
