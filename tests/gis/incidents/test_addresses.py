"""Chinese address normalisation and matching: exact → normalised → fuzzy, house numbers kept."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from gis.incidents.addresses import (
    FUZZY_THRESHOLD,
    AddressMatch,
    AddressMatcher,
    house_numbers,
    normalise,
)

# a long name, so that one changed character still scores above the fuzzy threshold
CAMPUS = "北京市海淀区中关村南大街中国农业大学东校区18号楼"
REGISTRY = [
    "北京市海淀区学院路18号",
    "北京市海淀区志新西路3-1号",
    "北京市海淀区学院路甲18号",
    CAMPUS,
    "北京市海淀区清华东路西口甲2号院",
]


@pytest.fixture(scope="module")
def matcher() -> AddressMatcher:
    return AddressMatcher(REGISTRY)


@pytest.mark.parametrize(
    "address",
    [
        "学院路18号",
        "北京学院路18号",
        "北京市学院路18号",
        "海淀区学院路18号",
        "海淀学院路18号",
        "北京市海淀区学院路18号",
        "北京市北京市海淀区学院路18号",
        "中国北京市海淀区学院路18号",
        "中华人民共和国北京市海淀区学院路18号",
        "China北京学院路18号",
        "beijing学院路18号",
        "北京市海淀区学院路街道学院路18号",
        "北京市市辖区海淀区学院路18号",
    ],
)
def test_administrative_prefixes_are_stripped(address: str) -> None:
    assert normalise(address) == "学院路18号"


def test_province_and_city_prefixes_are_stripped() -> None:
    assert normalise("广东省广州市天河区天河路1号") == "天河路1号"


def test_full_width_digits_spaces_and_punctuation_go() -> None:
    assert normalise("学院路 １８号，（东门）") == "学院路18号东门"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("学院路十号", "学院路10号"),
        ("学院路十八号", "学院路18号"),
        ("学院路二十号", "学院路20号"),
        ("学院路三十五号", "学院路35号"),
        ("学院路两号", "学院路2号"),
        ("学院路18号五零二室", "学院路18号502室"),
        ("学院路18号二单元", "学院路18号2单元"),
        ("学院路18号十一层", "学院路18号11层"),
    ],
)
def test_chinese_numerals_before_a_unit_become_digits(address: str, expected: str) -> None:
    assert normalise(address) == expected


@pytest.mark.parametrize("unit", ["栋", "幢", "座"])
def test_building_words_become_hao_lou(unit: str) -> None:
    assert normalise(f"学院路18号3{unit}") == "学院路18号3号楼"


@pytest.mark.parametrize("stem", ["甲", "乙", "丙", "丁"])
def test_bare_tiangan_house_number_gets_its_hao(stem: str) -> None:
    assert normalise(f"学院路{stem}11") == f"学院路{stem}11号"


def test_tiangan_house_number_with_hao_is_unchanged() -> None:
    assert normalise("学院路甲18号") == "学院路甲18号"


def test_hyphenated_house_number_is_kept() -> None:
    assert normalise("志新西路3-1号") == "志新西路3-1号"


@pytest.mark.parametrize("address", ["海淀区", "北京市", "学院路街道"])
def test_stripping_never_leaves_nothing(address: str) -> None:
    assert normalise(address) == address


@pytest.mark.parametrize("address", ["小区1号", "市场路1号"])
def test_xiaoqu_and_shichang_are_not_prefixes(address: str) -> None:
    assert normalise(address) == address


@pytest.mark.parametrize(
    ("normalised", "numbers"),
    [
        ("学院路18号3号楼2单元502室", ("18", "3", "2", "502")),
        ("学院路甲2号", ("甲2",)),
        ("志新西路3-1号", ("3-1",)),
        ("学院路", ()),
    ],
)
def test_house_numbers_keep_tiangan_and_hyphens(normalised: str, numbers: tuple[str, ...]) -> None:
    assert house_numbers(normalised) == numbers


@pytest.mark.parametrize("address", ["北京市海淀区学院路18号", "  北京市海淀区学院路18号 "])
def test_registry_text_matches_exactly(matcher: AddressMatcher, address: str) -> None:
    assert matcher.match(address) == AddressMatch(0, "exact", 100.0)


@pytest.mark.parametrize(
    ("address", "position"),
    [
        ("学院路 18 号", 0),
        ("学院路十八号", 0),
        ("学院路１８号", 0),
        ("海淀区志新西路3-1号", 1),
        ("学院路甲18", 2),
    ],
)
def test_variant_spelling_matches_by_normalised_form(
    matcher: AddressMatcher, address: str, position: int
) -> None:
    assert matcher.match(address) == AddressMatch(position, "normalised", 100.0)


@pytest.mark.parametrize(
    "address",
    [
        "中关村南大街中国农业大学东校区18楼",  # 号 missing
        "海淀区中关村南大街中国农大东校区18号楼",  # abbreviated name
    ],
)
def test_near_spelling_with_the_same_numbers_matches_fuzzily(
    matcher: AddressMatcher, address: str
) -> None:
    found = matcher.match(address)
    assert found is not None
    assert (found.position, found.method) == (REGISTRY.index(CAMPUS), "fuzzy")
    assert FUZZY_THRESHOLD <= found.score < 100


@pytest.mark.parametrize(
    ("address", "wanted"),
    [
        ("中关村南大街中国农业大学东校区16号楼", CAMPUS),
        ("清华东路西口乙2号院", "北京市海淀区清华东路西口甲2号院"),
        ("清华东路西口甲3号院", "北京市海淀区清华东路西口甲2号院"),
        ("志新西路3-2号", "北京市海淀区志新西路3-1号"),
    ],
)
def test_fuzzy_match_never_changes_a_house_number(
    matcher: AddressMatcher, address: str, wanted: str
) -> None:
    # the text alone would pass the threshold: only the number rule refuses it
    assert fuzz.ratio(normalise(address), normalise(wanted)) >= FUZZY_THRESHOLD
    assert matcher.match(address) is None


def test_18_never_resolves_to_16_even_with_a_low_threshold() -> None:
    assert AddressMatcher(["北京市海淀区学院路18号"], threshold=50).match("学院路16号") is None


def test_neighbouring_numbers_each_resolve_to_their_own_entry() -> None:
    matcher = AddressMatcher(["学院路18号", "学院路16号"])
    assert matcher.match("学院路十六号") == AddressMatch(1, "normalised", 100.0)


def test_threshold_of_100_turns_fuzzy_matching_off() -> None:
    strict = AddressMatcher(REGISTRY, threshold=100)
    assert strict.match("中关村南大街中国农业大学东校区18楼") is None


def test_unrelated_text_matches_nothing(matcher: AddressMatcher) -> None:
    assert matcher.match("完全无关的地方") is None


def test_empty_registry_matches_nothing() -> None:
    assert AddressMatcher([]).match("学院路18号") is None


@pytest.mark.xfail(
    strict=True,
    reason="the bare-district prefix ^(海淀|朝阳|…)(?!区) also eats road names: 海淀路1号 → 路1号",
)
def test_road_named_after_a_district_keeps_its_name() -> None:
    assert normalise("北京市海淀区海淀路1号") == "海淀路1号"


@pytest.mark.xfail(
    strict=True,
    reason="prefix stripping turns different places into one key (路1号, 3号楼, 大学1号楼)",
)
@pytest.mark.parametrize(
    ("registered", "asked"),
    [
        ("北京市海淀区海淀路1号", "北京市朝阳区朝阳路1号"),  # district-named roads
        ("北京市海淀区东升园社区3号楼", "北京市海淀区西王庄社区3号楼"),  # 社区 taken for 区
        ("北京市海淀区北京大学1号楼", "上海市上海大学1号楼"),  # 北京/上海 taken for the city
    ],
)
def test_different_places_with_the_same_number_do_not_match(registered: str, asked: str) -> None:
    assert AddressMatcher([registered]).match(asked) is None
