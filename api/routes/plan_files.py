"""Plans as files for desktop GIS (QGIS, ArcGIS, Google Earth): ``GET /plans/{id}.{format}``.

The app includes this router before the plans router: ``/plans/{plan_id}`` would otherwise
take ``/plans/3.gpkg`` for a plan id and answer 422.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from api.access import requires
from api.deps import Id, Rt
from gis.identity.access import Acting
from gis.io import export_areas, export_table, parse_encoding, parse_export_format
from gis.plans import PlanRecord
from gis.usecases import planning

router = APIRouter(tags=["plans"])

MEDIA_TYPES = {
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
    "shp.zip": "application/zip",
    "kml": "application/vnd.google-earth.kml+xml",
}
"""The media type of each exported format (`gis.io.EXPORT_FORMATS`)."""

FILE_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the plan's areas as a file (an attachment): code, name, level,"
        " parent_code, households, households_source, area_m2 (a Shapefile shortens"
        " parent_code to parent_cd and households_source to hh_source)",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in MEDIA_TYPES.values()
        },
    }
}


def file_name(plan: PlanRecord) -> str:
    """``plan-12-110108010019``: the plan and its scope, in ASCII (anything else becomes ``_``)."""
    return re.sub(r"[^\w-]", "_", f"plan-{plan.id}-{plan.scope_code}", flags=re.ASCII)


@router.get("/plans/{plan_id:int}.{file_format}", response_class=Response, responses=FILE_ANSWER)
def plan_file(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:read")],
    plan_id: Id,
    file_format: Annotated[str, Path(description="gpkg | geojson | shp.zip | kml")],
    encoding: Annotated[
        str | None, Query(description="utf-8 (default) | gbk: a Shapefile's attributes")
    ] = None,
) -> Response:
    """A plan's areas as a GeoPackage, GeoJSON, zipped Shapefile or KML; outside its areas, 404."""
    chosen = parse_encoding(encoding, parse_export_format(file_format))
    plan, areas = planning.get_plan(rt, plan_id, acting=acting)
    name = file_name(plan)
    table = export_table(areas, level=plan.level, parent_code=plan.scope_code)
    content = export_areas(table, file_format, name=name, encoding=chosen)
    headers = {"Content-Disposition": f'attachment; filename="{name}.{file_format}"'}
    return Response(content, media_type=MEDIA_TYPES[file_format], headers=headers)
