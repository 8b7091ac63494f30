"""Between stored EPSG:4326 and the metric (UTM) plane that distances and buffers need."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from gis.crs import STORAGE_SRID, utm_crs_for

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Projection:
    """A UTM zone chosen for an area, with vectorised transforms both ways.

    Examples
    --------
    >>> p = Projection.around(116.35, 40.0)
    >>> x, y = p.forward(np.array([116.35]), np.array([40.0]))
    >>> lon, lat = p.inverse(x, y)
    >>> round(float(lon[0]), 9), round(float(lat[0]), 9)
    (116.35, 40.0)
    """

    epsg: int

    @classmethod
    def around(cls, lon: float, lat: float) -> Projection:
        """The UTM zone containing (lon, lat)."""
        code = utm_crs_for(lon, lat).to_epsg()
        assert code is not None
        return cls(code)

    @cached_property
    def _to_metric(self) -> pyproj.Transformer:
        return pyproj.Transformer.from_crs(STORAGE_SRID, self.epsg, always_xy=True)

    @cached_property
    def _to_lonlat(self) -> pyproj.Transformer:
        return pyproj.Transformer.from_crs(self.epsg, STORAGE_SRID, always_xy=True)

    def forward(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """WGS84 degrees → metres."""
        x, y = self._to_metric.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, float), np.asarray(y, float)

    def inverse(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Metres → WGS84 degrees."""
        lon, lat = self._to_lonlat.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon, float), np.asarray(lat, float)

    def to_metric(self, geoms: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """Shapely geometries in EPSG:4326 → this projection."""
        return _apply(geoms, self.forward)

    def to_lonlat(self, geoms: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """Shapely geometries in this projection → EPSG:4326."""
        return _apply(geoms, self.inverse)


def _apply(geoms: npt.ArrayLike, transform: object) -> npt.NDArray[np.object_]:
    def convert(xy: FloatArray) -> FloatArray:
        return np.column_stack(transform(xy[:, 0], xy[:, 1]))  # type: ignore[operator]

    return np.asarray(shapely.transform(np.asarray(geoms, dtype=object), convert), dtype=object)
