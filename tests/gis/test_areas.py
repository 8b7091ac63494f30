import pytest

from gis.areas import ORDER, Level, check_code, parent_code, parse_level
from gis.errors import CodeError, InvalidInput


@pytest.mark.parametrize(
    ("level", "digits"), [("district", 6), ("subdistrict", 9), ("community", 12), ("grid", 15)]
)
def test_code_lengths_follow_nbs_and_db11(level: str, digits: int) -> None:
    assert Level(level).digits == digits


def test_parent_chain_runs_one_level_up() -> None:
    assert [level.parent for level in ORDER] == [
        None,
        Level.DISTRICT,
        Level.SUBDISTRICT,
        Level.COMMUNITY,
    ]


@pytest.mark.parametrize("text", ["grid", "GRID", " 网格 ", "Grid"])
def test_parse_level_reads_english_and_chinese(text: str) -> None:
    assert parse_level(text) is Level.GRID


def test_parse_level_refuses_unknown_and_lists_choices() -> None:
    with pytest.raises(InvalidInput, match="expected one of district, subdistrict"):
        parse_level("county-ish")


@pytest.mark.parametrize(
    ("level", "code"),
    [(Level.GRID, "11010801001900"), (Level.COMMUNITY, "11010801001A"), (Level.DISTRICT, "")],
)
def test_check_code_refuses_wrong_format(level: Level, code: str) -> None:
    with pytest.raises(CodeError, match=f"not a {level.value} code"):
        check_code(level, code)


def test_parent_code_is_prefix_one_level_up() -> None:
    assert parent_code(Level.GRID, "110108010019001") == "110108010019"
    assert parent_code(Level.COMMUNITY, "110108010019") == "110108010"
    assert parent_code(Level.SUBDISTRICT, "110108010") == "110108"
    assert parent_code(Level.DISTRICT, "110108") is None
