"""Where area labels go, and from which zoom they no longer cover one another.

A label sits at its area's pole of inaccessibility (`label_points`: the point inside farthest
from the edge, ``shapely.ops.polylabel``), centred on it. Its box is estimated in screen
pixels from its text — a wide (CJK) character is as wide as the font is high, any other about
0.6 of it (`text_width`) — and Web Mercator puts a point at ``256 · 2^zoom`` pixels per world
width, so two labels' distance in pixels doubles with every zoom level while their boxes stay
the same size: `free_zoom` is the first zoom at which no two boxes overlap, in closed form.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely.ops import polylabel

TILE_PX = 256
FONT_PX = 12.0
"""The font size of ``.gm-label`` (`maps.base.PAGE_CSS`)."""
LINE_PX = 18.0
"""A label's height: one line of CJK text at ``FONT_PX`` with its halo."""
GAP_PX = 2.0
"""The least room kept between two labels."""
MAX_ZOOM = 20
POLYLABEL_TOLERANCE_DEG = 1e-6  # ~0.1 m: far below a pixel at any zoom labels show


def text_width(text: str, font_px: float = FONT_PX) -> float:
    """The estimated width of ``text`` in pixels.

    Examples
    --------
    >>> text_width("第08网格"), text_width("ab", 10)
    (50.4, 12.0)
    """
    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in text)
    return round(font_px * (wide + 0.6 * (len(text) - wide)), 6)


def label_points(geoms: Sequence[shapely.Geometry]) -> npt.NDArray[np.object_]:
    """A point inside each polygon (of a multipolygon, inside its largest part).

    Examples
    --------
    >>> ring = shapely.box(0, 0, 10, 10).difference(shapely.box(2, 2, 8, 8))
    >>> point = label_points([ring])[0]
    >>> ring.contains(point), shapely.box(0, 0, 10, 10).centroid.within(ring)
    (True, False)
    """
    points = []
    for geom in geoms:
        parts = shapely.get_parts(geom)
        largest = parts[int(np.argmax(shapely.area(parts)))]
        points.append(polylabel(largest, tolerance=POLYLABEL_TOLERANCE_DEG))
    return np.asarray(points, dtype=object)


def pixels(lon: npt.ArrayLike, lat: npt.ArrayLike, zoom: float) -> npt.NDArray[np.float64]:
    """Web Mercator pixel coordinates (x east, y south) of points at ``zoom``.

    Examples
    --------
    >>> pixels([0.0], [0.0], 0).tolist(), pixels([180.0], [0.0], 1).tolist()
    ([[128.0, 128.0]], [[512.0, 256.0]])
    """
    size = TILE_PX * 2.0**zoom
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0 * size
    phi = np.radians(np.asarray(lat, dtype=float))
    y = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / math.pi) / 2.0 * size
    return np.column_stack([x, y])


def boxes(
    lon: npt.ArrayLike, lat: npt.ArrayLike, widths: npt.ArrayLike, zoom: float
) -> npt.NDArray[np.float64]:
    """Each centred label's (left, top, right, bottom) in pixels at ``zoom``."""
    centre = pixels(lon, lat, zoom)
    half = np.column_stack([np.asarray(widths, dtype=float) / 2, np.full(len(centre), LINE_PX / 2)])
    return np.hstack([centre - half, centre + half])


def overlapping(found: npt.NDArray[np.float64]) -> list[tuple[int, int]]:
    """The pairs of boxes (left, top, right, bottom) closer than ``GAP_PX``.

    Examples
    --------
    >>> overlapping(np.array([[0, 0, 10, 10], [11, 0, 20, 10], [5, 5, 8, 8]]))
    [(0, 1), (0, 2)]
    """
    left, top, right, bottom = (found[:, k] for k in range(4))
    apart_x = (left[None, :] >= right[:, None] + GAP_PX) | (
        left[:, None] >= right[None, :] + GAP_PX
    )
    apart_y = (top[None, :] >= bottom[:, None] + GAP_PX) | (
        top[:, None] >= bottom[None, :] + GAP_PX
    )
    i, j = np.nonzero(np.triu(~(apart_x | apart_y), k=1))
    return [(int(a), int(b)) for a, b in zip(i, j, strict=True)]


def free_zoom(
    lon: npt.ArrayLike, lat: npt.ArrayLike, widths: npt.ArrayLike, *, highest: int = MAX_ZOOM
) -> int:
    """The first whole zoom from which no two labels' boxes overlap (``highest`` at most).

    Two boxes are apart once their centres are ``(w1 + w2) / 2 + GAP_PX`` apart across or
    ``LINE_PX + GAP_PX`` apart down: at zoom 0 they are ``dx`` and ``dy`` pixels apart, so at
    ``log2(needed / distance)``.

    Examples
    --------
    >>> free_zoom([116.35, 116.351], [40.0, 40.0], [50.0, 50.0])  # 85 m apart, 52 px needed
    17
    >>> free_zoom([116.35], [40.0], [50.0]), free_zoom([1, 1], [2, 2], [9, 9], highest=18)
    (0, 18)
    """
    centre = pixels(lon, lat, 0)
    if len(centre) < 2:
        return 0
    w = np.asarray(widths, dtype=float)
    needed_x = (w[:, None] + w[None, :]) / 2 + GAP_PX
    dx = np.abs(centre[:, 0][:, None] - centre[:, 0][None, :])
    dy = np.abs(centre[:, 1][:, None] - centre[:, 1][None, :])
    with np.errstate(divide="ignore"):
        zoom = np.minimum(np.log2(needed_x / dx), np.log2((LINE_PX + GAP_PX) / dy))
    worst = float(zoom[np.triu_indices(len(centre), k=1)].max())
    return highest if worst >= highest else max(0, math.ceil(worst))
