"""The words of the findings: each rule's name and message, in Chinese and in English.

The one home of the wording. A rule measures; it asks here for its message, which comes back
as `Words` (the Chinese and the English line), and a report picks one by ``lang`` (Chinese
unless asked otherwise: planners read Chinese). Numbers read alike in both languages
(``1,234.5 m²``, ``+51%``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from gis.areas import Level
from gis.errors import InvalidInput

LANGS = ("zh", "en")


class Words(NamedTuple):
    """One line in Chinese and in English.

    Examples
    --------
    >>> Words("缝隙", "gap").pick("en")
    'gap'
    """

    zh: str
    en: str

    def pick(self, lang: str) -> str:
        """The line in ``lang`` (``zh`` or ``en``)."""
        return self.zh if lang == "zh" else self.en


def parse_lang(value: str | None, field: str = "lang") -> str:
    """``zh`` (the default, also for None) or ``en``; anything else is `InvalidInput`.

    Examples
    --------
    >>> parse_lang(None), parse_lang("EN")
    ('zh', 'en')
    >>> parse_lang("fr")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: lang: 'fr' is not one of zh, en
    """
    lang = (value or "zh").strip().lower()
    if lang not in LANGS:
        raise InvalidInput(f"{field}: {value!r} is not one of {', '.join(LANGS)}")
    return lang


RULE_NAMES: dict[str, Words] = {
    "invalid-geometry": Words("图形无效", "Invalid geometry"),
    "empty-geometry": Words("图形为空", "Empty geometry"),
    "overlap": Words("重叠", "Overlap"),
    "gap": Words("缝隙", "Gap"),
    "outside-parent": Words("超出所属社区", "Outside the parent"),
    "multipart": Words("多块（飞地）", "Several parts"),
    "code-format": Words("编码格式", "Code format"),
    "code-prefix": Words("编码前缀", "Code prefix"),
    "duplicate-code": Words("编码重复", "Duplicate code"),
    "enclosed": Words("被包围", "Enclosed"),
    "sliver": Words("狭长碎片", "Sliver"),
    "size-balance": Words("户数偏离", "Size balance"),
    "allowed-hole": Words("允许的空洞", "Allowed hole"),
    "households-missing": Words("缺少户数", "Households missing"),
}
RULE_NAMES_ZH = {rule: words.zh for rule, words in RULE_NAMES.items()}
SEVERITY_NAMES = {
    "error": Words("错误", "Error"),
    "warning": Words("警告", "Warning"),
    "info": Words("提示", "Info"),
}
# where a plan's household figure comes from (`gis.diff`)
SOURCE_NAMES = {
    "registry": Words("登记", "registry"),
    "area share": Words("按面积分摊", "area share"),
    "registry + area share": Words("登记 + 按面积分摊", "registry + area share"),
}
# the parent of an area of each level, as a planner says it
_PARENT_ZH = {Level.GRID: "社区", Level.COMMUNITY: "街道", Level.SUBDISTRICT: "区县"}
# GEOS's reasons for an invalid geometry (`shapely.is_valid_reason`), before the ``[x y]``
_REASONS_ZH = {
    "Self-intersection": "自相交",
    "Ring Self-intersection": "边界环自相交",
    "Too few points in geometry component": "顶点过少",
    "Invalid Coordinate": "坐标无效（非数值或无穷大）",
    "Hole lies outside shell": "内洞在外边界之外",
    "Holes are nested": "内洞相互嵌套",
    "Interior is disconnected": "内部不连通",
    "Nested shells": "外边界相互嵌套",
    "Duplicate Rings": "边界环重复",
    "Ring is not closed": "边界环未闭合",
    "Repeated Point": "重复顶点",
}
_UNICODE_DIGITS = re.compile(r"\d+")


def rule_name(rule: str, lang: str = "zh") -> str:
    """A rule's name for a legend or panel (the rule code itself when unknown).

    Examples
    --------
    >>> rule_name("gap"), rule_name("size-balance", "en"), rule_name("new-rule")
    ('缝隙', 'Size balance', 'new-rule')
    """
    words = RULE_NAMES.get(rule)
    return words.pick(lang) if words else rule


def severity_name(severity: str, lang: str = "zh") -> str:
    """``错误`` / ``警告`` / ``提示`` (``Error`` / ``Warning`` / ``Info``)."""
    words = SEVERITY_NAMES.get(severity)
    return words.pick(lang) if words else severity


def source_name(source: str, lang: str = "zh") -> str:
    """Where a household figure comes from, e.g. ``登记`` for ``registry``."""
    words = SOURCE_NAMES.get(source)
    return words.pick(lang) if words else source


def joined(codes: Iterable[str]) -> Words:
    """Codes for a message: ``a、b 和 c`` / ``a, b and c``.

    Examples
    --------
    >>> joined(["b", "a"])
    Words(zh='a 和 b', en='a and b')
    >>> joined(["a", "b", "c"]).zh, joined([]).en
    ('a、b 和 c', '(none)')
    """
    items = sorted(set(codes))
    if not items:
        return Words("（无）", "(none)")
    if len(items) == 1:
        return Words(items[0], items[0])
    return Words(
        f"{'、'.join(items[:-1])} 和 {items[-1]}", f"{', '.join(items[:-1])} and {items[-1]}"
    )


def reason_zh(reason: str) -> str:
    """A GEOS validity reason in Chinese, keeping its location.

    Examples
    --------
    >>> reason_zh("Self-intersection[116.3 40.0]")
    '自相交[116.3 40.0]'
    >>> reason_zh("Something new")
    'Something new'
    """
    head, bracket, rest = reason.partition("[")
    return f"{_REASONS_ZH.get(head.strip(), head)}{bracket}{rest}"


def gap(area_m2: float, width_m: float, codes: list[str], allowed: bool) -> Words:
    """A ``gap`` (or ``allowed-hole``): its area, width and the areas around it.

    Examples
    --------
    >>> gap(1000.0, 10.0, ["b", "a"], False).zh
    '缝隙 1,000.0 m²，宽 10.00 m，位于 a 和 b 之间'
    >>> gap(50.0, 0.5, [], True).en
    'allowed hole of 50.0 m², 0.50 m wide, touching no area'
    """
    size = f"{area_m2:,.1f} m²"
    names = joined(codes)
    if not codes:
        around = Words("未与任何区域相接", "touching no area")
    elif len(set(codes)) == 1:
        around = Words(f"紧邻 {names.zh}", f"between {names.en}")
    else:
        around = Words(f"位于 {names.zh} 之间", f"between {names.en}")
    kind = Words("允许的空洞", "allowed hole") if allowed else Words("缝隙", "gap")
    return Words(
        f"{kind.zh} {size}，宽 {width_m:.2f} m，{around.zh}",
        f"{kind.en} of {size}, {width_m:.2f} m wide, {around.en}",
    )


def overlap(codes: list[str], area_m2: float) -> Words:
    """Two areas sharing ``area_m2`` of their interiors.

    Examples
    --------
    >>> overlap(["a", "b"], 12.0)
    Words(zh='a 与 b 重叠 12.0 m²', en='a and b overlap by 12.0 m²')
    """
    items = sorted(set(codes))
    both = " 与 ".join(items) if len(items) == 2 else joined(items).zh
    return Words(
        f"{both} 重叠 {area_m2:,.1f} m²", f"{joined(items).en} overlap by {area_m2:,.1f} m²"
    )


def outside(code: str, area_m2: float, share: float, level: Level | None = None) -> Words:
    """The part of an area of ``level`` outside its parent.

    Examples
    --------
    >>> outside("a", 2000.0, 0.1667, Level.GRID).zh
    'a：2,000.0 m²（16.7%）超出所属社区'
    >>> outside("a", 2000.0, 0.1667).en
    'a: 2,000.0 m² (16.7%) outside the parent'
    """
    parent = _PARENT_ZH.get(level, "上级区域") if level is not None else "上级区域"
    return Words(
        f"{code}：{area_m2:,.1f} m²（{share:.1%}）超出所属{parent}",
        f"{code}: {area_m2:,.1f} m² ({share:.1%}) outside the parent",
    )


def multipart(code: str, parts: int, rest_m2: float) -> Words:
    """An area of several separate parts (an exclave, 飞地)."""
    return Words(
        f"{code}：由 {parts} 个互不相连的部分组成，最大部分以外共 {rest_m2:,.1f} m²",
        f"{code}: {parts} separate parts; all but the largest cover {rest_m2:,.1f} m²",
    )


def enclosed(code: str, host: str, ratio: float) -> Words:
    """An area alone in a hole of its neighbour ``host``."""
    return Words(
        f"{code} 被 {host} 包围（{ratio:.0%} 的边界与之相邻）",
        f"{code} is enclosed by {host} ({ratio:.0%} of its boundary shared)",
    )


def sliver(code: str, ratio: float, limit: float) -> Words:
    """A thin area: its Polsby-Popper compactness below ``limit``.

    Examples
    --------
    >>> sliver("a", 0.031, 0.05).zh
    'a：狭长碎片，紧凑度 0.031 < 0.05（Polsby-Popper）'
    """
    return Words(
        f"{code}：狭长碎片，紧凑度 {ratio:.3f} < {limit}（Polsby-Popper）",
        f"{code}: sliver, Polsby-Popper {ratio:.3f} < {limit}",
    )


def code_format(code: str, level: Level) -> Words:
    """A code without the digits of its level (`gis.areas.check_code`'s words in English).

    Examples
    --------
    >>> code_format("1101", Level.GRID).zh
    '1101：编码格式不对，网格编码应为 15 位数字（0-9），实为 4 个字符'
    >>> code_format("1101", Level.GRID).en
    "code: '1101' is not a grid code (expected 15 digits, got 4 characters)"
    >>> code_format("", Level.GRID).zh
    '（空）：编码格式不对，网格编码应为 15 位数字（0-9），实为 0 个字符'
    """
    digits = level.digits
    english = f"code: {code!r} is not a {level.value} code"
    if not (_UNICODE_DIGITS.fullmatch(code) and len(code) == digits):
        english += f" (expected {digits} digits, got {len(code)} characters)"
    shown = code or "（空）"
    return Words(
        f"{shown}：编码格式不对，{level.label_zh}编码应为 {digits} 位数字（0-9），"
        f"实为 {len(code)} 个字符",
        english,
    )


def code_prefix(code: str, parent_code: str) -> Words:
    """A code that does not start with its parent's."""
    return Words(
        f"{code}：编码不以上级编码 {parent_code} 开头",
        f"{code}: code does not start with the parent code {parent_code}",
    )


def duplicate_code(code: str, count: int) -> Words:
    """A code used by ``count`` areas."""
    return Words(f"{code}：编码重复，{count} 个区域共用", f"{code}: code used by {count} areas")


def size_balance(
    code: str, households: float, bound: int, below: bool, mean: float, source: str | None
) -> Words:
    """Households outside the band, against the mean, and where the figure comes from.

    Examples
    --------
    >>> size_balance("110108010019003", 620, 500, False, 410, None).zh
    '110108010019003：620 户，超过上限 500（比平均 410 户多 +51%）'
    >>> size_balance("a", 100, 300, True, 500, "registry").zh
    'a：100 户，低于下限 300（比平均 500 户少 80%）（户数来源：登记）'
    >>> size_balance("a", 100, 300, True, 500, "registry").en
    'a: 100 households, below the minimum 300 (-80% from the mean 500) [households: registry]'
    """
    side = (
        Words("低于下限", "below the minimum") if below else Words("超过上限", "above the maximum")
    )
    zh = f"{code}：{households:,.0f} 户，{side.zh} {bound:,}"
    en = f"{code}: {households:,.0f} households, {side.en} {bound:,}"
    if mean > 0:
        deviation = households / mean - 1
        more = f"少 {-deviation:.0%}" if deviation < 0 else f"多 {deviation:+.0%}"
        zh += f"（比平均 {mean:,.0f} 户{more}）"
        en += f" ({deviation:+.0%} from the mean {mean:,.0f})"
    if source is not None:
        zh += f"（户数来源：{source_name(source, 'zh')}）"
        en += f" [households: {source}]"
    return Words(zh, en)


def households_missing(missing: int, total: int) -> Words:
    """How many areas have no household figure (size balance skips them)."""
    return Words(
        f"{total} 个区域中有 {missing} 个缺少户数，户数均衡检查未包括它们",
        f"{missing} of {total} areas have no households; size balance skips them",
    )


def empty_geometry(code: str) -> Words:
    """An area without a geometry."""
    return Words(f"{code}：图形为空", f"{code}: geometry is empty")


def invalid_geometry(code: str, reason: str) -> Words:
    """An invalid geometry and GEOS's reason (`shapely.is_valid_reason`)."""
    return Words(f"{code}：图形无效，{reason_zh(reason)}", f"{code}: invalid geometry: {reason}")


def not_polygonal(code: str, geom_type: str) -> Words:
    """A geometry that is not a polygon (a line, a point)."""
    return Words(
        f"{code}：图形无效，{geom_type} 不是面",
        f"{code}: invalid geometry: {geom_type} is not polygonal",
    )


def invalid_parent(parent_code: str | None, reason: str) -> Words:
    """An invalid parent, checked against its repair."""
    zh, en = parent_code or "上级区域", parent_code or "parent"
    return Words(
        f"{zh}：上级区域图形无效（{reason_zh(reason)}），已按修复后的图形检查",
        f"{en}: invalid parent geometry ({reason}); checked against its repair",
    )
