"""The grid worker's phone page (网格员手机端): the HTML shell its script fills in.

The page is one column for a 360 px screen; its script and stylesheet are gridmap's own
(``maps/app/``) and Leaflet's, all from ``/static`` (no other origin), so it works on an
intranet without internet. Nothing of the store enters the shell: the script reads the API
with the session, and shows every text as text.
"""

from __future__ import annotations

from maps.assets import LOCAL, STATIC_PREFIX, WORKER_CSS, WORKER_JS
from maps.safe import html_text

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
"""The page loads, runs and talks to nothing but the service (Leaflet styles elements inline)."""

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{csrf}">
<meta name="gridmap-crs" content="{crs}">
<title>网格员 · gridmap</title>
<link rel="stylesheet" href="{leaflet_css}">
<link rel="stylesheet" href="{worker_css}">
<script src="{leaflet_js}"></script>
<script src="{worker_js}"></script>
</head><body>
<header><h1>网格员 <small>Grid worker</small></h1><small>{login}</small></header>
<nav>
<button type="button" data-tab="tasks">我的任务 Tasks</button>
<button type="button" data-tab="report">上报 Report</button>
<button type="button" data-tab="grid">我的网格 Grid</button>
</nav>
<main>
<section id="tasks"><div id="task-list"></div></section>
<section id="task" hidden>
<button type="button" id="task-back" class="act secondary">← 返回任务 Back</button>
<div id="task-notice"></div><div id="task-detail"></div>
</section>
<section id="report" hidden><div class="card"><form id="report-form">
<div id="report-notice"></div>
<label for="report-category">类别 Category</label><select id="report-category" required></select>
<label for="report-description">描述 What</label>
<textarea id="report-description" maxlength="4000" required></textarea>
<button type="button" id="report-locate" class="act secondary">用我的位置 Use my position</button>
<label for="report-lon">经度 Longitude</label><input id="report-lon" inputmode="decimal" required>
<label for="report-lat">纬度 Latitude</label><input id="report-lat" inputmode="decimal" required>
<label for="report-crs">坐标系 Coordinates</label>
<select id="report-crs">
<option value="wgs84">WGS84（浏览器定位 browser GPS）</option>
<option value="gcj02">GCJ-02（高德/腾讯/微信 AMap, Tencent, WeChat）</option>
<option value="bd09">BD-09（百度 Baidu）</option>
</select>
<button type="submit" class="act">上报 Report</button>
</form></div></section>
<section id="grid" hidden><div id="grid-notice"></div><div id="grid-map" class="map"></div>
<ul id="grid-names"></ul></section>
</main></body></html>
"""

CRS_CHOICES = ("wgs84", "gcj02", "bd09")
"""The coordinate systems the page's positions may be in (phones in China: often GCJ-02)."""


def worker_page(*, login: str, csrf: str, crs: str = "wgs84") -> str:
    """The phone page for a signed-in worker (``csrf``: its session's token)."""
    leaflet_js, leaflet_css = LOCAL["leaflet.js"], LOCAL["leaflet.css"]
    return _PAGE.format(
        csrf=html_text(csrf),
        crs=html_text(crs if crs in CRS_CHOICES else "wgs84"),
        login=html_text(login),
        leaflet_js=f"{STATIC_PREFIX}/{leaflet_js}",
        leaflet_css=f"{STATIC_PREFIX}/{leaflet_css}",
        worker_js=f"{STATIC_PREFIX}/{WORKER_JS}",
        worker_css=f"{STATIC_PREFIX}/{WORKER_CSS}",
    )
