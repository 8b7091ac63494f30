"""Offline assets: every script and stylesheet a map page loads comes from the service itself.

Folium points at CDNs; `make_offline` rewrites those URLs to ``/static/…`` files installed by the
project's set-up (npm packages pinned in ``maps/assets/package.json``, plus the heat-map script
folium ships). Assets the maps do not use (icon fonts, awesome markers) are dropped, and any URL
without a local copy raises, so no page can reach another origin.
"""

from __future__ import annotations

import base64
import mimetypes
import posixpath
import re
from pathlib import Path

import folium
from branca.element import Element

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
VENDOR_DIR = ASSETS_DIR / "node_modules"
FOLIUM_DIR = Path(folium.__file__).resolve().parent / "templates"
APP_DIR = Path(__file__).resolve().parent / "app"
"""gridmap's own scripts and stylesheets (the grid worker's phone page)."""
STATIC_PREFIX = "/static"

# CDN file name → local path under /static (None: not needed by gridmap's maps, dropped)
LOCAL: dict[str, str | None] = {
    "leaflet.js": "vendor/leaflet/dist/leaflet.js",
    "leaflet.css": "vendor/leaflet/dist/leaflet.css",
    "jquery-3.7.1.min.js": "vendor/jquery/dist/jquery.min.js",
    "bootstrap.bundle.min.js": "vendor/bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap.min.css": "vendor/bootstrap/dist/css/bootstrap.min.css",
    "leaflet.markercluster.js": "vendor/leaflet.markercluster/dist/leaflet.markercluster.js",
    "MarkerCluster.css": "vendor/leaflet.markercluster/dist/MarkerCluster.css",
    "MarkerCluster.Default.css": "vendor/leaflet.markercluster/dist/MarkerCluster.Default.css",
    "Control.FullScreen.min.js": "vendor/leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "vendor/leaflet.fullscreen/Control.FullScreen.css",
    "leaflet_heat.min.js": "folium/leaflet_heat.min.js",
    "leaflet-geoman.js": "vendor/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.js",
    "leaflet-geoman.css": "vendor/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css",
    "leaflet.awesome-markers.js": None,
    "leaflet.awesome-markers.css": None,
    "bootstrap-glyphicons.css": None,
    "all.min.css": None,
    "leaflet.awesome.rotate.min.css": None,
}


def local_url(cdn_url: str) -> str | None:
    """The ``/static/…`` URL replacing a CDN URL (None when the asset is dropped).

    Examples
    --------
    >>> local_url("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
    '/static/vendor/leaflet/dist/leaflet.js'
    """
    name = cdn_url.rsplit("/", 1)[-1]
    if name not in LOCAL:
        raise LookupError(f"no local copy of {cdn_url}; add it to maps/assets.py")
    path = LOCAL[name]
    return f"{STATIC_PREFIX}/{path}" if path else None


def _rewrite(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for name, url in pairs:
        local = url if url.startswith(STATIC_PREFIX) else local_url(url)
        if local:
            out.append((name, local))
    return out


def make_offline(element: Element) -> None:
    """Rewrite the JS/CSS of an element and all its children to local URLs, in place."""
    for attribute in ("default_js", "default_css"):
        pairs = getattr(element, attribute, None)
        if pairs:
            setattr(element, attribute, _rewrite(list(pairs)))
    for child in element._children.values():
        make_offline(child)


# what the stylesheets above load in turn (Leaflet's default marker and layer icons, the
# fullscreen button); with LOCAL, the only files /static serves
REFERENCED_DIRS = ("vendor/leaflet/dist/images/",)
REFERENCED_FILES = ("vendor/leaflet.fullscreen/icon-fullscreen.svg",)
# Swagger UI for /docs (FastAPI's default page loads it from a CDN)
DOCS_JS = "vendor/swagger-ui-dist/swagger-ui-bundle.js"
DOCS_CSS = "vendor/swagger-ui-dist/swagger-ui.css"
# the grid map's vector tiles (Leaflet.VectorGrid, with its protobuf decoders bundled)
VECTORGRID_JS = "vendor/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js"
# gridmap's own page assets
WORKER_JS = "app/worker.js"
WORKER_CSS = "app/worker.css"
EDITOR_JS = "app/editor.js"
EDITOR_CSS = "app/editor.css"
PLANS_JS = "app/plans.js"
# the workbench's drawing tools (folium's plugins.GeoMan loads the same files)
GEOMAN_JS = "vendor/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js"
GEOMAN_CSS = "vendor/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css"
APP_FILES = (WORKER_JS, WORKER_CSS, EDITOR_JS, EDITOR_CSS, PLANS_JS, GEOMAN_JS, GEOMAN_CSS)
TILE_FILES = (VECTORGRID_JS,)
SERVED = frozenset(path for path in LOCAL.values() if path) | frozenset(
    (*REFERENCED_FILES, DOCS_JS, DOCS_CSS, *APP_FILES, *TILE_FILES)
)


def static_file(relative: str) -> Path | None:
    """The file behind ``/static/<relative>``, or None if it is not one the pages load.

    Only the assets of `LOCAL` and the files their stylesheets reference are served, not the
    rest of the installed packages (their manifests, sources, other builds).

    Examples
    --------
    >>> static_file("vendor/leaflet/dist/leaflet.js").name
    'leaflet.js'
    >>> static_file("vendor/.package-lock.json"), static_file("vendor/leaflet/package.json")
    (None, None)
    >>> static_file("vendor/leaflet/dist/images/../../package.json") is None
    True
    """
    if "\x00" in relative or posixpath.normpath(relative) != relative:  # no tricks with ..
        return None
    if relative not in SERVED and not relative.startswith(REFERENCED_DIRS):
        return None
    root, _, rest = relative.partition("/")
    base = {"vendor": VENDOR_DIR, "folium": FOLIUM_DIR, "app": APP_DIR}.get(root)
    if base is None or not rest:
        return None
    path = (base / rest).resolve()
    return path if path.is_file() and base.resolve() in path.parents else None


_TAG = re.compile(r'<(script|link)[^>]*?(src|href)="(/static/[^"]+)"[^>]*>(</script>)?')


def inline_assets(html: str) -> str:
    """A standalone page: each ``/static`` script and stylesheet is written into the HTML."""

    def replace(match: re.Match[str]) -> str:
        path = static_file(match.group(3)[len(STATIC_PREFIX) + 1 :])
        if path is None:
            return match.group(0)
        body = path.read_text(encoding="utf-8")
        if match.group(1) == "script":
            return f"<script>{body}</script>"
        return f"<style>{_inline_urls(body, match.group(3)[len(STATIC_PREFIX) + 1 :])}</style>"

    return _TAG.sub(replace, html)


_URL = re.compile(r"url\((['\"]?)([^)'\"#:]+)\1\)")


def _inline_urls(css: str, relative: str) -> str:
    """A stylesheet whose relative ``url(…)`` files (icons) are written into it as data URLs."""

    def replace(match: re.Match[str]) -> str:
        path = static_file(
            posixpath.normpath(posixpath.join(posixpath.dirname(relative), match[2]))
        )
        if path is None:
            return match.group(0)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return f"url(data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()})"

    return _URL.sub(replace, css)
