"""Area levels and codes: 区/县 → 街道/乡镇 → 社区/村 → 网格.

Codes follow the national statistical division codes (国家统计局 统计用区划代码): 6 digits
for a district, 9 for a subdistrict, 12 for a community; a grid code is its community's 12
digits plus a 3-digit sequence (15 digits, DB11/T 2157-2023). A code therefore starts with its
parent's code, which is how parents are found.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from gis.errors import CodeError, InvalidInput

if TYPE_CHECKING:
    from gis.values import BBox


class Level(StrEnum):
    """An administrative level, from the largest to the smallest."""

    DISTRICT = "district"
    SUBDISTRICT = "subdistrict"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def digits(self) -> int:
        """Length of a code at this level.

        Examples
        --------
        >>> Level.GRID.digits
        15
        """
        return CODE_DIGITS[self]

    @property
    def parent(self) -> Level | None:
        """The level one up, or None for a district.

        Examples
        --------
        >>> Level.COMMUNITY.parent
        <Level.SUBDISTRICT: 'subdistrict'>
        >>> Level.DISTRICT.parent is None
        True
        """
        index = ORDER.index(self)
        return ORDER[index - 1] if index else None

    @property
    def label_zh(self) -> str:
        """Chinese name of the level."""
        return LABELS_ZH[self]

    @property
    def label_en(self) -> str:
        """English name of the level.

        Examples
        --------
        >>> Level.SUBDISTRICT.label_en, Level.SUBDISTRICT.label_zh
        ('Subdistrict', '街道/乡镇')
        """
        return self.value.capitalize()


ORDER: tuple[Level, ...] = (Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY, Level.GRID)
CODE_DIGITS = {Level.DISTRICT: 6, Level.SUBDISTRICT: 9, Level.COMMUNITY: 12, Level.GRID: 15}
LABELS_ZH = {
    Level.DISTRICT: "区/县",
    Level.SUBDISTRICT: "街道/乡镇",
    Level.COMMUNITY: "社区/村",
    Level.GRID: "网格",
}
_DIGITS = re.compile(r"\d+")
# the fields of one stored version of an area (besides its id and geometry)
AREA_FIELDS = (
    "level",
    "code",
    "name",
    "parent_code",
    "households",
    "population",
    "attributes",
    "valid_from",
    "valid_to",
)


def parse_level(value: str) -> Level:
    """Read a level name (English or Chinese).

    Examples
    --------
    >>> parse_level("Grid")
    <Level.GRID: 'grid'>
    >>> parse_level("社区")
    <Level.COMMUNITY: 'community'>
    """
    text = value.strip().lower()
    for level in ORDER:
        if text == level.value or text in level.label_zh.split("/"):
            return level
    names = ", ".join(level.value for level in ORDER)
    raise InvalidInput(f"level: unknown level {value!r}; expected one of {names}")


def check_code(level: Level, code: str) -> str:
    """Return ``code`` when it has the digits of ``level``, else raise `CodeError`.

    Examples
    --------
    >>> check_code(Level.SUBDISTRICT, "110108010")
    '110108010'
    >>> check_code(Level.GRID, "1101")
    Traceback (most recent call last):
    ...
    gis.errors.CodeError: code: '1101' is not a grid code (expected 15 digits, got 4 characters)
    """
    if not (_DIGITS.fullmatch(code) and len(code) == level.digits):
        raise CodeError(
            f"code: {code!r} is not a {level.value} code "
            f"(expected {level.digits} digits, got {len(code)} characters)"
        )
    return code


def parent_code(level: Level, code: str) -> str | None:
    """The code of the parent area (the code's prefix one level up), None for districts.

    Examples
    --------
    >>> parent_code(Level.GRID, "110108010019001")
    '110108010019'
    >>> parent_code(Level.DISTRICT, "110108") is None
    True
    """
    parent = level.parent
    return code[: parent.digits] if parent else None


def child_level(code: str) -> Level:
    """The level of the areas directly under the area with ``code`` (by its length).

    Examples
    --------
    >>> child_level("110108010019"), child_level("110108010")
    (<Level.GRID: 'grid'>, <Level.COMMUNITY: 'community'>)
    """
    for parent, child in itertools.pairwise(ORDER):
        if len(code) == parent.digits:
            return child
    raise CodeError(f"scope: {code!r} is not a district, subdistrict or community code")


@dataclass(frozen=True)
class AreaQuery:
    """Which areas: valid at ``as_of`` (None: the current ones), filtered, at most ``limit``.

    ``scope`` keeps the area with that code and everything below it; ``name`` those of that
    name; ``bbox`` keeps areas that intersect it; ``offset`` skips that many, by level and code.
    """

    level: Level | None = None
    parent: str | None = None
    scope: str | None = None
    codes: list[str] | None = None
    name: str | None = None
    bbox: BBox | None = None
    as_of: datetime | None = None
    limit: int | None = None
    offset: int = 0
