"""Chinese address normalisation and matching: exact → normalised → building → fuzzy.

Prefixes are the national code lists' names (any province, city, county; the towns and
communities of the shipped counties), house numbers are kept, and every match explains itself.
"""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from gis.incidents.addresses import (
    FUZZY_THRESHOLD,
    AddressMatch,
    AddressMatcher,
    StandardAddress,
    house_numbers,
    normalise,
    rooms,
)
from gis.places import default_places


def registry(*texts: str) -> list[StandardAddress]:
    """Standard addresses with ids by position and made-up points."""
    return [StandardAddress(i, text, 100.0 + i / 1000, 39.0) for i, text in enumerate(texts)]


def found_id(match: AddressMatch) -> int | None:
    return None if match.address is None else match.address.id


# a long name, so that one changed character still scores above the fuzzy threshold
CAMPUS = "北京市海淀区中关村南大街中国农业大学东校区18号楼"
REGISTRY = [
    "北京市海淀区学院路18号",
    "北京市海淀区志新西路3-1号",
    "北京市海淀区学院路甲18号",
    CAMPUS,
    "北京市海淀区清华东路西口甲2号院",
]
# the sample's kinds of entries: tagged OSM addresses, and buildings named by their community
XUEYUANLU = [
    "北京市海淀区学院路18号",
    "北京市海淀区学院路18号10号楼",
    "石油大院社区住宅10号楼",
    "中国农业大学东校区社区住宅10号楼",
    "石油大院社区住宅1号楼",
]
JIAYUGUAN = [  # 嘉峪关市 (620201): 钢城街道 620201002, 雄关街道 620201001
    "甘肃省嘉峪关市钢城街道五一路8号",
    "甘肃省嘉峪关市钢城街道新华社区新华中路12号",
    "嘉峪关市雄关街道胜利社区胜利北路6号3号楼",
    "甘肃省嘉峪关市峪泉镇嘉峪关村村民委员会",
]
MINLE = [  # 民乐县 (620722) of 张掖市: 洪水镇 620722101
    "甘肃省张掖市民乐县洪水镇民乐路12号",
    "甘肃省张掖市民乐县洪水镇县府街居民委员会县府街3号",
    "甘肃省张掖市民乐县六坝镇六坝村村民委员会",
]


@pytest.fixture(scope="module")
def matcher() -> AddressMatcher:
    return AddressMatcher(registry(*REGISTRY))


# --- normalise: prefixes


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


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("甘肃省嘉峪关市钢城街道五一路8号", "五一路8号"),
        ("嘉峪关市五一路8号", "五一路8号"),
        ("甘肃嘉峪关钢城五一路8号", "五一路8号"),  # every name without its suffix
        ("甘肃省张掖市民乐县洪水镇民乐路12号", "民乐路12号"),
        ("民乐县洪水镇民乐路12号", "民乐路12号"),
        ("甘肃省民乐县民乐路12号", "民乐路12号"),  # the city skipped
        ("内蒙古自治区乌海市海勃湾区滨河街道海北路1号", "海北路1号"),
        ("内蒙古乌海海勃湾区海北路1号", "海北路1号"),
        ("甘肃省平凉市泾川县城关镇安定街2号", "安定街2号"),
        ("江西省吉安市井冈山市茨坪镇红军北路5号", "红军北路5号"),
        ("新疆维吾尔自治区乌鲁木齐市天山区解放南路1号", "解放南路1号"),
        ("新疆乌鲁木齐天山区解放南路1号", "解放南路1号"),
    ],
)
def test_prefixes_of_any_province_city_county_and_shipped_town_go(
    address: str, expected: str
) -> None:
    assert normalise(address) == expected


def test_a_town_without_its_suffix_goes_only_below_its_county() -> None:
    assert normalise("洪水民乐路12号") == "洪水民乐路12号"  # 洪水镇 of 民乐县
    assert normalise("民乐洪水民乐路12号") == "民乐路12号"


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


@pytest.mark.parametrize(
    "address", ["海淀区", "北京市", "学院路街道", "嘉峪关市", "民乐县", "钢城街道"]
)
def test_stripping_never_leaves_nothing(address: str) -> None:
    assert normalise(address) == address


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("北京市海淀区学院路18号", "学院路18号"),  # 学院路街道's name, but a road here
        ("民乐县洪水镇东街1号", "东街1号"),  # 东街 is also a community of 洪水镇
        ("甘肃民乐洪水镇1号院", "洪水镇1号院"),
    ],
)
def test_stripping_never_leaves_only_numbers(address: str, expected: str) -> None:
    assert normalise(address) == expected


@pytest.mark.parametrize("address", ["小区1号", "市场路1号"])
def test_xiaoqu_and_shichang_are_not_prefixes(address: str) -> None:
    assert normalise(address) == address


def test_road_named_after_a_district_keeps_its_name() -> None:
    assert normalise("北京市海淀区海淀路1号") == "海淀路1号"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("北京市海淀区北京大学1号楼", "北京大学1号楼"),
        ("北京市海淀区中关村南大街1号", "中关村南大街1号"),  # 中关村街道 of 海淀区
        ("北京市海淀区东升园社区3号楼", "东升园社区3号楼"),  # 东升镇 of 海淀区
        ("民乐民乐路12号", "民乐路12号"),
    ],
)
def test_a_name_that_reads_on_is_not_a_prefix(address: str, expected: str) -> None:
    assert normalise(address) == expected


def test_community_names_stay_when_no_registry_is_known() -> None:
    assert normalise("石油大院社区住宅10号楼") == "石油大院社区住宅10号楼"


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


# --- rooms: building, unit, floor, room


@pytest.mark.parametrize(
    ("key", "building", "below"),
    [
        ("石油大院社区住宅10号楼2单元301", "石油大院社区住宅10号楼", "2单元301"),
        ("石油大院社区住宅10-2-301", "石油大院社区住宅10号楼", "2单元301"),
        ("石油大院社区住宅10号楼2单元301室", "石油大院社区住宅10号楼", "2单元301"),
        ("石油大院社区住宅10号楼2单元301号", "石油大院社区住宅10号楼", "2单元301"),
        ("石油大院社区住宅10号楼2单元3层301", "石油大院社区住宅10号楼", "2单元3层301"),
        ("学院路18号10号楼2单元", "学院路18号10号楼", "2单元"),
    ],
)
def test_rooms_cut_an_address_at_its_building(key: str, building: str, below: str) -> None:
    assert rooms(key)[0] == (building, below)


@pytest.mark.parametrize("key", ["志新西路3-1号", "学院路18号", "学院路"])
def test_an_address_without_a_building_has_no_rooms(key: str) -> None:
    assert rooms(key) == ()


# --- matching: exact, normalised, fuzzy


@pytest.mark.parametrize("address", ["北京市海淀区学院路18号", "  北京市海淀区学院路18号 "])
def test_registry_text_matches_exactly(matcher: AddressMatcher, address: str) -> None:
    found = matcher.match(address)
    assert (found_id(found), found.rule, found.score) == (0, "exact", 100.0)


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
    found = matcher.match(address)
    assert (found_id(found), found.rule, found.score) == (position, "normalised", 100.0)


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
    assert (found_id(found), found.rule) == (REGISTRY.index(CAMPUS), "fuzzy")
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
    assert matcher.match(address).rule == "none"


def test_18_never_resolves_to_16_even_with_a_low_threshold() -> None:
    low = AddressMatcher(registry("北京市海淀区学院路18号"), threshold=50)
    assert low.match("学院路16号").address is None
    assert low.match("学院路16号10号楼2单元301").address is None


def test_neighbouring_numbers_each_resolve_to_their_own_entry() -> None:
    found = AddressMatcher(registry("学院路18号", "学院路16号")).match("学院路十六号")
    assert (found_id(found), found.rule) == (1, "normalised")


def test_threshold_of_100_turns_fuzzy_matching_off() -> None:
    strict = AddressMatcher(registry(*REGISTRY), threshold=100)
    assert strict.match("中关村南大街中国农业大学东校区18楼").rule == "none"


def test_unrelated_text_matches_nothing(matcher: AddressMatcher) -> None:
    found = matcher.match("完全无关的地方")
    assert (found.address, found.rule, found.score, found.unit) == (None, "none", 0.0, None)


def test_empty_registry_matches_nothing() -> None:
    assert AddressMatcher([]).match("学院路18号").rule == "none"


@pytest.mark.parametrize(
    ("registered", "asked"),
    [
        ("北京市海淀区海淀路1号", "北京市朝阳区朝阳路1号"),  # district-named roads
        ("北京市海淀区东升园社区3号楼", "北京市海淀区西王庄社区3号楼"),  # 社区 taken for 区
        ("北京市海淀区北京大学1号楼", "上海市上海大学1号楼"),  # 北京/上海 taken for the city
    ],
)
def test_different_places_with_the_same_number_do_not_match(registered: str, asked: str) -> None:
    assert AddressMatcher(registry(registered)).match(asked).address is None


# --- 学院路: buildings, units and the communities the registry names

BUILDING_10 = XUEYUANLU.index("石油大院社区住宅10号楼")


@pytest.fixture(scope="module")
def xueyuanlu() -> AddressMatcher:
    return AddressMatcher(registry(*XUEYUANLU))


@pytest.mark.parametrize(
    ("address", "unit"),
    [
        ("石油大院社区住宅10号楼2单元301", "2单元301"),
        ("石油大院社区住宅10-2-301", "2单元301"),
        ("石油大院社区住宅10栋2单元301室", "2单元301"),
        ("石油大院社区住宅10幢2单元3层301", "2单元3层301"),
        ("石油大院社区住宅10号楼2单元301号", "2单元301"),
        ("石油大院社区住宅十号楼二单元", "2单元"),
        ("北京市海淀区学院路街道石油大院社区居委会住宅10号楼2单元301", "2单元301"),
        ("石油大院社区第01网格住宅10号楼2单元301", "2单元301"),  # a grid reads as its community
    ],
)
def test_a_flat_resolves_to_its_buildings_standard_address(
    xueyuanlu: AddressMatcher, address: str, unit: str
) -> None:
    places = default_places().with_areas({"110108010018001": "石油大院社区第01网格"})
    found = AddressMatcher(registry(*XUEYUANLU), places=places).match(address)
    assert (found_id(found), found.rule, found.unit, found.score) == (
        BUILDING_10,
        "building",
        unit,
        100.0,
    )


def test_the_community_the_registry_names_is_kept(xueyuanlu: AddressMatcher) -> None:
    found = xueyuanlu.match("中国农业大学东校区社区住宅10号楼2单元301")
    assert found_id(found) == XUEYUANLU.index("中国农业大学东校区社区住宅10号楼")
    assert found.normalised == "中国农业大学东校区社区住宅10号楼2单元301"


def test_a_building_shared_by_two_communities_is_not_guessed(xueyuanlu: AddressMatcher) -> None:
    assert xueyuanlu.match("住宅10号楼2单元301").address is None


def test_a_building_without_its_community_matches_when_only_one_reads_so(
    xueyuanlu: AddressMatcher,
) -> None:
    found = xueyuanlu.match("住宅1号楼3单元")
    assert (found_id(found), found.unit) == (XUEYUANLU.index("石油大院社区住宅1号楼"), "3单元")


@pytest.mark.parametrize(
    ("address", "position", "unit"),
    [
        ("北京市海淀区学院路街道学院路18号", 0, None),
        ("北京市海淀区学院路18号10号楼", 1, None),
        ("学院路18号10-2-301", 1, "2单元301"),
        ("北京学院路十八号10栋2单元301室", 1, "2单元301"),
    ],
)
def test_xueyuanlu_addresses_match_the_road_or_the_building(
    xueyuanlu: AddressMatcher, address: str, position: int, unit: str | None
) -> None:
    found = xueyuanlu.match(address)
    assert (found_id(found), found.unit) == (position, unit)


def test_a_flat_in_a_house_without_building_entries_matches_the_house() -> None:
    found = AddressMatcher(registry("北京市海淀区学院路18号")).match("学院路18号3号楼2单元")
    assert (found_id(found), found.rule, found.unit) == (0, "building", "3号楼2单元")


def test_a_flat_in_another_house_number_is_not_matched(xueyuanlu: AddressMatcher) -> None:
    assert xueyuanlu.match("北京市海淀区学院路16号10号楼2单元301").address is None


def test_a_flat_in_a_near_spelled_building_matches_fuzzily_with_its_unit(
    xueyuanlu: AddressMatcher,
) -> None:
    found = xueyuanlu.match("石油大院社区10号楼2单元301")  # 住宅 left out
    assert (found_id(found), found.rule, found.unit) == (BUILDING_10, "fuzzy", "2单元301")
    assert FUZZY_THRESHOLD <= found.score < 100


# --- 嘉峪关 and 民乐


@pytest.fixture(scope="module")
def jiayuguan() -> AddressMatcher:
    return AddressMatcher(registry(*JIAYUGUAN))


@pytest.mark.parametrize(
    ("address", "position", "rule"),
    [
        ("甘肃省嘉峪关市钢城街道五一路8号", 0, "exact"),
        ("嘉峪关市五一路8号", 0, "normalised"),
        ("嘉峪关钢城五一路八号", 0, "normalised"),
        ("甘肃嘉峪关市钢城街道大众社区五一路8号", 0, "normalised"),  # another community: goes
        ("甘肃省嘉峪关市钢城街道新华社区新华中路12号", 1, "exact"),
        ("嘉峪关市新华社区新华中路12号", 1, "normalised"),
        ("嘉峪关市新华中路12号", 1, "normalised"),  # the only entry on 新华中路12号
        ("嘉峪关市雄关街道胜利社区胜利北路6号3号楼", 2, "exact"),
        ("嘉峪关市胜利北路6号3栋1单元202", 2, "building"),
        ("甘肃省嘉峪关市雄关街道胜利社区胜利北路6号3-1-202", 2, "building"),
        ("嘉峪关市峪泉镇嘉峪关村", 3, "normalised"),
    ],
)
def test_jiayuguan_addresses_match(
    jiayuguan: AddressMatcher, address: str, position: int, rule: str
) -> None:
    found = jiayuguan.match(address)
    assert (found_id(found), found.rule) == (position, rule)


def test_jiayuguan_match_explains_the_prefixes_it_took(jiayuguan: AddressMatcher) -> None:
    found = jiayuguan.match("甘肃嘉峪关市钢城街道大众社区五一路8号")
    assert found.stripped == ("甘肃", "嘉峪关市", "钢城街道", "大众社区")
    assert found.normalised == "五一路8号"


def test_jiayuguan_house_numbers_are_kept(jiayuguan: AddressMatcher) -> None:
    assert jiayuguan.match("嘉峪关市五一路6号").address is None
    assert jiayuguan.match("嘉峪关市胜利北路6号4号楼1单元202").address is None


@pytest.mark.parametrize(
    ("address", "position", "unit"),
    [
        ("甘肃省张掖市民乐县洪水镇民乐路12号", 0, None),
        ("民乐县洪水镇民乐路12号", 0, None),
        ("民乐县民乐路十二号", 0, None),
        ("甘肃民乐洪水镇民乐路12号2号楼1单元101", 0, "2号楼1单元101"),
        ("民乐县洪水镇县府街居民委员会县府街3号", 1, None),
        ("民乐县洪水镇县府街3号", 1, None),
        ("甘肃省张掖市民乐县六坝镇六坝村", 2, None),
    ],
)
def test_minle_addresses_match(address: str, position: int, unit: str | None) -> None:
    found = AddressMatcher(registry(*MINLE)).match(address)
    assert (found_id(found), found.unit) == (position, unit)


# --- the explanation


def test_a_match_explains_itself(xueyuanlu: AddressMatcher) -> None:
    found = xueyuanlu.match("北京市海淀区学院路街道石油大院社区住宅10-2-301")
    assert found.method == "address_building" and found.matched
    assert found.explanation() == {
        "rule": "building",
        "score": 100.0,
        "normalised": "石油大院社区住宅10-2-301",
        "stripped": ["北京市", "海淀区", "学院路街道"],
        "unit": "2单元301",
        "address": {
            "id": BUILDING_10,
            "text": "石油大院社区住宅10号楼",
            "lon": 100.002,
            "lat": 39.0,
        },
    }


def test_no_match_explains_what_was_read(xueyuanlu: AddressMatcher) -> None:
    found = xueyuanlu.match("甘肃省嘉峪关市月球路1号")
    assert (found.method, found.matched) == ("address_none", False)
    assert found.explanation() == {
        "rule": "none",
        "score": 0.0,
        "normalised": "月球路1号",
        "stripped": ["甘肃省", "嘉峪关市"],
        "unit": None,
        "address": None,
    }
