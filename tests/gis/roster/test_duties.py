"""Duties: codes, Chinese names, levels (issue 13)."""

import pytest

from gis.errors import InvalidInput
from gis.roster.duties import DUTIES, check_duty_area, parse_duty, staffing_gaps


@pytest.mark.parametrize(
    ("given", "code"), [*((c, c) for c in DUTIES), *((z, c) for c, z in DUTIES.items())]
)
def test_issue13_every_duty_by_code_or_chinese_name(given: str, code: str) -> None:
    assert parse_duty(given) == code


def test_issue13_an_unknown_duty_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_duty("网格员", "row 7: duty")
    assert caught.value.detail.startswith("row 7: duty: unknown duty '网格员'; one of")
    assert all(
        code in caught.value.detail and zh in caught.value.detail for code, zh in DUTIES.items()
    )


@pytest.mark.parametrize(
    ("duty", "code"),
    [
        ("street_dispatcher", "110108010019"),
        ("community_secretary", "110108010019001"),
        ("grid_leader", "1101"),
    ],
)
def test_issue13_a_duty_on_an_area_of_the_wrong_level_is_refused(duty: str, code: str) -> None:
    with pytest.raises(InvalidInput, match="grid_code"):
        check_duty_area(duty, code)


def test_issue13_gaps_name_what_each_grid_lacks() -> None:
    gaps = staffing_gaps(
        [("g1", "一"), ("g2", "二")],
        [("g1", "full_time"), ("g2", "grid_leader"), ("g2", "full_time")],
    )
    assert [(g.code, g.missing, g.missing_zh) for g in gaps] == [("g1", ("grid_leader",), "网格长")]
