"""Place names of China, to take the administrative prefixes off the front of an address.

The names come from the national statistical division codes (国家统计局 统计用区划代码; a compact
derivation ships in ``data/admin_divisions/places.csv``) and from the areas the store holds. A
code says a name's level and its parents: 2 digits for a province, 4 a city, 6 a county, 9 a
town (街道/镇/乡), 12 a community or village, 15 a grid, each beginning with its parent's code.

Every name is known with and without its suffix: 嘉峪关市 → 嘉峪关, 钢城街道 → 钢城,
石油大院社区居委会 → 石油大院社区 → 石油大院, 肃南裕固族自治县 → 肃南. `Places.split` takes the
names off the front of an address greedily, level by level (province → city → county → town),
and finds the community name that may follow. It never takes a name that would leave nothing
or only numbers (学院路 of 学院路18号 is the road, not 学院路街道), never a bare name (one that
lost its suffix) before a road word (海淀路, 北京大学) or a house number, and a bare town or
community name only below a place already taken (洪水 after 民乐; not 洪水 on its own).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from gis.errors import InvalidInput
from gis.settings import PROJECT_ROOT

DEFAULT_PLACES = PROJECT_ROOT / "data" / "admin_divisions" / "places.csv"
SAMPLE_COUNTIES = ("110108", "620201", "620722", "150302", "620821", "360881")
"""The counties whose towns and communities ship: the sample's 海淀区 and the target counties."""

TIERS = {0: 0, 2: 1, 4: 2, 6: 3, 9: 4, 12: 5, 15: 5}
"""Code length → tier (country, province, city, county, town, community); grids go with
communities, whose names they begin with."""
TOWN, COMMUNITY = 4, 5
ALIASES = {
    "": ("中华人民共和国", "中国", "china"),
    "11": ("beijing",),
    "12": ("tianjin",),
    "31": ("shanghai",),
    "50": ("chongqing",),
}
"""Names the code lists lack: the country, and the municipalities in pinyin."""
COMMITTEES = ("居民委员会", "村民委员会", "居委会", "村委会")
SUFFIXES = (
    *("特别行政区", "自治区", "自治州", "自治县", "自治旗", "街道", "社区", "地区"),
    *("省", "市", "区", "县", "旗", "盟", "镇", "乡", "村"),
)
ETHNIC = (
    "柯尔克孜|乌孜别克|鄂伦春|鄂温克|达斡尔|维吾尔|塔吉克|塔塔尔|俄罗斯|哈萨克|"
    "蒙古|土家|哈尼|傈僳|拉祜|东乡|纳西|景颇|仫佬|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|"
    "德昂|保安|裕固|独龙|赫哲|门巴|珞巴|基诺|朝鲜|布依|高山|"
    "藏|回|苗|彝|壮|侗|瑶|白|傣|黎|佤|畲|水|土|羌|怒|京|满"
)
_ETHNIC_RUN = re.compile(f"(?:(?:{ETHNIC})族?)+$")
_UNNAMED = ("市辖区", "县")
_WORDS = frozenset((*SUFFIXES, *COMMITTEES))
_GOES_ON = re.compile(
    r"[东西南北中]{0,2}(?:路|街|大街|大道|巷|胡同|弄)|大学|公园|广场|桥|"
    + "|".join(SUFFIXES + COMMITTEES)
)
_NAMELIKE = re.compile(
    r"[\u4e00-\u9fa5]{1,2}?(?:" + "|".join((*SUFFIXES, *COMMITTEES, "小区", "园", "苑", "庄")) + ")"
)
_NUMBERS_ONLY = re.compile(
    r"[\d\-A-Za-z零〇一二两三四五六七八九十百甲乙丙丁号楼栋幢座单元层室院户]*"
)


def leaves_nothing(rest: str) -> bool:
    """True when ``rest`` holds no name: nothing, or only numbers and unit words.

    Examples
    --------
    >>> leaves_nothing(""), leaves_nothing("18号10号楼2单元"), leaves_nothing("甲2号院")
    (True, True, True)
    >>> leaves_nothing("村民委员会")  # of 嘉峪关村村民委员会: a name's own suffix
    True
    >>> leaves_nothing("住宅10号楼"), leaves_nothing("五一路8号")
    (False, False)
    """
    return _NUMBERS_ONLY.fullmatch(rest) is not None or rest in _WORDS


def plain_name(name: str) -> str:
    """A community's name without its committee (居委会 …), as addresses write it.

    Examples
    --------
    >>> plain_name("石油大院社区居委会"), plain_name("嘉峪关村村民委员会"), plain_name("东街")
    ('石油大院社区', '嘉峪关村', '东街')
    """
    return _drop(name, COMMITTEES)


def variants(name: str) -> list[tuple[str, bool]]:
    """A name's forms, longest first, each with whether it is bare (without its suffix).

    Examples
    --------
    >>> variants("石油大院社区居委会")
    [('石油大院社区居委会', False), ('石油大院社区', False), ('石油大院', True)]
    >>> [form for form, _ in variants("肃南裕固族自治县")], variants("东街居民委员会")
    (['肃南裕固族自治县', '肃南裕固族', '肃南'], [('东街居民委员会', False), ('东街', True)])
    >>> variants("内蒙古自治区"), variants("海淀区"), variants("城区"), variants("市辖区")
    ([('内蒙古自治区', False), ('内蒙古', True)], [('海淀区', False), ('海淀', True)], \
[('城区', False)], [('市辖区', False)])
    """
    if name in _UNNAMED:
        return [(name, False)]
    plain = plain_name(name)
    forms = [(name, False), (plain, not plain.endswith(SUFFIXES))]
    short = _drop(plain, SUFFIXES)
    if short != plain:
        forms.append((short, True))
        ethnic = "自治" in name or short.endswith("族")  # not 六盘水市 → 六盘
        if ethnic and len(bare := _ETHNIC_RUN.sub("", short)) >= 2:
            forms.append((bare, True))
    unique: dict[str, bool] = {}
    for form, is_bare in forms:
        unique.setdefault(form, is_bare)
    return [(form, is_bare) for form, is_bare in unique.items() if len(form) >= 2]


def _drop(name: str, suffixes: tuple[str, ...]) -> str:
    """``name`` without the first of ``suffixes`` it ends with, if two characters remain."""
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Split:
    """An address cut at its prefixes: the names taken, a community name after them, the rest.

    ``community`` is the (code, text as written) of a community or grid name that follows the
    prefixes (whether to keep it is the caller's choice); ``rest`` is what follows it.
    """

    stripped: tuple[str, ...]
    community: tuple[str, str] | None
    rest: str


class Places:
    """Place names by tier, each form with the codes it names, to split addresses with.

    Examples
    --------
    >>> places = Places([("62", "甘肃省"), ("6202", "嘉峪关市"), ("620201002", "钢城街道"),
    ...                  ("620201002002", "新华社区")])
    >>> places.split("甘肃嘉峪关市钢城新华社区新华路1号")  # doctest: +NORMALIZE_WHITESPACE
    Split(stripped=('甘肃', '嘉峪关市', '钢城'), community=('620201002002', '新华社区'),
          rest='新华路1号')
    >>> places.split("钢城新华路1号").stripped, places.split("嘉峪关市").stripped
    ((), ())
    """

    def __init__(self, names: Iterable[tuple[str, str]] = ()) -> None:
        self.names = [(code, name) for code, name in names if len(code) in TIERS]
        aliases = [(code, alias) for code, group in ALIASES.items() for alias in group]
        self._tiers: list[dict[str, list[tuple[str, bool]]]] = [{} for _ in range(COMMUNITY + 1)]
        for code, name in [*aliases, *self.names]:
            tier = self._tiers[TIERS[len(code)]]
            for form, bare in variants(name):
                tier.setdefault(form.lower(), []).append((code, bare))
        self._lengths: list[dict[str, list[int]]] = []  # first two characters → name lengths
        for tier in self._tiers:
            heads: dict[str, set[int]] = {}
            for form in tier:
                heads.setdefault(form[:2], set()).add(len(form))
            self._lengths.append({head: sorted(n, reverse=True) for head, n in heads.items()})

    @classmethod
    def load(cls, path: Path = DEFAULT_PLACES) -> Places:
        """Read a ``code,name`` CSV of place names (the default: the shipped code lists)."""
        return cls(read_names(path))

    def with_areas(self, areas: Mapping[str, str]) -> Places:
        """These places and the stored areas (code → name), e.g. 石油大院社区第01网格."""
        return Places([*self.names, *areas.items()])

    def split(self, text: str) -> Split:
        """Take the administrative prefixes off the front of ``text`` (see the module).

        A name may repeat (北京市北京市海淀区) but only ever follows its parent's name, so
        北京市海淀区北京大学 keeps 北京大学.
        """
        lowered, at, context, stripped = text.lower(), 0, "", []
        for tier in range(COMMUNITY):
            same: str | None = None
            while found := self._find(tier, lowered[at:], context, same):
                context = same = found[0]
                stripped.append(text[at : at + found[1]])
                at += found[1]
        found = self._find(COMMUNITY, lowered[at:], context, None)
        if found is None:
            return Split(tuple(stripped), None, text[at:])
        token = text[at : at + found[1]]
        return Split(tuple(stripped), (found[0], token), text[at + found[1] :])

    def _find(self, tier: int, text: str, context: str, same: str | None) -> tuple[str, int] | None:
        """The code and length of the longest name of ``tier`` that may be taken off ``text``."""
        for length, code, bare in self._names(tier, text, context):
            if (same is None or code == same) and not self._refused(
                text[length:], code, bare, tier, context
            ):
                return code, length
        return None

    def _names(self, tier: int, text: str, context: str) -> Iterator[tuple[int, str, bool]]:
        """The names of ``tier`` under ``context`` that ``text`` begins with, longest first."""
        names = self._tiers[tier]
        for length in self._lengths[tier].get(text[:2], ()):
            for code, bare in names.get(text[:length], ()) if length < len(text) else ():
                if code.startswith(context):
                    yield length, code, bare

    def _refused(self, rest: str, code: str, bare: bool, tier: int, context: str) -> bool:
        """True when a name may not be taken: it leaves nothing, or a bare name reads on.

        A bare name reads on into a road (海淀路), a place of its own (东升 of 东升园社区, but
        not 钢城 of 钢城新华社区: 新华社区 is known there) or a house number (学院路18号).
        """
        if leaves_nothing(rest):
            return True
        if tier == 0:  # only before a province, city or county: 中国 of 中国农业大学 stays
            return not any(next(self._names(below, rest, ""), None) for below in (1, 2, 3))
        if not bare:
            return False
        if (tier >= TOWN and not context) or rest[0].isdigit() or _GOES_ON.match(rest):
            return True
        return _NAMELIKE.match(rest) is not None and not self._names_below(tier, rest, code)

    def _names_below(self, tier: int, text: str, context: str) -> bool:
        """True when ``text`` begins with a name of a lower tier under ``context``."""
        below = range(tier + 1, COMMUNITY + 1)
        return any(next(self._names(lower, text, context), None) for lower in below)


def read_names(path: Path) -> list[tuple[str, str]]:
    """The (code, name) rows of a ``code,name`` CSV file."""
    try:
        with path.open(encoding="utf-8", newline="") as file:
            return [(row["code"].strip(), row["name"].strip()) for row in csv.DictReader(file)]
    except (OSError, KeyError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"places: cannot read {path}: {exc}") from exc


@cache
def default_places() -> Places:
    """The shipped code lists, read once a process (they never change while it runs)."""
    return Places.load()


def derive_names(source: Path, counties: Iterable[str] = SAMPLE_COUNTIES) -> list[tuple[str, str]]:
    """The names to ship, from the code lists of ``china-division`` (``nbs2023_*.csv``).

    Every province, city and county, and the towns and communities of ``counties``; the
    aggregates ``省直辖县级行政区划`` are left out. Sorted by code.
    """
    counties = set(counties)
    rows: dict[str, str] = {}
    for level in ("provinces", "cities", "counties"):
        rows.update(read_names(source / f"nbs2023_{level}.csv"))
    with (source / "nbs2023_towns.csv").open(encoding="utf-8", newline="") as file:
        towns = csv.DictReader(file)
        rows.update((r["code"], r["name"]) for r in towns if r["areaCode"] in counties)
    for chain in ("haidian_110108_communities", "target_counties_villages_communities"):
        with (source / f"nbs2023_{chain}.csv").open(encoding="utf-8", newline="") as file:
            rows.update(
                (r["village_code"], r["village"])
                for r in csv.DictReader(file)
                if r["county_code"] in counties
            )
    return sorted((code, name) for code, name in rows.items() if "直辖" not in name)
