"""The planner's workbench: its page, and the reads only it needs (the draft now, the context)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.access import requires
from api.deps import Id, Rt
from api.plan_json import DrawCrs, Lang, bench_json, shown_in
from api.schemas import answer
from gis.checks import parse_lang
from gis.identity.access import Acting
from gis.usecases import planning, workbench
from maps.base import map_options
from maps.editor import EditorSettings, editor_csp, editor_page
from maps.plan_list import CSP as PLANS_CSP
from maps.plan_list import plans_page

router = APIRouter(tags=["plans"])


@router.get("/maps/plans/{plan_id}/edit.html", response_class=HTMLResponse, tags=["maps"])
def editor(
    request: Request,
    rt: Rt,
    acting: Annotated[Acting, requires("plans:write")],
    plan_id: Id,
    lang: Annotated[str | None, Query(description="zh (default) | en")] = None,
    basemap: Annotated[
        str | None, Query(description="none (default) | osm | tianditu | amap")
    ] = None,
    tk: str | None = None,
) -> HTMLResponse:
    """The workbench: merge, split, paint blocks, move, reshape, undo; findings and balance.

    With ``basemap=amap`` the page draws and edits in GCJ-02; the API converts both ways.
    """
    options = map_options(lang, basemap, tk or rt.maps.tianditu_tk)
    facts = workbench.editor_facts(rt, plan_id, acting=acting)
    settings = EditorSettings(
        plan_id=facts.plan.id,
        login=acting.login,
        csrf=getattr(request.state, "csrf", None) or "",
        options=options,
        households_min=facts.households_min,
        households_max=facts.households_max,
        may_publish=facts.may_publish,
    )
    headers = {"Content-Security-Policy": editor_csp(options.basemap), "Cache-Control": "no-store"}
    return HTMLResponse(editor_page(settings), headers=headers)


@router.get("/maps/plans.html", response_class=HTMLResponse, tags=["maps"])
def plans(
    request: Request, rt: Rt, acting: Annotated[Acting, requires("plans:read")]
) -> HTMLResponse:
    """The caller's plans with links to their maps and workbenches, and a new-draft form."""
    index = workbench.plan_index(rt, acting=acting)
    page = plans_page(
        index.plans,
        index.scopes,
        login=acting.login,
        csrf=getattr(request.state, "csrf", None) or "",
    )
    return HTMLResponse(
        page, headers={"Content-Security-Policy": PLANS_CSP, "Cache-Control": "no-store"}
    )


@router.get(
    "/plans/{plan_id}/workbench",
    responses=answer(dict[str, Any], "the plan, its grids (households, area_m2) and findings"),
)
def draft_now(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:read")],
    plan_id: Id,
    crs: DrawCrs = "wgs84",
    lang: Lang = None,
) -> Any:
    """The plan as the workbench shows it: the same document an operation answers with."""
    lang = parse_lang(lang)
    return bench_json(planning.workbench(rt, plan_id, acting=acting), crs, lang)


@router.get(
    "/plans/{plan_id}/context",
    responses=answer(dict[str, Any], "address points (households) around the plan's grids"),
)
def context(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:read")],
    plan_id: Id,
    crs: DrawCrs = "wgs84",
) -> Any:
    """The registry's address points around the plan, with their households (no names)."""
    points = workbench.context(rt, plan_id, acting=acting)
    return {"addresses": shown_in(points, crs).to_geo_dict(drop_id=True)}
