"""The posts people hold on areas (网格长, 专职网格员 …): their codes, names and levels.

A grid is staffed "1+3+M+X": one leader, full-time and part-time workers, M staff sent down
from departments (下沉力量, with their department) and X volunteers. Communities have their
secretary and director, a subdistrict (街道) its dispatcher.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gis.areas import CODE_DIGITS, Level
from gis.errors import InvalidInput

DUTIES: dict[str, str] = {
    "grid_leader": "网格长",
    "full_time": "专职网格员",
    "part_time": "兼职网格员",
    "seconded": "下沉力量",
    "volunteer": "志愿者",
    "community_secretary": "社区书记",
    "community_director": "社区主任",
    "street_dispatcher": "街道派单员",
}
"""Every duty: its code (as stored) and its Chinese name, in the order listings use."""

DUTY_LEVELS: dict[str, tuple[Level, ...]] = {
    "grid_leader": (Level.GRID,),
    "full_time": (Level.GRID,),
    "part_time": (Level.GRID,),
    "seconded": (Level.GRID, Level.COMMUNITY),
    "volunteer": (Level.GRID, Level.COMMUNITY),
    "community_secretary": (Level.COMMUNITY,),
    "community_director": (Level.COMMUNITY,),
    "street_dispatcher": (Level.SUBDISTRICT,),
}
"""The levels of area each duty is held on."""

STAFFED_BY = ("grid_leader", "full_time")
"""The duties every grid needs (`gridmap roster check` lists grids lacking one)."""


def parse_duty(value: object, field: str = "duty") -> str:
    """A duty's code from its code (any case) or its Chinese name; unknown ones list the valid.

    Examples
    --------
    >>> parse_duty("专职网格员"), parse_duty(" Grid_Leader ")
    ('full_time', 'grid_leader')
    >>> parse_duty("网格助理")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: duty: unknown duty '网格助理'; one of grid_leader (网格长), ...
    >>> parse_duty(None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: duty: missing; one of grid_leader (网格长), ...
    """
    text = "" if value is None else str(value).strip()
    code = text.lower()
    if code in DUTIES:
        return code
    for found, zh in DUTIES.items():
        if text == zh:
            return found
    valid = ", ".join(f"{code} ({zh})" for code, zh in DUTIES.items())
    said = f"unknown duty {text!r}" if text else "missing"
    raise InvalidInput(f"{field}: {said}; one of {valid}")


def duty_name(code: str) -> str:
    """The Chinese name of a duty.

    Examples
    --------
    >>> duty_name("seconded")
    '下沉力量'
    """
    return DUTIES[code]


def duty_rank(code: str) -> int:
    """Where a duty comes in listings (`DUTIES` order).

    Examples
    --------
    >>> duty_rank("grid_leader") < duty_rank("volunteer")
    True
    """
    return list(DUTIES).index(code)


def level_of(code: str) -> Level | None:
    """The level of an area code by its length (None when no level has that many digits).

    Examples
    --------
    >>> level_of("110108010019001"), level_of("110108010"), level_of("11")
    (<Level.GRID: 'grid'>, <Level.SUBDISTRICT: 'subdistrict'>, None)
    """
    if not code.isdigit():
        return None
    return next((level for level, digits in CODE_DIGITS.items() if len(code) == digits), None)


def check_duty_area(duty: str, area_code: str, field: str = "grid_code") -> str:
    """``area_code`` when the duty is held on an area of its level; refused otherwise.

    Examples
    --------
    >>> check_duty_area("street_dispatcher", "110108010")
    '110108010'
    >>> check_duty_area("full_time", "110108010019")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: grid_code: 专职网格员 (full_time) is held on a grid, ...
    """
    level = level_of(area_code)
    levels = DUTY_LEVELS[duty]
    if level is None:
        raise InvalidInput(f"{field}: {area_code!r} is not an area code")
    if level not in levels:
        wanted = " or ".join(lv.value for lv in levels)
        raise InvalidInput(
            f"{field}: {DUTIES[duty]} ({duty}) is held on a {wanted}, "
            f"not on {level.value} {area_code}"
        )
    return area_code


@dataclass(frozen=True)
class GridGap:
    """A grid lacking one of the duties every grid needs (`STAFFED_BY`)."""

    code: str
    name: str
    missing: tuple[str, ...]

    @property
    def missing_zh(self) -> str:
        """The missing duties in Chinese, joined.

        Examples
        --------
        >>> GridGap("110108010019001", "第01网格", ("grid_leader", "full_time")).missing_zh
        '网格长、专职网格员'
        """
        return "、".join(DUTIES[duty] for duty in self.missing)


def staffing_gaps(
    grids: Sequence[tuple[str, str]], held: Iterable[tuple[str, str]]
) -> list[GridGap]:
    """The grids (code, name) lacking a duty of `STAFFED_BY`, given the (area, duty) held.

    Examples
    --------
    >>> grids = [("110108010019001", "第01网格"), ("110108010019002", "第02网格")]
    >>> held = [("110108010019001", "grid_leader"), ("110108010019001", "full_time"),
    ...         ("110108010019002", "part_time")]
    >>> staffing_gaps(grids, held)  # doctest: +NORMALIZE_WHITESPACE
    [GridGap(code='110108010019002', name='第02网格', missing=('grid_leader', 'full_time'))]
    """
    have = set(held)
    gaps = []
    for code, name in grids:
        missing = tuple(duty for duty in STAFFED_BY if (code, duty) not in have)
        if missing:
            gaps.append(GridGap(code, name, missing))
    return gaps
