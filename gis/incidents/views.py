"""Incidents as JSON for listings and exports: personal data masked unless allowed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gis.incidents.lifecycle import LABELS_ZH, OPEN
from gis.incidents.privacy import mask_name, mask_phone

HIDDEN = ("idempotency_key", "input_x", "input_y")


def public_view(
    row: dict[str, Any], *, personal: bool = False, now: datetime | None = None
) -> dict[str, Any]:
    """One incident as JSON-ready data; ``personal`` shows the reporter's name and phone.

    Examples
    --------
    >>> due = datetime(2026, 1, 2, tzinfo=UTC)
    >>> view = public_view({"id": 1, "status": "reported", "reporter_phone": "13812345678",
    ...                     "reporter_name": "张三", "due_at": due},
    ...                    now=datetime(2026, 1, 3, tzinfo=UTC))
    >>> view["reporter_phone"], view["reporter_name"], view["overdue"], view["status_zh"]
    ('138****5678', '张*', True, '已收集')
    """
    view = {k: _plain(v) for k, v in row.items() if k not in HIDDEN}
    if not personal:
        view["reporter_phone"] = mask_phone(row.get("reporter_phone"))
        view["reporter_name"] = mask_name(row.get("reporter_name"))
    if row.get("input_x") is not None:
        view["input"] = {"x": row["input_x"], "y": row["input_y"], "crs": row.get("input_crs")}
    view["status_zh"] = LABELS_ZH.get(str(row.get("status")), "")
    due = row.get("due_at")
    now = now or datetime.now(UTC)
    view["overdue"] = bool(row.get("status") in OPEN and due is not None and due < now)
    return view


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
