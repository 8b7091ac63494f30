"""Place names from the national code lists: their forms, the shipped file, prefix splitting."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gis.places import (
    DEFAULT_PLACES,
    Places,
    default_places,
    derive_names,
    read_names,
    variants,
)

CODES = Path(__file__).parents[2].parent / "shared" / "data" / "admin_divisions"


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("嘉峪关市", ["嘉峪关市", "嘉峪关"]),
        ("钢城街道", ["钢城街道", "钢城"]),
        ("石油大院社区居委会", ["石油大院社区居委会", "石油大院社区", "石油大院"]),
        ("城关村村民委员会", ["城关村村民委员会", "城关村", "城关"]),
        ("县府街居民委员会", ["县府街居民委员会", "县府街"]),
        ("肃南裕固族自治县", ["肃南裕固族自治县", "肃南裕固族", "肃南"]),
        ("新疆维吾尔自治区", ["新疆维吾尔自治区", "新疆维吾尔", "新疆"]),
        ("伊犁哈萨克自治州", ["伊犁哈萨克自治州", "伊犁哈萨克", "伊犁"]),
        ("内蒙古自治区", ["内蒙古自治区", "内蒙古"]),  # not 内: a form keeps two characters
        ("六盘水市", ["六盘水市", "六盘水"]),  # 水 is an ethnic name only before 自治 or 族
        ("城区", ["城区"]),
        ("市辖区", ["市辖区"]),
    ],
)
def test_a_name_is_known_with_and_without_its_suffix(name: str, forms: list[str]) -> None:
    assert [form for form, _ in variants(name)] == forms


def test_only_forms_without_their_suffix_are_bare() -> None:
    assert variants("城关村村民委员会") == [
        ("城关村村民委员会", False),
        ("城关村", False),
        ("城关", True),
    ]


def test_the_shipped_file_is_derived_from_the_code_lists() -> None:
    assert read_names(DEFAULT_PLACES) == derive_names(CODES)


def test_the_shipped_file_is_small_and_complete_above_the_towns() -> None:
    names = read_names(DEFAULT_PLACES)
    assert DEFAULT_PLACES.stat().st_size < 1_000_000
    by_digits = {n: sum(len(code) == n for code, _ in names) for n in (2, 4, 6)}
    assert by_digits == {2: 31, 4: 338, 6: 2978}  # 342 cities less 4 直辖 aggregates
    assert {code[:6] for code, _ in names if len(code) >= 9} == {
        "110108",
        "620201",
        "620722",
        "150302",
        "620821",
        "360881",
    }


@pytest.mark.parametrize(
    ("address", "stripped", "rest"),
    [
        ("甘肃省嘉峪关市钢城街道五一路8号", ("甘肃省", "嘉峪关市", "钢城街道"), "五一路8号"),
        ("北京市北京市海淀区学院路18号", ("北京市", "北京市", "海淀区"), "学院路18号"),
        ("北京市嘉峪关市五一路8号", ("北京市",), "嘉峪关市五一路8号"),  # not a city of 北京
        ("中国甘肃省民乐县民乐路12号", ("中国", "甘肃省", "民乐县"), "民乐路12号"),
        ("中国农业大学东校区住宅1号楼", (), "中国农业大学东校区住宅1号楼"),
        ("荔堡安定街2号", (), "荔堡安定街2号"),  # a bare town name needs its county first
        ("泾川荔堡安定街2号", ("泾川", "荔堡"), "安定街2号"),
    ],
)
def test_prefixes_go_province_to_town_each_below_the_last(
    address: str, stripped: tuple[str, ...], rest: str
) -> None:
    split = default_places().split(address)
    assert (split.stripped, split.community, split.rest) == (stripped, None, rest)


def test_a_community_name_after_the_prefixes_is_found_not_taken() -> None:
    split = default_places().split("嘉峪关市钢城街道新华社区新华中路12号")
    assert split.community == ("620201002002", "新华社区")
    assert split.rest == "新华中路12号"


def test_stored_areas_add_their_names() -> None:
    address = "广东省广州市天河区五山街道五山路1号"  # 天河区's towns are not shipped
    assert default_places().split(address).rest == "五山街道五山路1号"
    stored = default_places().with_areas({"440106001": "五山街道"})
    assert stored.split(address).rest == "五山路1号"


def test_names_of_codes_that_are_no_level_are_left_out() -> None:
    assert Places([("1234567", "怪区"), ("62", "甘肃省")]).split("怪区甘肃省民乐路1号").rest == (
        "怪区甘肃省民乐路1号"
    )


def test_every_town_of_china_reads_the_sample_addresses_alike() -> None:
    towns = read_names(CODES / "nbs2023_towns.csv")
    assert len(towns) == 41_352
    started = time.perf_counter()
    national = Places([*read_names(DEFAULT_PLACES), *towns])
    built = time.perf_counter() - started
    for address in (
        "北京市海淀区学院路街道学院路18号",
        "甘肃省嘉峪关市钢城街道五一路8号",
        "甘肃省张掖市民乐县洪水镇民乐路12号",
        "学院路18号",
        "荔堡安定街2号",
    ):
        assert national.split(address).rest == default_places().split(address).rest, address
    assert built < 5.0  # measured 0.5 s
