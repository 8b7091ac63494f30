"""A draft as the workbench shows it, as JSON: the plan, its grids and the check findings.

The plan operations' answers and ``GET /plans/{id}/workbench`` are the same document, so the
editor draws both with one function; ``crs`` (``wgs84`` or ``gcj02`` for AMap) is the one the
page draws in.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import geopandas as gpd
import numpy as np
from fastapi import Query

from gis.checks import Finding, findings_to_json
from gis.crs import geometries_from_wgs84, parse_crs
from gis.geojson import feature_collection
from gis.usecases.planning import Workbench

DrawCrs = Annotated[
    str, Query(pattern="^(wgs84|gcj02)$", description="coordinates of the answer: wgs84 | gcj02")
]
"""The coordinates a page draws in: WGS84, or GCJ-02 on AMap's basemap."""
Lang = Annotated[str | None, Query(description="messages in zh (default) | en")]
"""The language of the findings' messages."""


def shown_in(frame: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    """``frame`` (EPSG:4326) with its geometry in ``crs`` for drawing (other columns kept)."""
    parsed = parse_crs(crs)
    if parsed.kind in ("wgs84", "cgcs2000"):  # the stored numbers as they are
        return frame
    moved = geometries_from_wgs84(frame.geometry.to_numpy(), parsed)
    return frame.set_geometry(gpd.GeoSeries(moved, index=frame.index), crs=None)


def _findings_in(findings: list[Finding], crs: str) -> list[Finding]:
    """``findings`` with their geometry in ``crs`` (the same list for WGS84 and CGCS2000)."""
    parsed = parse_crs(crs)
    if parsed.kind in ("wgs84", "cgcs2000"):
        return findings
    shapes = geometries_from_wgs84(np.array([f.geometry for f in findings], object), parsed)
    return [dataclasses.replace(f, geometry=g) for f, g in zip(findings, shapes, strict=True)]


def bench_json(bench: Workbench, crs: str = "wgs84", lang: str | None = "zh") -> dict[str, Any]:
    """``{"plan", "areas", "findings"}``: the areas with ``area_m2``, findings with geometry.

    Geometry in ``crs``; the findings' messages in ``lang`` (``zh``, default, or ``en``).
    """
    collection = feature_collection(shown_in(bench.areas, crs))
    for feature, area in zip(collection["features"], bench.areas["area_m2"], strict=True):
        feature["properties"]["area_m2"] = round(float(area), 1)
    return {
        "plan": bench.plan.to_json(),
        "areas": collection,
        "findings": findings_to_json(_findings_in(bench.findings, crs), lang),
    }
