"""Assign street faces to communities (社区) by the named places inside them.

This is a *sample heuristic*, not an official boundary: a face bounded by major roads joins
the community whose keywords best match the named campuses, residential compounds, schools
and other places inside it. Real community boundaries follow compound walls and agreements
that OpenStreetMap does not record.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

KEYWORDS: tuple[tuple[str, str], ...] = (
    ("石油化工科学研究院", "110108010021"),
    ("石科院", "110108010021"),
    ("中国农业大学", "110108010019"),
    ("农大", "110108010019"),
    ("中国矿业大学", "110108010027"),
    ("矿业大学", "110108010027"),
    ("矿大", "110108010027"),
    ("石油", "110108010018"),
    ("地质大学", "110108010016"),
    ("地大", "110108010016"),
    ("林业大学", "110108010023"),
    ("语言大学", "110108010020"),
    ("北京科技大学", "110108010017"),
    ("北科大", "110108010017"),
    ("学清苑", "110108010035"),
    ("双泉", "110108010038"),
    ("静淑", "110108010024"),
    ("富润", "110108010031"),
    ("学知园", "110108010009"),
    ("逸成", "110108010032"),
)
"""Name keyword → 12-digit community code (NBS 2023, 学院路街道). The first keyword found in
a place's name wins, so specific keywords (石科院) come before general ones (石油)."""
POINT_WEIGHT_M2 = 2_000.0
"""A named point counts as much as this area of a named polygon."""


def community_of(name: object) -> str | None:
    """Return the community code a place name points to, or None.

    Examples
    --------
    >>> community_of("石油化工科学研究院")
    '110108010021'
    >>> community_of("北京石油学院附属中学")
    '110108010018'
    >>> community_of("星巴克") is None and community_of(float("nan")) is None
    True
    """
    if not isinstance(name, str):
        return None
    return next((code for keyword, code in KEYWORDS if keyword in name), None)


def face_votes(
    faces: npt.ArrayLike, areas: gpd.GeoDataFrame, points: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Weigh, for each face, the evidence for each community.

    Parameters
    ----------
    faces : array_like of shapely.Polygon
        Faces in a metric CRS.
    areas, points : geopandas.GeoDataFrame
        Named polygons and points (column ``name``) in the same CRS.

    Returns
    -------
    pandas.DataFrame
        Columns ``face`` (position), ``code`` and ``weight``: the area in m² of matching
        polygons inside the face plus ``POINT_WEIGHT_M2`` per matching point.
    """
    faces = np.asarray(faces, dtype=object)
    tree = shapely.STRtree(faces)
    polygons = _matching(areas)
    found, face = tree.query(polygons.geometry.to_numpy(), predicate="intersects")
    overlap = shapely.area(shapely.intersection(polygons.geometry.to_numpy()[found], faces[face]))
    polygon_votes = pd.DataFrame(
        {"face": face, "code": polygons["code"].to_numpy()[found], "weight": overlap}
    )
    spots = _matching(points)
    found, face = tree.query(spots.geometry.to_numpy(), predicate="within")
    point_votes = pd.DataFrame(
        {"face": face, "code": spots["code"].to_numpy()[found], "weight": POINT_WEIGHT_M2}
    )
    return pd.concat([polygon_votes, point_votes], ignore_index=True)


def best_code(votes: pd.DataFrame, groups: npt.ArrayLike) -> pd.Series:
    """Pick the community with the most weight in each group of faces.

    Parameters
    ----------
    votes : pandas.DataFrame
        The ``face``, ``code`` and ``weight`` of every vote, as :func:`face_votes` makes them.
    groups : array_like
        Group label per face position; all faces of one group get one community.

    Returns
    -------
    pandas.Series
        Community code indexed by group label; groups without any vote are absent. Ties go
        to the smaller code.
    """
    labelled = votes.assign(group=np.asarray(groups)[votes["face"].to_numpy()])
    totals = labelled.groupby(["group", "code"], as_index=False)["weight"].sum()
    totals = totals.sort_values(["group", "weight", "code"], ascending=[True, False, True])
    return totals.drop_duplicates("group").set_index("group")["code"]


def _matching(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    codes = features["name"].map(community_of)
    return features.assign(code=codes)[codes.notna()]
