"""SQL for plans (redraw proposals) and their draft areas."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import Connection, delete, func, insert, select, text, update

from gis.crs import STORAGE_CRS, STORAGE_SRID
from gis.db.models import Plan, PlanArea, PlanStep
from gis.db.models import PlanNote as PlanNoteRow
from gis.errors import NotFound
from gis.geometry import polygonal_part
from gis.plans import COLUMNS, PlanNote, PlanRecord

_PLAN_COLUMNS = [getattr(Plan, f) for f in PlanRecord.__dataclass_fields__]


def scope_version(conn: Connection, *, scope_code: str, level: str) -> str:
    """Fingerprint of the current areas of ``level`` under ``scope_code`` (changes on writes)."""
    query = text(
        "SELECT md5(coalesce(string_agg(id::text, ',' ORDER BY id), '')) FROM areas "
        "WHERE level = :level AND valid_to IS NULL AND starts_with(code, :scope)"
    )
    return str(conn.execute(query, {"level": level, "scope": scope_code}).scalar_one())


def used_codes(conn: Connection, *, scope_code: str, level: str) -> set[str]:
    """Every code the areas of ``level`` under ``scope_code`` have had (current or retired)."""
    query = text(
        "SELECT DISTINCT code FROM areas WHERE level = :level AND starts_with(code, :scope)"
    )
    return {
        str(code) for code in conn.execute(query, {"level": level, "scope": scope_code}).scalars()
    }


def plan_version(conn: Connection, *, plan_id: int) -> int:
    """A number that moves whenever the plan's areas are replaced (every edit replaces them)."""
    query = text("SELECT coalesce(max(id), 0) FROM plan_areas WHERE plan_id = :plan_id")
    return int(conn.execute(query, {"plan_id": plan_id}).scalar_one())


def lock_scope(conn: Connection, *, scope_code: str) -> None:
    """Serialise publishes of one scope until the end of the transaction."""
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('scope:' || :scope))"), {"scope": scope_code}
    )


def insert_plan(
    conn: Connection, *, scope_code: str, level: str, base_version: str, note: str
) -> int:
    """A new draft plan; returns its id."""
    statement = (
        insert(Plan)
        .values(scope_code=scope_code, level=level, base_version=base_version, note=note)
        .returning(Plan.id)
    )
    return int(conn.execute(statement).scalar_one())


def replace_plan_areas(conn: Connection, *, plan_id: int, areas: gpd.GeoDataFrame) -> None:
    """Set the plan's areas (code, name, households, population, attributes, geometry)."""
    conn.execute(delete(PlanArea).where(PlanArea.plan_id == plan_id))
    if areas.empty:
        return
    rows = [
        {
            "plan_id": plan_id,
            "code": str(row.code),
            "name": str(row.name),
            "geom": _wkb(row.geometry),
            "households": _whole(row.households),
            "population": _whole(getattr(row, "population", None)),
            "attributes": getattr(row, "attributes", None) or {},
        }
        for row in areas.itertuples()
    ]
    conn.execute(insert(PlanArea), rows)


def _wkb(geometry: shapely.Geometry | None) -> Any:
    """A draft area's polygons (None when it has none: the checks report it)."""
    if geometry is None or shapely.is_empty(geometry):
        return None
    polygons = polygonal_part(geometry)
    return None if polygons.is_empty else from_shape(polygons, srid=STORAGE_SRID)


def _whole(value: object) -> int | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return int(value)  # type: ignore[call-overload]


def get_plan(conn: Connection, *, plan_id: int, for_update: bool = False) -> PlanRecord:
    """One plan, or `NotFound`; ``for_update`` locks its row until the transaction ends."""
    query = select(*_PLAN_COLUMNS).where(Plan.id == plan_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound(f"plan: no plan {plan_id}")
    return PlanRecord(*row)


def find_plans(
    conn: Connection, *, scope: str | None = None, status: str | None = None
) -> list[PlanRecord]:
    """Plans, newest first, optionally of one scope and one status."""
    query = select(*_PLAN_COLUMNS).order_by(Plan.id.desc())
    if scope is not None:
        query = query.where(Plan.scope_code == scope)
    if status is not None:
        query = query.where(Plan.status == status)
    return [PlanRecord(*row) for row in conn.execute(query)]


def delete_plan(conn: Connection, *, plan_id: int) -> None:
    """Delete a plan and its areas (the caller checked it is a draft)."""
    conn.execute(delete(Plan).where(Plan.id == plan_id))


def plan_areas(conn: Connection, *, plan_id: int) -> gpd.GeoDataFrame:
    """The plan's areas in EPSG:4326, ordered by code."""
    query = (
        select(
            PlanArea.code,
            PlanArea.name,
            PlanArea.households,
            PlanArea.population,
            PlanArea.attributes,
            func.ST_AsBinary(PlanArea.geom).label("wkb"),
        )
        .where(PlanArea.plan_id == plan_id)
        .order_by(PlanArea.code, PlanArea.id)
    )
    frame = pd.DataFrame(
        [dict(r._mapping) for r in conn.execute(query)],
        columns=[*COLUMNS[:-1], "wkb"],
    )
    geoms = [shapely.from_wkb(bytes(w)) if w is not None else None for w in frame.pop("wkb")]
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=STORAGE_CRS))


def mark_published(
    conn: Connection, *, plan_id: int, override_reason: str | None, check_summary: dict[str, Any]
) -> None:
    """Record the publication (time, any override, the check summary)."""
    conn.execute(
        update(Plan)
        .where(Plan.id == plan_id)
        .values(
            status="published",
            published_at=func.now(),
            override_reason=override_reason,
            check_summary=check_summary,
        )
    )


UNDO_DEPTH = 50
"""How many steps of a draft can be undone (older ones are forgotten)."""


def _snapshot(areas: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    rows = areas[[*COLUMNS[:-1]]].astype(object).where(areas[[*COLUMNS[:-1]]].notna(), None)
    geoms = [None if g is None else shapely.to_wkb(g, hex=True) for g in areas.geometry]
    return [{**row, "wkb": wkb} for row, wkb in zip(rows.to_dict("records"), geoms, strict=True)]


def _restored(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=[*COLUMNS[:-1], "wkb"])
    geoms = [None if w is None else shapely.from_wkb(w) for w in frame.pop("wkb")]
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=STORAGE_CRS))


def push_step(
    conn: Connection, *, plan_id: int, stack: str, op: str, areas: gpd.GeoDataFrame
) -> None:
    """Put the areas on a stack of the plan (keeping the newest `UNDO_DEPTH`)."""
    conn.execute(
        insert(PlanStep).values(plan_id=plan_id, stack=stack, op=op, areas=_snapshot(areas))
    )
    conn.execute(
        text(
            "DELETE FROM plan_steps WHERE plan_id = :p AND stack = :s AND id NOT IN "
            "(SELECT id FROM plan_steps WHERE plan_id = :p AND stack = :s "
            "ORDER BY id DESC LIMIT :keep)"
        ),
        {"p": plan_id, "s": stack, "keep": UNDO_DEPTH},
    )


def pop_step(conn: Connection, *, plan_id: int, stack: str) -> tuple[str, gpd.GeoDataFrame] | None:
    """Take the newest snapshot off a stack: its operation and areas (None: the stack is empty)."""
    row = conn.execute(
        text(
            "DELETE FROM plan_steps WHERE id = (SELECT max(id) FROM plan_steps "
            "WHERE plan_id = :p AND stack = :s) RETURNING op, areas"
        ),
        {"p": plan_id, "s": stack},
    ).first()
    return None if row is None else (row.op, _restored(row.areas))


def clear_steps(conn: Connection, *, plan_id: int, stack: str) -> None:
    """Empty a stack of the plan (a new edit forgets what was undone)."""
    conn.execute(delete(PlanStep).where(PlanStep.plan_id == plan_id, PlanStep.stack == stack))


def set_status(conn: Connection, *, plan_id: int, status: str) -> None:
    """Set a plan's status (``draft`` ↔ ``submitted``; publishing has `mark_published`)."""
    conn.execute(update(Plan).where(Plan.id == plan_id).values(status=status))


_NOTE_COLUMNS = [getattr(PlanNoteRow, f) for f in PlanNote.__dataclass_fields__]


def insert_note(conn: Connection, *, plan_id: int, author: str, kind: str, text: str) -> PlanNote:
    """Add a note to a plan (``kind``: note, submitted, returned, published); the note."""
    statement = (
        insert(PlanNoteRow)
        .values(plan_id=plan_id, author=author, kind=kind, text=text)
        .returning(*_NOTE_COLUMNS)
    )
    return PlanNote(*conn.execute(statement).one())


def plan_notes(conn: Connection, *, plan_id: int) -> list[PlanNote]:
    """The notes of a plan, oldest first."""
    query = select(*_NOTE_COLUMNS).where(PlanNoteRow.plan_id == plan_id).order_by(PlanNoteRow.id)
    return [PlanNote(*row) for row in conn.execute(query)]
