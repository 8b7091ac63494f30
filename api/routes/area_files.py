"""Stored areas as files people open: ``GET /areas.{geojson,gpkg,shp.zip,kml,csv}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.access import Public
from api.deps import Rt
from api.files import attachment, file_answer, safe_name
from gis.areas import parse_level
from gis.io import export_areas, export_table, parse_encoding, parse_export_format
from gis.usecases import boundaries
from gis.values import crs_of, optional_time

router = APIRouter(tags=["areas"])


@router.get(
    "/areas.{file_format}",
    response_class=Response,
    responses=file_answer(
        "the areas as a file (an attachment): code, name, level, parent_code, households,"
        " area_m2; a CSV also a point inside each and its WKT"
    ),
)
def areas_file(
    rt: Rt,
    _: Public,
    file_format: Annotated[str, Path(description="geojson | gpkg | shp.zip | kml | csv")],
    level: Annotated[str, Query(description="district | subdistrict | community | grid")] = "grid",
    scope: Annotated[str | None, Query(description="this code and everything below it")] = None,
    as_of: Annotated[str | None, Query(description="ISO time: boundaries valid then")] = None,
    crs: Annotated[
        str, Query(description="wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n (e.g. 4547)")
    ] = "wgs84",
    encoding: Annotated[
        str | None, Query(description="utf-8 (default) | gbk: a Shapefile's or a CSV's text")
    ] = None,
) -> Response:
    """The areas of one level (current, or valid at ``as_of``) as a file, in ``crs``.

    CGCS2000 files say EPSG:4490; GCJ-02 (AMap) and BD-09 (Baidu) have no EPSG code, so their
    files say EPSG:4326 with shifted coordinates. A CSV opens in Excel (UTF-8 with a BOM, or
    ``encoding=gbk``).
    """
    chosen_format = parse_export_format(file_format)
    chosen = parse_encoding(encoding, chosen_format)
    target, when = crs_of(crs), optional_time(as_of, "as_of")
    parsed = parse_level(level)
    found = boundaries.export_areas(rt, level=parsed, scope=scope, as_of=when)
    stamp = f"-{when:%Y%m%d}" if when else ""
    name = safe_name(f"areas-{parsed.value}-{scope or 'all'}{stamp}")
    content = export_areas(
        export_table(found), chosen_format, name=name, encoding=chosen, crs=target
    )
    return attachment(content, name, chosen_format, encoding=chosen)
