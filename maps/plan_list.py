"""The plans page (调整方案列表): a caller's plans with links to their map and workbench.

The list is written by the server (every text escaped); the one script (``maps/app/plans.js``)
only starts a new draft from the current boundaries of a scope the planner picks, through the
API with the session's CSRF token, and opens its workbench.
"""

from __future__ import annotations

from collections.abc import Sequence

from gis import clock
from gis.plans import PlanRecord
from maps.assets import PLANS_JS, STATIC_PREFIX
from maps.safe import html_text
from maps.worker import CSP as PAGE_CSP

CSP = PAGE_CSP
"""Its own script only, no other origin (the same policy as the phone page)."""
STATUS_ZH = {"draft": "草稿", "submitted": "待发布", "published": "已发布"}

_STYLE = (
    "body{font:14px/1.5 system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:1rem 2rem;"
    "color:#1d2933}table{border-collapse:collapse}th,td{padding:.3rem .6rem;border-bottom:1px "
    "solid #e1e4e8;text-align:left;white-space:nowrap}td.note{white-space:normal;max-width:24rem}"
    "form{margin:1rem 0;display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}"
    "#notice{color:#c62828}"
)


def _row(plan: PlanRecord, names: dict[str, str], writable: bool) -> str:
    links = [f'<a href="/maps/plans/{plan.id}.html">方案图 Map</a>']
    if writable and plan.status in ("draft", "submitted"):
        links.append(f'<a href="/maps/plans/{plan.id}/edit.html">编辑 Edit</a>')
    scope = f"{plan.scope_code} {names.get(plan.scope_code, '')}".strip()
    status = f"{STATUS_ZH.get(plan.status, plan.status)} {plan.status}"
    cells = [str(plan.id), scope, status, clock.shown(plan.created_at)]
    return (
        "<tr>"
        + "".join(f"<td>{html_text(cell)}</td>" for cell in cells)
        + f'<td class="note">{html_text(plan.note)}</td><td>{" · ".join(links)}</td></tr>'
    )


def plans_page(
    plans: Sequence[PlanRecord], scopes: Sequence[tuple[str, str]], *, login: str, csrf: str
) -> str:
    """The page: a table of ``plans`` and, if ``scopes`` is not empty, a new-draft form."""
    names = dict(scopes)
    rows = "".join(_row(plan, names, plan.scope_code in names) for plan in plans)
    empty = '<tr><td colspan="6">暂无方案 No plans yet</td></tr>'
    options = "".join(
        f'<option value="{html_text(code)}">{html_text(code)} {html_text(name)}</option>'
        for code, name in scopes
    )
    form = (
        '<form id="new-plan"><label for="scope">新建草稿 New draft of</label>'
        f'<select id="scope" required>{options}</select>'
        '<input id="note" maxlength="500" placeholder="说明 Note">'
        '<button type="submit">从现行边界开始 Start from the current grids</button></form>'
        '<div id="notice" role="status"></div>'
        if scopes
        else ""
    )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="csrf-token" content="{html_text(csrf)}">'
        f"<title>调整方案 Plans · gridmap</title><style>{_STYLE}</style>"
        f'<script src="{STATIC_PREFIX}/{PLANS_JS}" defer></script></head><body>'
        f"<h1>网格调整方案 Redraw plans</h1><p>{html_text(login)} · "
        '<a href="/maps">地图 Maps</a></p>'
        f"{form}<table><tr><th>编号 No.</th><th>范围 Scope</th><th>状态 Status</th>"
        f"<th>创建 Created</th><th>说明 Note</th><th></th></tr>{rows or empty}</table>"
        "</body></html>"
    )
