"""Phones, party flags and roster rows (issue 13)."""

import pytest

from gis.errors import InvalidInput
from gis.roster.changes import plan_roster
from gis.roster.people import PersonIn, RosterRow, parse_phone, parse_row

GRID = "110108010019001"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("13900000001", "13900000001"),
        ("139 0000 0001", "13900000001"),
        ("139-0000-0001", "13900000001"),
        ("+8613900000001", "13900000001"),
        ("86 139 0000 0001", "13900000001"),
        ("010-62731234", "010-62731234"),
        ("01062731234", "010-62731234"),
        ("021 5555 6666", "021-55556666"),
        ("0571-8888888", "0571-8888888"),
        ("0755-88889999", "0755-88889999"),
    ],
)
def test_issue13_mobiles_and_landlines(given: str, stored: str) -> None:
    assert parse_phone(given) == stored


@pytest.mark.parametrize(
    "bad",
    ["12345678901", "1390000000", "139000000011", "62731234", "010-123", "abc", "+1 415 555 0100"],
)
def test_issue13_a_bad_phone_names_the_row_and_field_masked(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_phone(bad, "row 9: phone")
    assert caught.value.detail.startswith("row 9: phone: ")
    if len(bad) >= 11:
        assert bad not in caught.value.detail


def test_issue13_a_row_reads_every_field() -> None:
    row = parse_row(
        {
            "name": " 赵敏 ", "phone": "13900000004", "duty": "下沉力量", "grid_code": GRID,
            "login": "zhao", "unit": "城管执法队", "department": "城管", "party_member": "是",
        },
        5,
    )  # fmt: skip
    assert row == RosterRow(
        5, PersonIn("赵敏", "13900000004", "zhao", "城管执法队", True), "seconded", GRID, "城管"
    )


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"name": "张伟", "duty": "网格长"}, "row 3: grid_code: missing"),
        (
            {"name": "张伟", "duty": "网格长", "grid_code": GRID, "department": "城管"},
            "row 3: department: only",
        ),
        (
            {"name": "张伟", "duty": "网格长", "grid_code": GRID, "party_member": "也许"},
            "row 3: party_member:",
        ),
        ({"name": "张伟", "duty": "", "grid_code": GRID}, "row 3: duty: missing"),
    ],
)
def test_issue13_a_bad_row_names_its_row_and_field(data: dict[str, str], said: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_row(data, 3)
    assert caught.value.detail.startswith(said)


def test_issue13_rows_of_one_login_must_agree() -> None:
    rows = [
        RosterRow(2, PersonIn("王五", "13900000001", "wang"), "full_time", GRID),
        RosterRow(3, PersonIn("王五", "13900000002", "wang"), "volunteer", GRID),
    ]
    with pytest.raises(InvalidInput, match=r"row 3: phone: 139\*\*\*\*0002 differs from row 2"):
        plan_roster(rows, [], [])
