"""Issue 11, item 20: /docs renders on an intranet: Swagger UI comes from the service itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_item20_docs_render_offline(server: str, browser: Any, artifacts: Path) -> None:
    page = browser.new_page()
    foreign: list[str] = []
    failed: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(server) else None)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    response = page.goto(f"{server}/docs", wait_until="networkidle")
    assert response is not None and response.status == 200
    page.wait_for_selector(".opblock", timeout=15_000)  # the operations, read from /openapi.json
    assert foreign == [] and failed == []
    assert page.locator(".opblock").count() > 20
    assert page.locator(".opblock-summary-path", has_text="/lookup").count() >= 1
    page.screenshot(path=str(artifacts / "docs.png"))
