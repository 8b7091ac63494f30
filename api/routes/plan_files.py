"""Plans as files for desktop GIS (QGIS, ArcGIS, Google Earth): ``GET /plans/{id}.{format}``.

The app includes this router before the plans router: ``/plans/{plan_id}`` would otherwise
take ``/plans/3.gpkg`` for a plan id and answer 422.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.access import requires
from api.deps import Id, Rt
from api.files import attachment, file_answer, safe_name
from gis.identity.access import Acting
from gis.io import export_areas, export_table, parse_encoding, parse_export_format
from gis.plans import PlanRecord
from gis.usecases import planning
from gis.values import crs_of

router = APIRouter(tags=["plans"])

FILE_ANSWER = file_answer(
    "the plan's areas as a file (an attachment): code, name, level, parent_code, households,"
    " households_source, area_m2 (a Shapefile shortens parent_code to parent_cd and"
    " households_source to hh_source); a CSV also a point inside each and its WKT"
)


def file_name(plan: PlanRecord) -> str:
    """``plan-12-110108010019``: the plan and its scope, in ASCII (anything else becomes ``_``)."""
    return safe_name(f"plan-{plan.id}-{plan.scope_code}")


@router.get("/plans/{plan_id:int}.{file_format}", response_class=Response, responses=FILE_ANSWER)
def plan_file(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:read")],
    plan_id: Id,
    file_format: Annotated[str, Path(description="gpkg | geojson | shp.zip | kml | csv")],
    encoding: Annotated[
        str | None, Query(description="utf-8 (default) | gbk: a Shapefile's or a CSV's text")
    ] = None,
    crs: Annotated[str, Query(description="wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n")] = "wgs84",
) -> Response:
    """A plan's areas as GeoPackage, GeoJSON, zipped Shapefile, KML or CSV; outside its areas, 404.

    Coordinates in ``crs`` (CGCS2000 says EPSG:4490; GCJ-02 for AMap is shifted, EPSG:4326).
    """
    chosen = parse_encoding(encoding, parse_export_format(file_format))
    plan, areas = planning.get_plan(rt, plan_id, acting=acting)
    name = file_name(plan)
    table = export_table(areas, level=plan.level, parent_code=plan.scope_code)
    content = export_areas(table, file_format, name=name, encoding=chosen, crs=crs_of(crs))
    return attachment(content, name, file_format, encoding=chosen)
