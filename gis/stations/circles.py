"""Service circles: a radius around each station, drawn in metres, returned in EPSG:4326."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely

from gis.network.project import Projection


def projection_for(lonlat: npt.ArrayLike) -> Projection:
    """The UTM zone of the centre of some EPSG:4326 points."""
    coords = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    west, south = coords.min(axis=0)
    east, north = coords.max(axis=0)
    return Projection.around((west + east) / 2, (south + north) / 2)


def circles(
    lonlat: npt.ArrayLike, radii_m: Sequence[float], *, quad_segs: int = 16
) -> npt.NDArray[np.object_]:
    """Circles of each radius around each point: an ``(points, radii)`` array of Polygons.

    The buffer is taken in the UTM zone of the points' centre, so radii are metres on the
    ground, then the circles are projected back to EPSG:4326.

    Examples
    --------
    >>> c = circles([[116.35, 40.0]], [300, 1000])
    >>> c.shape, c[0, 0].geom_type
    ((1, 2), 'Polygon')
    >>> circles([], [300]).shape
    (0, 1)
    """
    coords = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    if len(coords) == 0:
        return np.empty((0, len(radii_m)), dtype=object)
    projection = projection_for(coords)
    centres = shapely.points(np.column_stack(projection.forward(*coords.T)))
    radii = np.asarray(radii_m, dtype=float)
    metric = shapely.buffer(centres[:, None], radii[None, :], quad_segs=quad_segs)
    return projection.to_lonlat(metric.ravel()).reshape(metric.shape)
