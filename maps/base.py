"""The map frame every gridmap page shares: basemap, scale, fullscreen, layers, legend, assets.

Pages are Chinese by default (``lang="en"`` for English); the basemap is ``none`` (a blank
background for offline intranets), ``osm``, ``tianditu`` (needs a ``tk`` key) or ``amap``
(GCJ-02 tiles: every layer is shifted WGS84 → GCJ-02 so that it sits right).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen
from jinja2 import Template
from pandas.api.types import is_object_dtype, is_string_dtype

from gis.errors import InvalidInput
from maps.assets import VECTORGRID_JS, make_offline
from maps.coords import leaflet_bounds, to_gcj02
from maps.safe import html_text

Page = folium.Map  # what every map function returns (render with .get_root().render())
# Popups are tables of header (th) and value (td). Leaflet squeezes a popup into its maxWidth,
# and a long value would leave a Chinese header one character per line: headers never wrap.
# Labels (.gm-label) are centred on their point with .gm-centred; .gm-far ones hide while the
# map is zoomed out (`HideBelowZoom` sets .gm-zoomed-out on the map), .gm-near ones show only
# then (and hide while it is zoomed out further, below a second `HideBelowZoom`'s .gm-zoomed-far).
PAGE_CSS = (
    ".leaflet-container{background:#f4f3ef}"
    ".gm-label{font:12px sans-serif;color:#333;text-shadow:0 0 3px #fff;white-space:nowrap}"
    ".gm-centred{width:max-content;transform:translate(-50%,-50%)}"
    ".gm-zoomed-out .gm-far{display:none}"
    ".leaflet-container:not(.gm-zoomed-out) .gm-near,.gm-zoomed-far .gm-near{display:none}"
    ".leaflet-popup-content th{white-space:nowrap;vertical-align:top;text-align:left;"
    "padding-right:.6em}"
    # Leaflet enables clicks on interactive paths only in an overlay pane's own SVG, not in the
    # SVG tiles of Leaflet.VectorGrid (`VectorTiles`), which sit in a .leaflet-tile-container
    ".leaflet-tile path.leaflet-interactive{pointer-events:visiblePainted;pointer-events:auto}"
    ".leaflet-popup-content td{min-width:8em;vertical-align:top;overflow-wrap:anywhere}"
)
BASEMAPS = ("none", "osm", "tianditu", "amap")
CHINA = (73.5, 18.0, 135.1, 53.6)
LANGS = ("zh", "en")
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}"
    "&TILEROW={{y}}&TILECOL={{x}}&tk={tk}"
)
AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"


@dataclass(frozen=True)
class MapOptions:
    """How a page is drawn: language, basemap and (for 天地图) its key."""

    lang: str = "zh"
    basemap: str = "none"
    tianditu_tk: str | None = None

    def t(self, zh: str, en: str) -> str:
        """The label in the page's language."""
        return zh if self.lang == "zh" else en


def map_options(
    lang: str | None = None, basemap: str | None = None, tianditu_tk: str | None = None
) -> MapOptions:
    """Validate page options (raises `InvalidInput` naming the field).

    Examples
    --------
    >>> map_options("en", "osm").basemap
    'osm'
    >>> map_options(basemap="tianditu")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: tk: the tianditu basemap needs a key (?tk= or GRIDMAP_TIANDITU_TK)
    """
    lang, basemap = (lang or "zh").lower(), (basemap or "none").lower()
    if lang not in LANGS:
        raise InvalidInput(f"lang: {lang!r} is not one of {', '.join(LANGS)}")
    if basemap not in BASEMAPS:
        raise InvalidInput(f"basemap: {basemap!r} is not one of {', '.join(BASEMAPS)}")
    if basemap == "tianditu" and not tianditu_tk:
        raise InvalidInput("tk: the tianditu basemap needs a key (?tk= or GRIDMAP_TIANDITU_TK)")
    return MapOptions(lang, basemap, tianditu_tk)


def for_display(frame: gpd.GeoDataFrame, options: MapOptions) -> gpd.GeoDataFrame:
    """Features as the page shows them: text as HTML, shifted onto GCJ-02 for Amap tiles.

    Folium's GeoJSON tooltips and popups set each property value as HTML, so every text is
    escaped (`maps.safe.html_text`), and a JSON object or list becomes its escaped JSON text
    (folium would insert it raw). Call it on exactly what a layer is given.

    Examples
    --------
    >>> from shapely import Point
    >>> shown = for_display(gpd.GeoDataFrame({"name": ["<b>x</b>"], "more": [{"a": "<i>"}]},
    ...                                      geometry=[Point(0, 0)]), MapOptions())
    >>> shown["name"].iloc[0], shown["more"].iloc[0]
    ('&lt;b&gt;x&lt;/b&gt;', '{&quot;a&quot;: &quot;&lt;i&gt;&quot;}')
    """
    text = [
        c
        for c in frame.columns
        if c != frame.geometry.name and (is_object_dtype(frame[c]) or is_string_dtype(frame[c]))
    ]
    safe = frame.assign(**{c: frame[c].map(_as_html) for c in text}) if text else frame
    return to_gcj02(safe) if options.basemap == "amap" else safe


def _as_html(value: object) -> object:
    if isinstance(value, str):
        return html_text(value)
    if isinstance(value, dict | list | tuple):
        return html_text(json.dumps(value, ensure_ascii=False, default=str))
    return value


def new_map(bounds: tuple[float, float, float, float], options: MapOptions) -> folium.Map:
    """A map fitted to ``bounds`` (WGS84 west, south, east, north) with scale and fullscreen."""
    page = folium.Map(tiles=None, control_scale=True, zoom_control=True)
    page.options.update(maxZoom=20, minZoom=3)  # folium passes these to tiles; there may be none
    _basemap(page, options)
    Fullscreen(
        title=options.t("全屏", "Full screen"),
        title_cancel=options.t("退出全屏", "Exit full screen"),
    ).add_to(page)
    if not all(math.isfinite(v) for v in bounds):  # nothing to show: the whole country
        bounds = CHINA
    page.fit_bounds(leaflet_bounds(bounds))
    root: Any = page.get_root()  # a branca Figure
    root.header.add_child(Element(f"<style>{PAGE_CSS}</style>"))
    return page


def _basemap(page: folium.Map, options: MapOptions) -> None:
    name = options.t("底图", "Basemap")
    if options.basemap == "osm":
        folium.TileLayer("OpenStreetMap", name=name, attr=OSM_ATTRIBUTION).add_to(page)
    elif options.basemap == "tianditu":
        for layer, label in (("vec", name), ("cva", options.t("注记", "Labels"))):
            url = TIANDITU.format(layer=layer, tk=options.tianditu_tk, s="{s}")
            folium.TileLayer(
                url, name=label, attr="© 天地图", subdomains="01234567", overlay=layer == "cva"
            ).add_to(page)
    elif options.basemap == "amap":
        folium.TileLayer(AMAP, name=name, attr="© 高德地图", subdomains="1234").add_to(page)


_SYMBOLS = {
    # what a legend entry shows, as drawn on the map: {c} is the colour
    "box": '<span style="display:inline-block;width:14px;height:10px;background:{c};'
    'border:1px solid #666;margin-right:4px"></span>',
    "area": '<rect x="2" y="1" width="18" height="10" fill="{c}" fill-opacity="0.6" '
    'stroke="{c}" stroke-width="2"/>',
    "line": '<line x1="0" y1="6" x2="22" y2="6" stroke="{c}" stroke-width="2"/>',
    "dash": '<line x1="0" y1="6" x2="22" y2="6" stroke="{c}" stroke-width="2" '
    'stroke-dasharray="6 4"/>',
    "dot": '<circle cx="11" cy="6" r="5" fill="{c}" fill-opacity="0.6" stroke="{c}" '
    'stroke-width="2"/>',
    "text": '<text x="11" y="10" text-anchor="middle" font-size="11" fill="{c}" '
    'stroke="#fff" stroke-width="2" paint-order="stroke">Aa</text>',
    "none": "",
}
SYMBOLS = tuple(_SYMBOLS)
"""What a legend entry can show: a filled ``box`` (the default), an ``area`` (fill and
outline), a solid ``line``, a ``dash``-ed line (6 4, as the map draws it), a ``dot`` (a circle
marker), a label (``text``) or ``none`` (a line of text)."""


def _swatch(color: str, symbol: str) -> str:
    """The HTML of one legend symbol.

    Examples
    --------
    >>> _swatch("#d62728", "dash")  # doctest: +ELLIPSIS
    '<svg ...><line ... stroke="#d62728" stroke-width="2" stroke-dasharray="6 4"/></svg>'
    """
    shape = _SYMBOLS[symbol].format(c=html_text(color))
    if symbol in ("box", "none"):
        return shape or '<span style="display:inline-block;width:26px"></span>'
    return (
        '<svg width="22" height="12" style="vertical-align:middle;margin-right:4px" '
        f'aria-hidden="true">{shape}</svg>'
    )


class Legend(MacroElement):
    """A fixed legend box (plain HTML and inline SVG: no extra scripts).

    Each entry is ``(colour, label)`` (a filled box) or ``(colour, label, symbol)`` with a
    symbol of `SYMBOLS`; labels are plain text.
    """

    _template = Template("""
{% macro html(this, kwargs) %}
<div class="gm-legend" style="position:absolute;z-index:9999;bottom:28px;right:10px;background:#fff;
 padding:6px 8px;border:1px solid #999;border-radius:4px;font:12px sans-serif;max-width:260px">
<b>{{ this.title }}</b>{% for swatch, label in this.rows %}
<div style="white-space:nowrap">{{ swatch }}{{ label }}</div>{% endfor %}
</div>
{% endmacro %}""")

    def __init__(
        self, title: str, entries: Sequence[tuple[str, str] | tuple[str, str, str]]
    ) -> None:
        super().__init__()
        self._name = "Legend"
        self.title = html_text(title)
        self.entries = [(entry[0], html_text(entry[1])) for entry in entries]
        self.symbols = [entry[2] if len(entry) > 2 else "box" for entry in entries]
        unknown = set(self.symbols) - set(SYMBOLS)
        if unknown:
            raise ValueError(f"symbol: {sorted(unknown)} not among {SYMBOLS}")
        self.rows = [
            (_swatch(color, symbol), label)
            for (color, label), symbol in zip(self.entries, self.symbols, strict=True)
        ]


class HideBelowZoom(MacroElement):
    """Hides the page's ``.gm-far`` elements (labels) while the map is zoomed out below ``zoom``.

    Sets the class ``flag`` (``gm-zoomed-out``) on the map's container at every zoom; a CSS rule
    of `PAGE_CSS` does the hiding, so the layer control still shows and hides the layer itself.
    ``.gm-near`` elements show only while it is set, and not while a second one's
    ``gm-zoomed-far`` is: labels for the zoomed-out map, hidden when it is zoomed out further.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
    function toggle() {
        map.getContainer().classList.toggle("{{ this.flag }}", map.getZoom() < {{ this.zoom }});
    }
    map.on("zoomend", toggle);
    map.whenReady(toggle);
})({{ this._parent.get_name() }});
{% endmacro %}""")

    def __init__(self, zoom: int, flag: str = "gm-zoomed-out") -> None:
        super().__init__()
        if flag not in ("gm-zoomed-out", "gm-zoomed-far"):
            raise ValueError(f"flag: {flag!r} is not gm-zoomed-out or gm-zoomed-far")
        self._name = "HideBelowZoom"
        self.zoom = int(zoom)
        self.flag = flag


class Note(MacroElement):
    """A fixed box at the top of the page: a heading and a line of text (both plain text)."""

    _template = Template("""
{% macro html(this, kwargs) %}
<div class="gm-note" style="position:absolute;z-index:9999;top:10px;left:60px;background:#fff;
 padding:4px 8px;border:1px solid #999;border-radius:4px;font:13px sans-serif;max-width:60%;
 white-space:pre-wrap;overflow-wrap:anywhere"><b>{{ this.heading }}</b> {{ this.text }}</div>
{% endmacro %}""")

    def __init__(self, heading: str, text: str) -> None:
        super().__init__()
        self._name = "Note"
        self.heading = html_text(heading)
        self.text = html_text(text)


def finish(
    page: folium.Map,
    options: MapOptions,
    legend: Legend | None = None,
    osm_data: bool = True,
    *,
    title: str = "",
) -> folium.Map:
    """Add the title, layer control, legend and attribution, and make every asset local."""
    root: Any = page.get_root()  # a branca Figure
    name = f"{title} · gridmap" if title else "gridmap"
    root.header.add_child(Element(f"<title>{html_text(name)}</title>"), name="title")
    if legend is not None:
        page.add_child(legend)
    if osm_data:
        root.html.add_child(
            Element(
                f'<div class="gm-attribution" style="position:absolute;z-index:9999;bottom:2px;'
                f'left:90px;font:11px sans-serif;background:#fffc;padding:0 4px">'
                f"{html_text(OSM_ATTRIBUTION)}</div>"
            )
        )
    folium.LayerControl(collapsed=False).add_to(page)
    make_offline(page)
    return page


@dataclass(frozen=True)
class TileFacts:
    """Where a tiled layer asks for its features' facts, and how it draws them.

    ``url`` is a template (``{z}/{y}/{x}``, as the tiles') answering, for the features of one
    tile, ``{"values": {code: number|null}, "unstaffed": [code], "popup": {code: {key: text}}}``.
    With ``edges`` (None: no measure), a feature with a value is filled by the class of
    ``edges`` it falls in (``palette``, as `numpy.searchsorted` on the right, the last class
    closed), with ``no_data`` for null or when there are no edges (no value anywhere); an
    ``unstaffed`` feature is outlined with ``marked_style``;
    ``popup`` (pairs of key and label) adds those rows to the feature's popup.
    """

    url: str
    edges: Sequence[float] | None = None
    palette: Sequence[str] = ()
    no_data: str = "#ddd"
    marked_style: dict[str, Any] = field(default_factory=dict)
    popup: Sequence[tuple[str, str]] = ()


class VectorTiles(JSCSSMixin, MacroElement):
    """Areas drawn from vector tiles (Leaflet.VectorGrid), added to its parent layer group.

    ``url`` is the tiles' template (``{z}/{y}/{x}``), ``layer`` the tiles' MVT layer. Only the
    features whose code starts with one of ``roots`` are drawn (the page's scope: tiles hold
    every current area). With ``facts``, each loaded tile's facts are fetched and its features
    restyled (`TileFacts`): the page holds no per-feature data, however many areas there are.
    With ``popup`` (pairs of property and label), a click fetches the area
    (``GET /areas/{code}``) and shows those properties, then the facts' rows; every value is
    set as text (``textContent``), never parsed as HTML.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function (group, map) {
    var roots = {{ this.roots|tojson }}, facts = {{ this.facts|tojson }};
    var labels = {{ this.popup|tojson }}, styles = {};
    var base = L.extend({interactive: labels.length > 0}, {{ this.style|tojson }});
    var values = {}, marked = new Set(), rows = {};
    function drawn(code) {
        return roots.some(function (root) { return code.indexOf(root) === 0; });
    }
    function fill(value) {  // the class of value among the edges, as numpy.searchsorted
        if (value === null || !facts.edges.length) { return facts.no_data; }
        var i = -1;
        facts.edges.forEach(function (edge) { if (edge <= value) { i += 1; } });
        return facts.palette[Math.max(0, Math.min(facts.palette.length - 1, i))];
    }
    function styled(code) {
        var style = L.extend({}, base);
        if (facts && facts.edges && code in values) { style.fillColor = fill(values[code]); }
        // one style a feature: of two, only the path drawn last would take clicks
        return marked.has(code) ? L.extend(style, facts.marked_style, {fill: base.fill}) : style;
    }
    styles[{{ this.layer|tojson }}] = function (properties) {
        var code = String(properties.code);
        return drawn(code) ? styled(code) : [];
    };
    var tiles = L.vectorGrid.protobuf({{ this.url|tojson }}, {
        minZoom: {{ this.min_zoom|tojson }},
        vectorTileLayerStyles: styles,
        interactive: labels.length > 0,
        getFeatureId: function (feature) { return feature.properties.code; }
    });
    if (facts) {
        tiles.on("tileload", function (e) {
            var c = e.coords;
            var url = facts.url.replace("{z}", c.z).replace("{y}", c.y).replace("{x}", c.x);
            fetch(url, {credentials: "same-origin"})
                .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
                .then(function (answer) {
                    L.extend(values, answer.values);
                    L.extend(rows, answer.popup);
                    answer.unstaffed.forEach(function (code) { marked.add(code); });
                    Object.keys(answer.values).concat(answer.unstaffed).forEach(function (code) {
                        if (drawn(code)) { tiles.setFeatureStyle(code, styled(code)); }
                    });
                })
                .catch(function () {});  // the tile stays drawn, unstyled
        });
    }
    function table(properties, code) {
        var box = document.createElement("table");
        var more = facts ? facts.popup : [], extra = rows[code] || {};
        labels.concat(more).forEach(function (pair) {
            var value = pair[0] in properties ? properties[pair[0]] : extra[pair[0]];
            if (value === null || value === undefined) { return; }
            var row = box.insertRow(), head = document.createElement("th");
            head.textContent = pair[1];
            row.appendChild(head);
            row.insertCell().textContent = String(value);
        });
        return box;
    }
    tiles.on("click", function (e) {
        var code = String(e.layer.properties.code), at = e.latlng;
        fetch("/areas/" + encodeURIComponent(code))
            .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
            .then(function (area) {
                L.popup().setLatLng(at).setContent(table(area.properties, code)).openOn(map);
            })
            .catch(function () {
                L.popup().setLatLng(at).setContent(table({code: code}, code)).openOn(map);
            });
    });
    tiles.addTo(group);
})({{ this._parent.get_name() }}, {{ this.map_name }});
{% endmacro %}""")

    def __init__(
        self,
        page: folium.Map,
        url: str,
        layer: str,
        style: dict[str, Any],
        *,
        roots: Sequence[str],
        facts: TileFacts | None = None,
        popup: Sequence[tuple[str, str]] = (),
        min_zoom: int = 0,
    ) -> None:
        super().__init__()
        self._name = "VectorTiles"
        self.min_zoom = int(min_zoom)  # the collection's first zoom with features
        self.default_js = [("leaflet_vectorgrid", f"/static/{VECTORGRID_JS}")]
        self.map_name = page.get_name()
        self.url, self.layer, self.style = url, layer, style
        self.roots = list(roots)
        self.facts = None if facts is None else _facts_json(facts)
        self.popup = [list(pair) for pair in popup]


def _facts_json(facts: TileFacts) -> dict[str, Any]:
    """``facts`` as the page's script reads it."""
    return {
        "url": facts.url,
        "edges": None if facts.edges is None else [float(edge) for edge in facts.edges],
        "palette": list(facts.palette),
        "no_data": facts.no_data,
        "marked_style": dict(facts.marked_style),
        "popup": [list(pair) for pair in facts.popup],
    }
