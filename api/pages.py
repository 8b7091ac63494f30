"""Map pages drawn from the use cases' page data (`gis.usecases.pages`) by `maps/`.

Shared by the HTTP routes (``/maps/*.html``) and ``gridmap map``: parse → call → render, where
this module is the render step.
"""

from __future__ import annotations

from gis.usecases import pages
from gis.usecases.planning import PlanReview
from maps.base import MapOptions, Page
from maps.grids import grid_map, tiled_grid_map
from maps.hazards import hazard_map
from maps.planner import plan_map
from maps.stations import stations_map

MEASURES = pages.MEASURES


def grids(page: pages.GridsPage, options: MapOptions, facts_url: str = "") -> Page:
    """The grid map: outlines by level, labels, popups with the roster, a choropleth.

    The grids lacking a 网格长 or a 专职网格员 are outlined in a layer of their own. A
    ``tiled`` page is drawn from vector tiles, each tile's grids styled from ``facts_url``
    (``{z}/{y}/{x}``, served by `api.routes.maps`).
    """
    label = options.t(*MEASURES[page.measure]) if page.measure else ""
    if page.tiled:
        return tiled_grid_map(
            page.areas,
            options,
            levels=page.levels,
            facts_url=facts_url,
            measure=page.values,
            measure_label=label,
            unstaffed=len(page.unstaffed),
        )
    return grid_map(
        page.areas,
        options,
        open_incidents=page.open_incidents,
        measure=page.values,
        measure_label=label,
        staff=page.staff,
        unstaffed=[gap.code for gap in page.unstaffed],
    )


def hazards(page: pages.HazardsPage, options: MapOptions) -> Page:
    """The hazard map: incidents clustered by status, and a heat map."""
    names = {code: options.t(zh, en) for code, (zh, en) in page.categories.items()}
    return hazard_map(page.grids, page.incidents, options, category_names=names, tiled=page.tiled)


def plan(review: PlanReview, options: MapOptions) -> Page:
    """A plan's findings over its before/after outlines and moved pieces, headed by its note."""
    heading = f"{options.t('调整方案', 'Plan')} #{review.plan.id}"
    return plan_map(
        review.current,
        review.proposed,
        review.findings,
        review.diff.pieces,
        options,
        heading=heading,
        note=review.plan.note,
    )


def stations(page: pages.StationsPage, options: MapOptions) -> Page:
    """Stations with their circles and isochrones, and the uncovered areas of a type."""
    return stations_map(
        page.grids,
        page.stations,
        page.types,
        options,
        circles=page.circles,
        isochrones=page.isochrones,
        uncovered=page.uncovered,
        tiled=page.tiled,
    )
