"""Plans (redraw proposals) as records, and what a plan may hold: areas of its scope's level."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import geopandas as gpd
import shapely

from gis import clock
from gis.areas import Level
from gis.crs import STORAGE_CRS
from gis.errors import InvalidInput

COLUMNS = ["code", "name", "households", "population", "attributes", "geometry"]
"""The columns of a plan's areas."""


@dataclass(frozen=True)
class PlanRecord:
    """A plan's header row."""

    id: int
    scope_code: str
    level: str
    status: str
    base_version: str
    note: str
    created_at: datetime
    published_at: datetime | None
    override_reason: str | None
    check_summary: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "id": self.id,
            "scope_code": self.scope_code,
            "level": self.level,
            "status": self.status,
            "base_version": self.base_version,
            "note": self.note,
            "created_at": clock.iso(self.created_at),
            "published_at": clock.iso(self.published_at) if self.published_at else None,
            "override_reason": self.override_reason,
            "check_summary": self.check_summary,
        }


@dataclass(frozen=True)
class Scope:
    """The area whose children a plan redraws."""

    code: str
    level: Level  # the level of the plan's areas (one below the scope's)
    geometry: shapely.Geometry
    households: int | None = None  # the scope's own figure (for a first drawing of its areas)

    def as_frame(self) -> gpd.GeoDataFrame:
        """The scope as a one-row table of areas (``code``, ``households``, geometry)."""
        return gpd.GeoDataFrame(
            {"code": [self.code], "households": [self.households]},
            geometry=[self.geometry],
            crs=STORAGE_CRS,
        )


def check_in_scope(areas: gpd.GeoDataFrame, scope: Scope) -> None:
    """Refuse areas whose code is not under the scope, or that lie entirely outside it."""
    for position, (code, geometry) in enumerate(zip(areas["code"], areas.geometry, strict=True)):
        label = f"feature {position + 1} (code {code})"
        if not str(code).startswith(scope.code):
            raise InvalidInput(f"{label}: field code: not in scope {scope.code}")
        if (
            geometry is not None
            and not geometry.is_empty
            and not shapely.intersects(shapely.make_valid(geometry), scope.geometry)
        ):
            raise InvalidInput(f"{label}: field geometry: entirely outside scope {scope.code}")


NOTE_KINDS = ("note", "submitted", "returned", "published")
"""What a plan note records: a planner's note, or a step of the review."""

NOTE_LIMIT = 2000
"""The most characters a plan note may have (the store refuses more too)."""


@dataclass(frozen=True)
class PlanNote:
    """Something said about a plan: by whom (a login), when, and at which step (``kind``)."""

    id: int
    plan_id: int
    author: str
    created_at: datetime
    text: str
    kind: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields (the time in ISO 8601 with its offset)."""
        return {
            "id": self.id,
            "plan_id": self.plan_id,
            "author": self.author,
            "created_at": clock.iso(self.created_at),
            "text": self.text,
            "kind": self.kind,
        }


def note_text(value: str | None, *, field: str = "text", required: bool = True) -> str:
    """A note's text, stripped: 1 to `NOTE_LIMIT` characters (empty allowed if not required).

    The refusal says how long the text was, never what it said.

    Examples
    --------
    >>> note_text("  请复核第3网格  ")
    '请复核第3网格'
    >>> note_text(None, field="note", required=False)
    ''
    >>> note_text("   ")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: text: a note needs some text (1 to 2000 characters)
    >>> note_text("x" * 2001, field="note")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: note: 2001 characters; at most 2000
    """
    said = (value or "").strip()
    if not said and required:
        raise InvalidInput(f"{field}: a note needs some text (1 to {NOTE_LIMIT} characters)")
    if len(said) > NOTE_LIMIT:
        raise InvalidInput(f"{field}: {len(said)} characters; at most {NOTE_LIMIT}")
    return said
