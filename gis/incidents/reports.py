"""Incidents and their statistics as tables for the monthly report (月报), personal data masked.

The tables go to people who open them in Excel: one row per incident (reporters' names and
phones masked, times in the configured zone, statuses and categories by name) or per area
(counts, rates as fractions, counts by category and by status), with Chinese headers, or
English ones with ``lang="en"``. `gis.spreadsheets` writes them as CSV or XLSX.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import pandas as pd

from gis import clock
from gis.incidents.lifecycle import LABELS_ZH, OPEN
from gis.incidents.privacy import mask_name, mask_phone
from gis.incidents.records import Incident
from gis.incidents.stats import AreaStats

INCIDENT_HEADERS = {
    "id": ("编号", "id"),
    "category": ("类别", "category"),
    "status": ("状态", "status"),
    "grid_code": ("网格", "grid"),
    "address": ("地址", "address"),
    "description": ("描述", "description"),
    "reported_at": ("上报时间", "reported at"),
    "due_at": ("办理期限", "due at"),
    "overdue": ("超期", "overdue"),
    "closed_at": ("办结时间", "closed at"),
    "assignee": ("责任人/部门", "assignee"),
    "escalation_level": ("督办级别", "escalation level"),
    "feedback_satisfied": ("群众满意", "satisfied"),
    "reporter_name": ("上报人", "reporter"),
    "reporter_phone": ("联系电话", "phone"),
    "lon": ("经度", "lon"),
    "lat": ("纬度", "lat"),
}
"""Each incident column and its header in Chinese and in English."""
STATS_HEADERS = {
    "code": ("区域编码", "code"),
    "name": ("区域名称", "name"),
    "total": ("受理总数", "total"),
    "open": ("在办", "open"),
    "resolved_or_closed": ("已办结", "resolved or closed"),
    "closure_rate": ("办结率", "closure rate"),
    "median_hours_to_close": ("办结时长中位数(小时)", "median hours to close"),
    "closed_on_time": ("按期办结", "closed on time"),
    "overdue": ("超期", "overdue"),
    "escalated": ("督办", "escalated"),
    "with_feedback": ("已回访", "with feedback"),
    "satisfaction_rate": ("满意率", "satisfaction rate"),
}
"""Each statistics column and its header; counts by category and status follow them."""


def _header(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _time(value: datetime | None) -> str | None:
    return clock.shown(value) if value is not None else None


def incidents_table(
    incidents: Sequence[Incident],
    *,
    now: datetime,
    categories: Mapping[str, str] | None = None,
    lang: str = "zh",
) -> pd.DataFrame:
    """One row per incident, names and phones masked; ``categories``: code → display name.

    Examples
    --------
    >>> from datetime import UTC
    >>> t = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    >>> row = incidents_table([Incident(id=7, category="hazard", status="dispatched",
    ...     reported_at=t, updated_at=t, due_at=t, reporter_name="张三",
    ...     reporter_phone="13812345678")], now=t.replace(day=2), categories={"hazard": "安全隐患"})
    >>> row[["编号", "类别", "状态", "上报时间", "超期", "上报人", "联系电话"]].values.tolist()
    [[7, '安全隐患', '已分流', '2026-11-01 10:00', '是', '张*', '138****5678']]
    """
    names = dict(categories or {})
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    rows = [
        {
            "id": i.id,
            "category": names.get(i.category, i.category),
            "status": LABELS_ZH.get(i.status, i.status) if lang == "zh" else i.status,
            "grid_code": i.grid_code,
            "address": i.address,
            "description": i.description,
            "reported_at": _time(i.reported_at),
            "due_at": _time(i.due_at),
            "overdue": yes if i.status in OPEN and i.due_at < now else no,
            "closed_at": _time(i.closed_at),
            "assignee": i.assignee or i.assignee_department,
            "escalation_level": i.escalation_level,
            "feedback_satisfied": None
            if i.feedback_satisfied is None
            else (yes if i.feedback_satisfied else no),
            "reporter_name": mask_name(i.reporter_name),
            "reporter_phone": mask_phone(i.reporter_phone),
            "lon": i.lon,
            "lat": i.lat,
        }
        for i in incidents
    ]
    frame = pd.DataFrame(rows, columns=list(INCIDENT_HEADERS))
    return frame.rename(columns={k: _header(v, lang) for k, v in INCIDENT_HEADERS.items()})


def stats_table(
    rows: Sequence[AreaStats], *, categories: Mapping[str, str] | None = None, lang: str = "zh"
) -> pd.DataFrame:
    """One row per area: counts, rates (fractions, 3 decimals), then counts by category/status.

    Examples
    --------
    >>> row = AreaStats("110108010019001", "第01网格", 4, {"hazard": 4},
    ...     {"closed": 3, "dispatched": 1}, 3, 0.75, 20.5, 1, 3, 2 / 3)
    >>> table = stats_table([row], categories={"hazard": "安全隐患"})
    >>> shown = ["区域名称", "受理总数", "在办", "办结率", "满意率"]
    >>> shown += ["类别:安全隐患", "状态:已反馈办结"]
    >>> table[shown].values.tolist()
    [['第01网格', 4, 1, 0.75, 0.667, 4, 3]]
    """
    names = dict(categories or {})
    found_categories = sorted({c for row in rows for c in row.by_category})
    found_statuses = [s for s in LABELS_ZH if any(s in row.by_status for row in rows)]
    category_label, status_label = ("类别", "状态") if lang == "zh" else ("category", "status")
    records = []
    for row in rows:
        record: dict[str, object] = {
            "code": row.code,
            "name": row.name,
            "total": row.total,
            "open": row.open,
            "resolved_or_closed": row.resolved_or_closed,
            "closure_rate": _rate(row.closure_rate),
            "median_hours_to_close": row.median_hours_to_close,
            "closed_on_time": row.closed_on_time,
            "overdue": row.overdue,
            "escalated": row.escalated,
            "with_feedback": row.with_feedback,
            "satisfaction_rate": _rate(row.satisfaction_rate),
        }
        for code in found_categories:
            shown = names.get(code, code) if lang == "zh" else code
            record[f"{category_label}:{shown}"] = row.by_category.get(code, 0)
        for status in found_statuses:
            shown = LABELS_ZH[status] if lang == "zh" else status
            record[f"{status_label}:{shown}"] = row.by_status.get(status, 0)
        records.append(record)
    frame = pd.DataFrame(records, columns=None if records else list(STATS_HEADERS))
    return frame.rename(columns={k: _header(v, lang) for k, v in STATS_HEADERS.items()})


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
