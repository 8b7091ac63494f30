"""Issue 13 item 6: the grid worker's phone page, driven in Chromium at 360×740.

Signed in through the login page, the worker opens the task the dispatch rule gave it,
accepts, starts and resolves it with a note and a photo link, and reports a new case at the
phone's position — with no error and no request to another origin.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import Engine, text

from gis.identity.roles import Grant
from tests.browser.conftest import sign_in
from tests.principals import user_token

GRID = "110108010018002"
INSIDE = (116.3553, 40.0073)  # in GRID
PHONE = {"width": 360, "height": 740}


def _staff(engine: Engine) -> None:
    """A grid worker with a login, on the roster as the grid's full-time worker."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE people, duties"))
        conn.execute(text("DELETE FROM users WHERE login = 'browser-worker'"))
        conn.execute(
            text(
                "INSERT INTO people (id, person_key, name, login) "
                "VALUES (9001, 9001, '周网格', 'browser-worker')"
            )
        )
        conn.execute(
            text("INSERT INTO duties (person_key, duty, area_code) VALUES (9001, 'full_time', :g)"),
            {"g": GRID},
        )
    user_token(engine, "browser-worker", (Grant("grid_worker", GRID),))


def _report(server: str, auth: dict[str, str]) -> int:
    body = {"category": "hazard", "lon": INSIDE[0], "lat": INSIDE[1], "description": "井盖松动"}
    request = urllib.request.Request(
        f"{server}/incidents",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **auth},
    )
    with urllib.request.urlopen(request) as response:
        made = json.loads(response.read())
    assert made["status"] == "dispatched"  # by the rule, to 周网格
    return int(made["id"])


def _get(server: str, path: str, auth: dict[str, str]) -> Any:
    request = urllib.request.Request(f"{server}{path}", headers=auth)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def test_issue13_the_phone_page_resolves_a_task_and_reports_a_case(
    server: str, chromium: Any, engine: Engine, auth: dict[str, str]
) -> None:
    _staff(engine)
    task = _report(server, auth)
    context = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": INSIDE[0], "latitude": INSIDE[1]},
        permissions=["geolocation"],
    )
    errors: list[str] = []
    foreign: list[str] = []
    try:
        sign_in(context, server, "browser-worker")
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on(
            "request",
            lambda r: None if r.url.startswith((server, "data:")) else foreign.append(r.url),
        )
        page.goto(f"{server}/maps/worker.html", wait_until="networkidle")
        card = page.locator(f".task[data-id='{task}']")
        card.wait_for()
        assert "井盖松动" in card.inner_text()
        card.click()
        page.locator("button[data-status='in_progress']").click()
        page.locator("#task-notice .ok").wait_for()
        page.fill("#action-note", "已更换井盖")
        page.fill("#action-photo", "https://img.example.cn/well.jpg")
        page.locator("button[data-status='resolved']").click()
        expect(page.locator("#task-detail .status")).to_have_text("已处理")
        assert "已更新" in page.locator("#task-notice").inner_text()
        page.click("nav button[data-tab='report']")
        page.select_option("#report-category", "sanitation")
        page.fill("#report-description", "垃圾桶满溢")
        page.click("#report-locate")
        expect(page.locator("#report-lon")).not_to_have_value("")
        page.click("#report-form button[type=submit]")
        page.locator("#report-notice .ok").wait_for()
        reported = page.locator("#report-notice").inner_text()
        page.click("nav button[data-tab='grid']")
        page.locator("#grid-names li").first.wait_for()
        assert GRID in page.locator("#grid-names").inner_text()
        page.screenshot(path="test-artifacts/worker.png", full_page=True)
    finally:
        context.close()
    assert errors == [] and foreign == []
    done = _get(server, f"/incidents/{task}", auth)
    assert done["status"] == "resolved"
    assert done["events"][-1]["actor"] == "browser-worker"
    assert done["events"][-1]["note"] == "已更换井盖 照片 photo: https://img.example.cn/well.jpg"
    new_id = int(reported.split("#")[1].split("（")[0])
    new = _get(server, f"/incidents/{new_id}", auth)
    assert (new["category"], new["grid_code"], new["description"]) == (
        "sanitation",
        GRID,
        "垃圾桶满溢",
    )
