"""The planner's workbench (网格调整工作台): the HTML shell its script fills in.

The page draws a draft plan's grids with their names and households, the street blocks and
address points as context, and edits them through the plan operations API: select two grids and
merge, draw a line and split, paint street blocks into a grid, draw a piece and move it, drag
vertices and reshape, undo and redo. A side panel shows the check findings (click to zoom), a
household-balance bar per grid against the target band, the diff against the current boundaries,
the plan's notes, and the submit and publish buttons.

Drawing and vertex editing are Leaflet-Geoman's (``@geoman-io/leaflet-geoman-free``, pinned in
``maps/assets/package.json`` and served from ``/static``); the rest of the page is gridmap's own
script (``maps/app/editor.js``). Nothing of the store enters the shell but the plan's id and the
settings below, as attributes; the script reads the API with the session and shows every text as
text. With the AMap basemap the script asks the API for GCJ-02 coordinates and sends them back
as GCJ-02 (the API converts both ways), so the grids sit on AMap's streets.
"""

from __future__ import annotations

from dataclasses import dataclass

from maps.assets import EDITOR_CSS, EDITOR_JS, GEOMAN_CSS, GEOMAN_JS, LOCAL, STATIC_PREFIX
from maps.base import AMAP, TIANDITU, MapOptions
from maps.safe import html_text

_TILE_HOSTS = {
    "none": "",
    "osm": "https://tile.openstreetmap.org",
    "tianditu": "https://*.tianditu.gov.cn",
    "amap": "https://*.is.autonavi.com",
}
"""The one other origin a page may load (tile images) when a planner picks that basemap."""
_ATTRIBUTION = {"osm": "© OpenStreetMap contributors", "tianditu": "© 天地图", "amap": "© 高德地图"}


def editor_csp(basemap: str) -> str:
    """The page's Content-Security-Policy: its own scripts only; tiles of the basemap chosen.

    Examples
    --------
    >>> "img-src 'self' data:;" in editor_csp("none")
    True
    >>> "https://*.is.autonavi.com" in editor_csp("amap")
    True
    """
    tiles = _TILE_HOSTS[basemap]
    images = f"'self' data: {tiles}".strip()
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src {images}; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    )


@dataclass(frozen=True)
class EditorSettings:
    """What the page needs to know besides the plan: who, which basemap, the household band.

    ``may_publish``: the caller holds ``plans:publish`` on the plan's scope (the button shows;
    the API decides).
    """

    plan_id: int
    login: str
    csrf: str
    options: MapOptions
    households_min: int | None
    households_max: int | None
    may_publish: bool


def _tiles(options: MapOptions) -> str:
    """The basemap's tile URL template for Leaflet (empty: a blank background)."""
    if options.basemap == "osm":
        return "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    if options.basemap == "tianditu" and options.tianditu_tk:
        return TIANDITU.format(layer="vec", tk=options.tianditu_tk, s="{s}")
    if options.basemap == "amap":
        return AMAP
    return ""


_PAGE = """<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{csrf}">
<title>{title} · gridmap</title>
<link rel="stylesheet" href="{leaflet_css}">
<link rel="stylesheet" href="{geoman_css}">
<link rel="stylesheet" href="{editor_css}">
<script src="{leaflet_js}"></script>
<script src="{geoman_js}"></script>
<script src="{editor_js}" defer></script>
</head><body>
<div id="editor" data-plan="{plan_id}" data-crs="{crs}" data-tiles="{tiles}"
 data-subdomains="{subdomains}" data-attribution="{attribution}" data-band-min="{band_min}"
 data-band-max="{band_max}" data-may-publish="{may_publish}" data-lang="{lang}">
<div id="map"></div>
<aside id="panel">
<header><h1 id="plan-title">{title}</h1><small>{login}</small></header>
<div id="status"></div>
<div id="tools" role="toolbar">
<button type="button" data-tool="merge" disabled>合并 Merge</button>
<button type="button" data-tool="split" disabled>画线拆分 Split</button>
<button type="button" data-tool="paint" disabled>刷入街块 Paint blocks</button>
<button type="button" data-tool="move" disabled>划出片区 Move piece</button>
<button type="button" data-tool="reshape" disabled>编辑边界 Reshape</button>
<button type="button" data-tool="apply" hidden>完成 Apply</button>
<button type="button" data-tool="cancel" hidden>取消 Cancel</button>
<button type="button" data-tool="undo">撤销 Undo</button>
<button type="button" data-tool="redo">重做 Redo</button>
</div>
<p id="hint" class="muted">点击网格选择（可多选）。Click grids to select them.</p>
<div id="notice" role="status" aria-live="polite"></div>
<h2>户数均衡 Households <small id="band"></small></h2>
<div id="balance"></div>
<h2>检查结果 Findings <small id="finding-count"></small></h2>
<ol id="findings"></ol>
<h2>与现行边界对比 Diff</h2>
<div id="diff"></div>
<h2>备注 Notes</h2>
<ol id="notes"></ol>
<form id="note-form"><textarea id="note-text" maxlength="2000" rows="2"></textarea>
<button type="submit">添加备注 Add note</button></form>
<div id="workflow">
<button type="button" id="submit-plan">提交审核发布 Submit for publishing</button>
<button type="button" id="publish-plan" hidden>发布 Publish</button>
<a id="plan-page" href="/maps/plans/{plan_id}.html">方案图 Plan map</a>
</div>
</aside></div>
</body></html>
"""


def editor_page(settings: EditorSettings) -> str:
    """The workbench page for one plan (``settings.csrf``: the session's token)."""
    options = settings.options
    title = options.t(f"网格调整方案 {settings.plan_id}", f"Redraw plan {settings.plan_id}")
    band = (settings.households_min, settings.households_max)
    return _PAGE.format(
        html_lang="zh-CN" if options.lang == "zh" else "en",
        lang=options.lang,
        csrf=html_text(settings.csrf),
        title=html_text(title),
        login=html_text(settings.login),
        plan_id=int(settings.plan_id),
        crs="gcj02" if options.basemap == "amap" else "wgs84",
        tiles=html_text(_tiles(options)),
        subdomains={"tianditu": "01234567", "amap": "1234"}.get(options.basemap, "abc"),
        attribution=html_text(_ATTRIBUTION.get(options.basemap, "")),
        band_min="" if band[0] is None else int(band[0]),
        band_max="" if band[1] is None else int(band[1]),
        may_publish="true" if settings.may_publish else "false",
        leaflet_js=f"{STATIC_PREFIX}/{LOCAL['leaflet.js']}",
        leaflet_css=f"{STATIC_PREFIX}/{LOCAL['leaflet.css']}",
        geoman_js=f"{STATIC_PREFIX}/{GEOMAN_JS}",
        geoman_css=f"{STATIC_PREFIX}/{GEOMAN_CSS}",
        editor_js=f"{STATIC_PREFIX}/{EDITOR_JS}",
        editor_css=f"{STATIC_PREFIX}/{EDITOR_CSS}",
    )
