"""Planar faces of a street network and merging of faces into larger areas.

The sample's boundaries are unions of *faces*: the polygons that a set of noded street centre
lines cuts the study area into. Because every boundary is built from the same noded linework,
neighbouring areas share identical edges, so they tile without gaps or overlaps by
construction.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

EDGE_TOLERANCE_M = 0.01
"""A shared border lies on a road if it is within this distance of the road's centre line."""


def street_faces(area: shapely.Polygon, lines: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Cut a polygon into faces along lines.

    Parameters
    ----------
    area : shapely.Polygon
        The area to cut, in a metric CRS.
    lines : array_like of shapely.LineString
        Street centre lines; parts outside ``area`` are ignored, dangles cut nothing.

    Returns
    -------
    numpy.ndarray of shapely.Polygon
        Faces that tile ``area``, sorted north to south then west to east by centroid.

    Examples
    --------
    >>> square = shapely.box(0, 0, 10, 10)
    >>> len(street_faces(square, [shapely.LineString([(5, -1), (5, 11)])]))
    2
    >>> len(street_faces(square, []))
    1
    """
    # Lines are trimmed 1 m *outside* the area so that they cross its edge: a line clipped
    # exactly at the edge may end a hair short of it and then cut nothing.
    near = shapely.intersection(np.asarray(lines, dtype=object), shapely.buffer(area, 1.0))
    pieces = np.concatenate([[area.exterior], shapely.get_parts(near)])
    noded = shapely.union_all(pieces[shapely.get_dimensions(pieces) == 1])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[shapely.within(shapely.point_on_surface(faces), area)]
    centroids = shapely.centroid(faces)
    order = np.lexsort((shapely.get_x(centroids), -shapely.get_y(centroids)))
    return np.asarray(faces[order], dtype=object)


def shared_borders(faces: npt.ArrayLike, roads: shapely.Geometry) -> pd.DataFrame:
    """List pairs of faces that share a border, with its length and the part along roads.

    Parameters
    ----------
    faces : array_like of shapely.Polygon
        Faces of one noded linework (a polygonal coverage), metric CRS.
    roads : shapely.Geometry
        Lines whose borders count as road borders (measured within ``EDGE_TOLERANCE_M``).

    Returns
    -------
    pandas.DataFrame
        Columns ``left``, ``right`` (face positions, ``left < right``), ``length`` and
        ``road_length`` in metres; only pairs sharing a border of positive length.
    """
    faces = np.asarray(faces, dtype=object)
    left, right = shapely.STRtree(faces).query(faces, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    borders = shapely.intersection(shapely.boundary(faces[left]), shapely.boundary(faces[right]))
    length = shapely.length(borders)
    near_road = shapely.intersection(borders, shapely.buffer(roads, EDGE_TOLERANCE_M))
    pairs = pd.DataFrame(
        {"left": left, "right": right, "length": length, "road_length": shapely.length(near_road)}
    )
    return pairs[pairs["length"] > 0].reset_index(drop=True)


def connected_groups(count: int, left: npt.ArrayLike, right: npt.ArrayLike) -> npt.NDArray[np.int_]:
    """Label the connected components of a graph given as edge lists.

    Parameters
    ----------
    count : int
        Number of nodes ``0 … count-1``.
    left, right : array_like of int
        The two ends of each edge.

    Returns
    -------
    numpy.ndarray of int
        Per node, the smallest node number of its component.

    Examples
    --------
    >>> connected_groups(4, [0, 2], [1, 3]).tolist()
    [0, 0, 2, 2]
    >>> connected_groups(2, [], []).tolist()
    [0, 1]
    """
    parent = list(range(count))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in zip(np.asarray(left, dtype=int), np.asarray(right, dtype=int), strict=True):
        low, high = sorted((root(a), root(b)))
        parent[high] = low
    return np.array([root(node) for node in range(count)], dtype=int)


def group_borders(pairs: pd.DataFrame, groups: npt.ArrayLike) -> pd.DataFrame:
    """Sum face-pair borders into borders between groups of faces.

    Parameters
    ----------
    pairs : pandas.DataFrame
        Output of :func:`shared_borders`.
    groups : array_like
        Group label of each face.

    Returns
    -------
    pandas.DataFrame
        Columns ``left``, ``right`` (group labels, both directions listed) and ``length``.
    """
    labels = np.asarray(groups)
    frame = pd.DataFrame(
        {"left": labels[pairs["left"]], "right": labels[pairs["right"]], "length": pairs["length"]}
    )
    frame = frame[frame["left"] != frame["right"]]
    both = pd.concat([frame, frame.rename(columns={"left": "right", "right": "left"})])
    return both.groupby(["left", "right"], as_index=False, sort=True)["length"].sum()


def absorb(
    groups: npt.ArrayLike,
    pairs: pd.DataFrame,
    candidates: Callable[[pd.Series], list[object]],
    fits: Callable[[pd.Series, object, object], bool] | None = None,
) -> npt.NDArray[np.object_]:
    """Merge groups of faces into neighbours until no candidate group can be merged.

    Parameters
    ----------
    groups : array_like
        Initial group label per face.
    pairs : pandas.DataFrame
        Output of :func:`shared_borders` for the same faces, restricted to the pairs that may
        merge.
    candidates : callable
        Given the current labels (a Series indexed by face position), returns the labels of the
        groups to dissolve, most urgent first. The first one that has a neighbour joins the
        neighbour with the longest shared border (ties: the smallest label).
    fits : callable, optional
        ``fits(labels, victim, target)``: whether the merged group would still be acceptable.
        Neighbours that fit are preferred over longer borders that do not.

    Returns
    -------
    numpy.ndarray
        Final group label per face.
    """
    labels = pd.Series(np.asarray(groups, dtype=object))
    while (merge := _next_merge(labels, pairs, candidates(labels), fits)) is not None:
        victim, target = merge
        labels[labels == victim] = target
    return labels.to_numpy()


def _next_merge(
    labels: pd.Series,
    pairs: pd.DataFrame,
    victims: list[object],
    fits: Callable[[pd.Series, object, object], bool] | None,
) -> tuple[object, object] | None:
    borders = group_borders(pairs, labels.to_numpy())
    for victim in victims:
        around = borders[borders["left"] == victim]
        if around.empty:
            continue
        misfit = [not fits(labels, victim, t) if fits else False for t in around["right"]]
        around = around.assign(misfit=misfit)
        order = around.sort_values(["misfit", "length", "right"], ascending=[True, False, True])
        return victim, order["right"].iloc[0]
    return None
