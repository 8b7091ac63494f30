"""Point-in-area lookup: which grid (and community, subdistrict, district) is a point in.

`GridIndex` answers for one set of non-overlapping polygons; `AreaLookup` answers for every level
of the hierarchy at once. Answers are exact (identical to a geometric intersects test); a point
on a shared edge or vertex gets the lowest code and is flagged ``on_boundary``.
"""

from gis.lookup.hierarchy import LEVEL_COLUMNS, AreaLookup
from gis.lookup.index import GridIndex, Located

__all__ = ["LEVEL_COLUMNS", "AreaLookup", "GridIndex", "Located"]
