"""Incidents as JSON for listings: personal data masked unless allowed, overdue, status label."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gis.incidents.lifecycle import DONE, LABELS_ZH, NOT_COUNTED, OPEN
from gis.incidents.records import Incident
from gis.incidents.views import public_view

NOW = datetime(2026, 1, 3, 12, tzinfo=UTC)
INCIDENT = Incident(
    id=1,
    category="hazard",
    status="reported",
    reported_at=datetime(2026, 1, 1, 8, tzinfo=UTC),
    updated_at=datetime(2026, 1, 2, 8, tzinfo=UTC),
    due_at=NOW + timedelta(hours=1),
    reporter_name="张三丰",
    reporter_phone="13812345678",
    input_x=116.36,
    input_y=40.01,
    input_crs="gcj02",
    lon=116.35,
    lat=40.0,
)


def view(personal: bool = False, **changes: Any) -> dict[str, Any]:
    return public_view(replace(INCIDENT, **changes), personal=personal, now=NOW)


def test_reporter_is_masked_by_default() -> None:
    shown = view()
    assert (shown["reporter_name"], shown["reporter_phone"]) == ("张**", "138****5678")


def test_masked_view_does_not_contain_the_phone_or_name_anywhere() -> None:
    text = repr(view())
    assert "13812345678" not in text
    assert "张三丰" not in text


def test_personal_view_shows_the_reporter() -> None:
    shown = view(personal=True)
    assert (shown["reporter_name"], shown["reporter_phone"]) == ("张三丰", "13812345678")


def test_missing_reporter_stays_missing_when_masked() -> None:
    shown = view(reporter_name=None, reporter_phone=None)
    assert (shown["reporter_name"], shown["reporter_phone"]) == (None, None)


def test_raw_input_columns_are_hidden() -> None:
    assert not {"input_x", "input_y"} & set(view())


def test_raw_input_is_grouped_with_its_crs() -> None:
    assert view()["input"] == {"x": 116.36, "y": 40.01, "crs": "gcj02"}


def test_no_input_group_without_raw_input() -> None:
    assert "input" not in view(input_x=None, input_y=None, input_crs=None)


def test_times_become_iso_strings() -> None:
    shown = view()
    assert (shown["reported_at"], shown["updated_at"]) == (
        "2026-01-01T16:00:00+08:00",
        "2026-01-02T16:00:00+08:00",
    )


def test_other_fields_are_passed_through() -> None:
    shown = view()
    assert (shown["id"], shown["category"], shown["lon"], shown["lat"]) == (
        1,
        "hazard",
        116.35,
        40.0,
    )


@pytest.mark.parametrize("status", sorted(LABELS_ZH))
def test_status_has_its_chinese_label(status: str) -> None:
    assert view(status=status)["status_zh"] == LABELS_ZH[status]


def test_unknown_status_has_an_empty_label() -> None:
    assert view(status="pending")["status_zh"] == ""


@pytest.mark.parametrize("status", sorted(OPEN))
def test_open_incident_past_its_due_time_is_overdue(status: str) -> None:
    assert view(status=status, due_at=NOW - timedelta(seconds=1))["overdue"] is True


@pytest.mark.parametrize("status", sorted(DONE | NOT_COUNTED))
def test_finished_incident_is_never_overdue(status: str) -> None:
    assert view(status=status, due_at=NOW - timedelta(days=30))["overdue"] is False


@pytest.mark.parametrize("due", [NOW, NOW + timedelta(hours=1)])
def test_incident_not_past_due_is_not_overdue(due: datetime) -> None:
    assert view(due_at=due)["overdue"] is False


def test_overdue_is_judged_against_the_current_time_by_default() -> None:
    incident = replace(INCIDENT, due_at=datetime.now(UTC) - timedelta(minutes=5))
    assert public_view(incident)["overdue"] is True


def test_masked_view_does_not_show_the_reporters_email() -> None:
    shown = view(attributes={"email": "zhang@example.org", "device_id": "d1"})
    assert "zhang@example.org" not in repr(shown)
