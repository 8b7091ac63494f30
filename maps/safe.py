r"""Where text enters a page: one escaping function for each place a page puts text.

A map page puts text in three places, and each has one rule here, used by every page:

- **HTML** (element text, attribute values): `html_text` escapes ``& < > " '``. Leaflet's
  popups, tooltips, div icons and layer names, folium's GeoJSON popups and tooltips (which
  set ``innerHTML``), the legend, the title: all take HTML, so every value on its way there
  goes through `html_text` (`maps.base.for_display` does it for the columns of a layer).
- **Inside a** ``<script>``: `script_json` writes JSON with ``< > & '`` and U+2028/U+2029
  written as ``\uXXXX``, so no text can close the script, end a string or break a line.
- **Never a JS template literal.** Folium's `Popup` and `Tooltip` put their text between
  backquotes, escaping only the backquotes: there ``${…}`` runs, a backquote after a
  backslash ends the literal and ``\u{`` is a syntax error that stops the whole page.
  `popup` and `tooltip` bind the same (HTML) content to a layer as a JSON string instead.
"""

from __future__ import annotations

import html
import json
from typing import Any

from branca.element import MacroElement
from jinja2 import Template

_SCRIPT_SAFE = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "'": "\\u0027",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


def html_text(value: object) -> str:
    """Text as HTML that shows it as it is (also inside a quoted attribute).

    Examples
    --------
    >>> html_text('<img src=x onerror="go()">')
    '&lt;img src=x onerror=&quot;go()&quot;&gt;'
    >>> html_text("${x} `y` 'z'")
    '${x} `y` &#x27;z&#x27;'
    >>> html_text(None), html_text(3)
    ('', '3')
    """
    return "" if value is None else html.escape(str(value), quote=True)


def script_json(value: Any) -> str:
    r"""``value`` as a JavaScript expression that is safe anywhere inside a ``<script>``.

    Examples
    --------
    >>> script_json("</script><script>x()</script>")
    '"\\u003c/script\\u003e\\u003cscript\\u003ex()\\u003c/script\\u003e"'
    >>> script_json({"name": "a\u2028b & 'c'"})
    '{"name": "a\\u2028b \\u0026 \\u0027c\\u0027"}'
    >>> script_json("${x}`") == '"${x}`"'  # inside "…" neither ${ nor ` means anything
    True
    """
    return json.dumps(value, ensure_ascii=False, default=str).translate(_SCRIPT_SAFE)


class BoundContent(MacroElement):
    """A popup or tooltip of a Leaflet layer, its HTML handed over as a JSON string."""

    _template = Template("""
{% macro script(this, kwargs) %}
    {{ this._parent.get_name() }}.{{ this.method }}({{ this.content }}, {{ this.options }});
{% endmacro %}""")

    def __init__(self, method: str, content: str, options: dict[str, Any]) -> None:
        super().__init__()
        self._name = "BoundContent"
        self.method = method
        self.content = script_json(content)
        self.options = script_json(options)


def popup(content: str, *, max_width: int = 300) -> BoundContent:
    r"""A popup showing ``content`` (HTML: build it with `html_text`); add it to a marker.

    Examples
    --------
    >>> import folium
    >>> page = folium.Map()
    >>> marker = folium.Marker([40, 116]).add_child(popup("<b>${x}</b>")).add_to(page)
    >>> '.bindPopup("\\u003cb\\u003e${x}\\u003c/b\\u003e", {"maxWidth": 300})' in (
    ...     page.get_root().render())
    True
    """
    return BoundContent("bindPopup", content, {"maxWidth": max_width})


def tooltip(content: str) -> BoundContent:
    """A tooltip showing ``content`` (HTML) while the pointer is on the layer; add it to one."""
    return BoundContent("bindTooltip", content, {"sticky": True})
