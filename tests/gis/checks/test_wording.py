"""Every rule speaks Chinese (the default) and English: names, messages, numbers as measured."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import shapely
from shapely import box

from gis.areas import Level
from gis.checks import CheckConfig, Finding, check_areas
from gis.checks.wording import RULE_NAMES, RULE_NAMES_ZH, parse_lang, reason_zh, rule_name
from gis.errors import InvalidInput
from tests.gis.checks import zoo

C1, C2, C3 = zoo.CODES[:3]


def _checked(geoms: list, **kwargs: object) -> Callable[[], list[Finding]]:
    codes = kwargs.pop("codes", None)
    households = kwargs.pop("households", None)
    return lambda: check_areas(zoo.areas(geoms, codes, households), **kwargs)  # type: ignore[arg-type]


def _invalid_parent() -> list[Finding]:
    parent = shapely.Polygon([(0, 0), (200, 100), (200, 0), (0, 100)])
    return check_areas(zoo.areas([zoo.LEFT, zoo.RIGHT]), parent=zoo.lonlat(parent))


CASES: dict[str, tuple[Callable[[], list[Finding]], str, str]] = {
    # rule: (the check, the Chinese message, the English message) — whole lines or their start
    "overlap": (
        _checked(zoo.OVERLAPPING, parent=zoo.PARENT),
        f"{C1} 与 {C2} 重叠 1,000.0 m²",
        f"{C1} and {C2} overlap by 1,000.0 m²",
    ),
    "gap": (
        _checked(zoo.GAPPED, parent=zoo.PARENT),
        f"缝隙 1,000.1 m²，宽 10.00 m，位于 {C1} 和 {C2} 之间",
        f"gap of 1,000.1 m², 10.00 m wide, between {C1} and {C2}",
    ),
    "allowed-hole": (
        _checked(
            zoo.HOLED,
            parent=zoo.PARENT,
            config=CheckConfig(allowed_holes=(zoo.lonlat(zoo.LAKE_M),)),
        ),
        f"允许的空洞 400.0 m²，宽 20.00 m，紧邻 {C1}",
        f"allowed hole of 400.0 m², 20.00 m wide, between {C1}",
    ),
    "outside-parent": (
        _checked(zoo.OUTSIDE, parent=zoo.PARENT),
        f"{C2}：2,000.0 m²（16.7%）超出所属社区",
        f"{C2}: 2,000.0 m² (16.7%) outside the parent",
    ),
    "multipart": (
        _checked(zoo.MULTIPART, parent=zoo.PARENT, households=[400] * 3),
        f"{C2}：由 2 个互不相连的部分组成，最大部分以外共 2,000.0 m²",
        f"{C2}: 2 separate parts; all but the largest cover 2,000.0 m²",
    ),
    "enclosed": (
        _checked(zoo.ENCLOSED),
        f"{C2} 被 {C1} 包围（100% 的边界与之相邻）",
        f"{C2} is enclosed by {C1} (100% of its boundary shared)",
    ),
    "sliver": (
        _checked(zoo.SLIVER_AREA, parent=zoo.PARENT),
        f"{C2}：狭长碎片，紧凑度 0.031 < 0.05（Polsby-Popper）",
        f"{C2}: sliver, Polsby-Popper 0.031 < 0.05",
    ),
    "code-format": (
        _checked([zoo.LEFT, zoo.RIGHT], parent=zoo.PARENT, codes=[C1, "1101"]),
        "1101：编码格式不对，网格编码应为 15 位数字（0-9），实为 4 个字符",
        "code: '1101' is not a grid code (expected 15 digits, got 4 characters)",
    ),
    "code-prefix": (
        _checked(
            [zoo.LEFT, zoo.RIGHT],
            parent=zoo.PARENT,
            parent_code=zoo.COMMUNITY,
            codes=[C1, "110108010020001"],
        ),
        f"110108010020001：编码不以上级编码 {zoo.COMMUNITY} 开头",
        f"110108010020001: code does not start with the parent code {zoo.COMMUNITY}",
    ),
    "duplicate-code": (
        _checked([zoo.LEFT, zoo.RIGHT], parent=zoo.PARENT, codes=[C1, C1]),
        f"{C1}：编码重复，2 个区域共用",
        f"{C1}: code used by 2 areas",
    ),
    "size-balance": (
        _checked([zoo.LEFT, zoo.RIGHT], parent=zoo.PARENT, households=[400, 620]),
        f"{C2}：620 户，超过上限 500（比平均 510 户多 +22%）",
        f"{C2}: 620 households, above the maximum 500 (+22% from the mean 510)",
    ),
    "households-missing": (
        _checked([zoo.LEFT, zoo.RIGHT], parent=zoo.PARENT, households=[None, 400]),
        "2 个区域中有 1 个缺少户数，户数均衡检查未包括它们",
        "1 of 2 areas have no households; size balance skips them",
    ),
    "empty-geometry": (
        _checked([zoo.LEFT, shapely.Polygon()], households=[400, 400]),
        f"{C2}：图形为空",
        f"{C2}: geometry is empty",
    ),
    "invalid-geometry": (
        _checked([zoo.LEFT, zoo.BOW_TIE], parent=zoo.PARENT),
        f"{C2}：图形无效，自相交[",
        f"{C2}: invalid geometry: Self-intersection[",
    ),
}


@pytest.mark.parametrize("rule", list(CASES))
def test_every_rule_speaks_chinese_and_english(rule: str) -> None:
    check, zh, en = CASES[rule]
    (found,) = [f for f in check() if f.rule == rule]
    assert found.message_zh.startswith(zh) and found.message_in("zh") == found.message_zh
    assert found.message.startswith(en) and found.message_in("en") == found.message


def test_every_rule_of_the_checks_has_a_chinese_name() -> None:
    rules = set(CASES)
    assert rules == set(RULE_NAMES) == set(RULE_NAMES_ZH)
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in RULE_NAMES_ZH.values())
    assert (rule_name("gap"), rule_name("gap", "en"), rule_name("new-rule")) == (
        "缝隙",
        "Gap",
        "new-rule",
    )


def test_size_balance_below_the_minimum_and_its_source() -> None:
    grids = zoo.areas([zoo.LEFT, zoo.RIGHT], households=[100, 400])
    grids["households_source"] = ["registry", "area share"]
    (found,) = [f for f in check_areas(grids, parent=zoo.PARENT) if f.rule == "size-balance"]
    assert (
        found.message_zh == f"{C1}：100 户，低于下限 300（比平均 250 户少 60%）（户数来源：登记）"
    )
    assert found.message.endswith("(-60% from the mean 250) [households: registry]")
    assert found.details["households_source"] == "registry"


def test_invalid_parent_says_so_in_chinese() -> None:
    (found,) = [f for f in _invalid_parent() if f.rule == "invalid-geometry"]
    assert found.message_zh.startswith("上级区域：上级区域图形无效（自相交[")
    assert found.message_zh.endswith("），已按修复后的图形检查")
    assert found.message.startswith("parent: invalid parent geometry (")


def test_outside_names_the_parent_of_the_level() -> None:
    communities = zoo.areas(
        [zoo.LEFT, box(100, 0, 220, 100)], codes=["110108010019", "110108010020"]
    )
    config = CheckConfig.for_level(Level.COMMUNITY, households_min=None, households_max=None)
    found = check_areas(communities, level=Level.COMMUNITY, parent=zoo.PARENT, config=config)
    (outside,) = [f for f in found if f.rule == "outside-parent"]
    assert outside.message_zh.endswith("超出所属街道")


def test_a_line_is_not_a_polygon_in_either_language() -> None:
    found = check_areas(zoo.areas([zoo.LEFT, zoo.RIGHT.exterior]), parent=zoo.PARENT)
    (invalid,) = [f for f in found if f.rule == "invalid-geometry"]
    assert invalid.message_zh == f"{C2}：图形无效，LinearRing 不是面"


def test_unknown_geos_reasons_pass_through() -> None:
    assert reason_zh("Nested shells[1 2]") == "外边界相互嵌套[1 2]"
    assert reason_zh("A reason GEOS adds later") == "A reason GEOS adds later"


@pytest.mark.parametrize(
    ("value", "lang"), [(None, "zh"), ("", "zh"), ("zh", "zh"), ("en", "en"), (" EN ", "en")]
)
def test_lang_is_zh_or_en(value: str | None, lang: str) -> None:
    assert parse_lang(value) == lang


@pytest.mark.parametrize("value", ["fr", "zh-CN", "english"])
def test_other_langs_are_invalid_input(value: str) -> None:
    with pytest.raises(InvalidInput, match=r"^lang: "):
        parse_lang(value)
