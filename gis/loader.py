"""What a load would do: compare incoming areas with the current ones (pure, no database).

A load never overwrites: a changed area retires its current version (``valid_to``) and a new
version is inserted. The plan is computed first so that a dry run can print it and a commit
can apply exactly it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from gis.areas import Level, parent_code
from gis.errors import Conflict, UnknownParent

GEOMETRY_TOLERANCE_DEG = 1e-9  # ~0.1 mm: below this two boundaries are the same
COMPARED = ("name", "households", "population", "attributes")


@dataclass
class LoadPlan:
    """Codes to add, change (retire + insert), retire, and leave alone, plus the new rows."""

    level: Level
    incoming: gpd.GeoDataFrame
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    @property
    def to_insert(self) -> gpd.GeoDataFrame:
        """Rows that become new current versions (added and changed)."""
        wanted = set(self.added) | set(self.changed)
        return self.incoming[self.incoming["code"].isin(wanted)]

    @property
    def to_retire(self) -> list[str]:
        """Codes whose current version gets ``valid_to`` (changed and retired)."""
        return sorted(set(self.changed) | set(self.retired))

    @property
    def is_empty(self) -> bool:
        """True when committing would change nothing."""
        return not (self.added or self.changed or self.retired)

    def summary(self) -> str:
        """One line: how many would be added, changed, retired and left unchanged."""
        return (
            f"{self.level.value}: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.retired)} retired, {len(self.unchanged)} unchanged"
        )


def _plain(value: object) -> object:
    """Comparable form: missing → None, integral floats → int (pandas turns NULL ints to NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def same_area(new: pd.Series, old: pd.Series) -> bool:
    """True when two versions have equal attributes and boundaries (to 0.1 mm)."""
    if any(_plain(new[column]) != _plain(old[column]) for column in COMPARED):
        return False
    a_geom, b_geom = shapely.normalize(new.geometry), shapely.normalize(old.geometry)
    return bool(shapely.equals_exact(a_geom, b_geom, tolerance=GEOMETRY_TOLERANCE_DEG))


def check_parents(incoming: gpd.GeoDataFrame, level: Level, parents: set[str]) -> None:
    """Every area's parent (its code's prefix one level up) must be a current area."""
    if level.parent is None:
        return
    for position, code in enumerate(incoming["code"]):
        parent = parent_code(level, code)
        if parent not in parents:
            raise UnknownParent(
                f"feature {position + 1} (code {code}): field code: parent {level.parent.value} "
                f"{parent} does not exist; load the {level.parent.value} level first"
            )


def plan_load(
    incoming: gpd.GeoDataFrame,
    current: gpd.GeoDataFrame,
    *,
    level: Level,
    retire_missing: bool = False,
    with_children: set[str] | None = None,
) -> LoadPlan:
    """Compare ``incoming`` with the ``current`` areas of ``level``.

    With ``retire_missing``, current areas under the same parents as the incoming ones but
    absent from the file are retired; retiring an area that still has current children
    (codes in ``with_children``) is refused.
    """
    plan = LoadPlan(level=level, incoming=incoming)
    old = current.set_index("code") if not current.empty else current
    for _, row in incoming.iterrows():
        if row["code"] not in old.index:
            plan.added.append(row["code"])
        elif same_area(row, old.loc[row["code"]]):
            plan.unchanged.append(row["code"])
        else:
            plan.changed.append(row["code"])
    if retire_missing:
        plan.retired = _missing(incoming, current, level)
        blocked = sorted(set(plan.retired) & (with_children or set()))
        if blocked:
            raise Conflict(
                f"retire_missing: {', '.join(blocked)} still have current children; "
                "retire or move them first"
            )
    return plan


def _missing(incoming: gpd.GeoDataFrame, current: gpd.GeoDataFrame, level: Level) -> list[str]:
    if current.empty:
        return []
    parents = {parent_code(level, code) for code in incoming["code"]}
    under = current[current["code"].map(lambda c: parent_code(level, c) in parents)]
    return sorted(set(under["code"]) - set(incoming["code"]))
