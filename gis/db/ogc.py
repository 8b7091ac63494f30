"""SQL for ``/ogc``: a level's extent over its versions (where now, since when, until when)."""

from __future__ import annotations

from sqlalchemy import Connection, case, func, select

from gis.areas import Level
from gis.db.models import Area
from gis.ogc import Extent


def area_extent(conn: Connection, *, level: Level) -> Extent:
    """The lon/lat box of a level's current areas and the interval its versions cover.

    The interval runs from the first version's ``valid_from`` to the last ``valid_to``, open
    (None) while any version is current; no versions: no extent.
    """
    box = func.ST_Extent(case((Area.valid_to.is_(None), Area.geom)))
    query = select(
        func.ST_XMin(box),
        func.ST_YMin(box),
        func.ST_XMax(box),
        func.ST_YMax(box),
        func.min(Area.valid_from),
        func.max(Area.valid_to),
        func.bool_or(Area.valid_to.is_(None)),
    ).where(Area.level == level.value)
    west, south, east, north, start, end, current = conn.execute(query).one()
    if start is None:
        return Extent()
    bbox = None if west is None else (west, south, east, north)
    return Extent(bbox=bbox, start=start, end=None if current else end, temporal=True)
