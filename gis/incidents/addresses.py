"""Chinese address normalisation and matching against a standard-address registry (一标三实).

An address is cleaned (NFKC, no spaces or punctuation), its administrative prefixes are taken
off (`gis.places`: the national code lists and the stored areas, so 甘肃省嘉峪关市钢城街道 goes as
well as 北京市海淀区), and its numbers are written one way (十号楼 → 10号楼, 3栋 → 3号楼).
Matching then tries, in order:

``exact``
    the registry's text as written;
``normalised``
    the same normalised form;
``building``
    the building (or house) the address is in, with the unit, floor and room kept apart:
    石油大院社区住宅10号楼2单元301 or …10-2-301 → 石油大院社区住宅10号楼, unit ``2单元301``;
``fuzzy``
    the closest registry text with the very same house numbers (rapidfuzz ratio, at least the
    threshold), so 学院路18号 never resolves to 学院路16号;

and answers an `AddressMatch` that says which rule matched, how well, and what was read.
A community name stays in the normalised form when the registry's addresses carry it
(石油大院社区住宅3号楼 and 中国农业大学东校区社区住宅3号楼 are different buildings); any other is
taken off like the other prefixes.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rapidfuzz import fuzz, process

from gis.places import COMMITTEES, Places, Split, default_places, plain_name

FUZZY_THRESHOLD = 85.0
Rule = Literal["exact", "normalised", "building", "fuzzy", "none"]
_NUMERALS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMBER = re.compile(r"([零〇一二两三四五六七八九十]{1,3})(?=号|栋|幢|座|单元|层|楼|室)")
_BUILDING = re.compile(r"(\d+)(栋|幢|座)")
_UNNUMBERED_HOUSE = re.compile(r"([甲乙丙丁])(\d+)(?!\d|号|-)")
_COMMITTEE_END = re.compile(f"(?:{'|'.join(COMMITTEES)})$")
_PUNCT = re.compile(r"[\s,，。.、;；:：()（）\[\]【】\"'“”‘’#＃]+")
_NUMBERS = re.compile(r"[甲乙丙丁]?\d+(?:-\d+)?")
_ROOMS = re.compile(
    r"(?<!\d)(?P<building>\d+)号楼(?:(?P<unit>\d+)单元)?(?:(?P<floor>\d+)层)?"
    r"(?:(?P<room>\d+)(?:室|号|户)?)?$"
)
_TRIPLE = re.compile(r"(?<![\d-])(?P<building>\d+)-(?P<unit>\d+)-(?P<room>\d+)(?:室|号)?$")


def _cn_to_int(text: str) -> str:
    if text == "十":
        return "10"
    if "十" in text:
        tens, _, ones = text.partition("十")
        return str(_NUMERALS.get(tens, 1) * 10 + _NUMERALS.get(ones, 0))
    return "".join(str(_NUMERALS[c]) for c in text)


@dataclass(frozen=True)
class Normalised:
    """An address as matched: its normalised form and the prefixes taken off, as written.

    ``plain`` is the form without the community name it kept (None when it kept none);
    ``named`` says whether a community was named at all (kept or taken off).
    """

    key: str
    stripped: tuple[str, ...] = ()
    plain: str | None = None
    named: bool = False

    def forms(self) -> list[tuple[str, bool]]:
        """The forms to look up, each with whether it names a community: key, then plain."""
        return [(self.key, self.named), *([(self.plain, True)] if self.plain else [])]


def clean(address: str) -> str:
    """Half-width (NFKC), without spaces and punctuation.

    Examples
    --------
    >>> clean(" 学院路 １８号，（东门）")
    '学院路18号东门'
    """
    return _PUNCT.sub("", unicodedata.normalize("NFKC", address).strip())


def read_address(
    address: str, places: Places | None = None, kept: Mapping[str, str] | None = None
) -> Normalised:
    """The normalised form of ``address`` and the prefixes taken off it.

    ``kept`` maps the codes of the communities the registry's addresses name to the form they
    name them by (a grid's name, 石油大院社区第01网格, reads as its community's); another
    community name is taken off (when something other than numbers follows it). Without
    ``kept`` every community name stays as written.

    Examples
    --------
    >>> read = read_address("甘肃省嘉峪关市钢城街道大众社区五一路8号", kept={})
    >>> read.key, read.stripped
    ('五一路8号', ('甘肃省', '嘉峪关市', '钢城街道', '大众社区'))
    >>> read_address("石油大院社区居委会住宅十号楼", kept={"110108010018": "石油大院社区"}).key
    '石油大院社区住宅10号楼'
    """
    return _normalised((places or default_places()).split(clean(address)), kept)


def _normalised(split: Split, kept: Mapping[str, str] | None) -> Normalised:
    """A split address normalised, its community name kept or taken off (`read_address`)."""
    stripped, community = split.stripped, ""
    if split.community is not None:
        code, written = split.community
        if kept is None:
            community = plain_name(written)
        elif form := kept.get(code) or kept.get(code[:12]):  # a grid: its community's form
            community = form
        else:
            stripped = (*stripped, written)
    rest = _numbers(_COMMITTEE_END.sub("", split.rest) or split.rest)
    plain = rest if community else None
    return Normalised(_numbers(community) + rest, stripped, plain, split.community is not None)


def _numbers(text: str) -> str:
    """Numbers written one way: digits, 号楼 for 栋/幢/座, 号 after a bare 甲乙丙丁 number."""
    text = _CN_NUMBER.sub(lambda m: _cn_to_int(m.group(1)), text)
    text = _BUILDING.sub(r"\1号楼", text)
    return _UNNUMBERED_HOUSE.sub(r"\1\2号", text)


def normalise(address: str, places: Places | None = None) -> str:
    """A canonical form of a Chinese address for matching.

    Full-width characters become half-width (NFKC), spaces and punctuation go, administrative
    prefixes go (`gis.places`; community names stay), Chinese numerals before 号/栋/单元/层/室
    become digits, 栋/幢/座 become 号楼, and a bare 甲乙丙丁 house number gets its 号.

    Examples
    --------
    >>> normalise("北京市海淀区 学院路１８号 ３栋二单元 502室")
    '学院路18号3号楼2单元502室'
    >>> normalise("北京 学院路丁11"), normalise("中国北京市海淀区志新西路3-1号")
    ('学院路丁11号', '志新西路3-1号')
    >>> normalise("甘肃省张掖市民乐县洪水镇民乐路12号"), normalise("海淀区")
    ('民乐路12号', '海淀区')
    """
    return read_address(address, places).key


def house_numbers(normalised: str) -> tuple[str, ...]:
    """The numbers in an address (甲2, 18, 3-1 …), which a fuzzy match must keep.

    Examples
    --------
    >>> house_numbers("学院路18号3号楼2单元")
    ('18', '3', '2')
    """
    return tuple(_NUMBERS.findall(normalised))


def rooms(key: str) -> tuple[tuple[str, str], ...]:
    """The registry entries an address may be in, with the part of it below them.

    The building of a normalised address with a unit, floor or room, then its house (the
    address without the building), each with what the address names below it.

    Examples
    --------
    >>> rooms("石油大院社区住宅10号楼2单元301")
    (('石油大院社区住宅10号楼', '2单元301'), ('石油大院社区住宅', '10号楼2单元301'))
    >>> rooms("学院路18号10-2-301")[0], rooms("学院路18号10号楼2单元3层301号")[0]
    (('学院路18号10号楼', '2单元301'), ('学院路18号10号楼', '2单元3层301'))
    >>> rooms("学院路18号10号楼"), rooms("志新西路3-1号")
    ((('学院路18号', '10号楼'),), ())
    """
    found = _TRIPLE.search(key) or _ROOMS.search(key)
    if found is None:
        return ()
    parts = found.groupdict()
    below = "".join(
        f"{parts[name]}{word}"
        for name, word in (("unit", "单元"), ("floor", "层"), ("room", ""))
        if parts.get(name)
    )
    base, building = key[: found.start()], f"{parts['building']}号楼"
    candidates = [(base + building, below)] if below else []
    if base:
        candidates.append((base, building + below))
    return tuple(candidates)


@dataclass(frozen=True)
class StandardAddress:
    """One entry of the standard-address registry: its text, WGS84 point, building, households."""

    id: int
    address: str
    lon: float
    lat: float
    building: str | None = None
    households: int | None = None


@dataclass(frozen=True)
class AddressMatch:
    """How a free-text address was matched, explained.

    Attributes
    ----------
    address : StandardAddress or None
        The registry entry (None: no match, ``rule`` is ``none``).
    rule : str
        ``exact``, ``normalised``, ``building``, ``fuzzy`` or ``none``.
    score : float
        0–100: 100 for exact, normalised and building matches, the rapidfuzz ratio for fuzzy.
    normalised : str
        The address as matched (`read_address`).
    stripped : tuple of str
        The administrative prefixes taken off, as written.
    unit : str or None
        What the address names below the registry entry (``2单元301``), kept apart.
    """

    address: StandardAddress | None
    rule: Rule
    score: float
    normalised: str
    stripped: tuple[str, ...] = ()
    unit: str | None = None

    @property
    def matched(self) -> bool:
        """True when a registry entry was found."""
        return self.address is not None

    @property
    def method(self) -> str:
        """How an incident placed by this match was located (``address_building`` …)."""
        return f"address_{self.rule}"

    def explanation(self) -> dict[str, Any]:
        """The match as JSON-ready data: the rule, score, what was read, and the entry.

        Examples
        --------
        >>> AddressMatch(StandardAddress(7, "学院路18号", 116.3, 40.0), "fuzzy", 90.0,
        ...              "学院路18号").explanation()["address"]
        {'id': 7, 'text': '学院路18号', 'lon': 116.3, 'lat': 40.0}
        """
        found = self.address
        return {
            "rule": self.rule,
            "score": round(self.score, 1),
            "normalised": self.normalised,
            "stripped": list(self.stripped),
            "unit": self.unit,
            "address": None
            if found is None
            else {"id": found.id, "text": found.address, "lon": found.lon, "lat": found.lat},
        }


class AddressMatcher:
    """Resolve free-text addresses against a registry of standard addresses.

    Parameters
    ----------
    registry : sequence of StandardAddress
        The standard addresses.
    places : Places, optional
        The place names whose prefixes are taken off (default: the shipped code lists).
    threshold : float
        The least rapidfuzz ratio of a fuzzy match (100 turns fuzzy matching off).

    Examples
    --------
    >>> m = AddressMatcher([StandardAddress(1, "北京市海淀区学院路18号", 116.35, 40.0),
    ...                     StandardAddress(2, "北京市海淀区学院路18号10号楼", 116.35, 40.0)])
    >>> found = m.match("海淀区学院路十八号十栋2单元301室")
    >>> found.address.id, found.rule, found.unit, found.stripped
    (2, 'building', '2单元301', ('海淀区',))
    >>> m.match("学院路16号").rule
    'none'
    """

    def __init__(
        self,
        registry: Sequence[StandardAddress],
        *,
        places: Places | None = None,
        threshold: float = FUZZY_THRESHOLD,
    ) -> None:
        self.registry = list(registry)
        self.places = places or default_places()
        self.threshold = threshold
        splits = [self.places.split(clean(entry.address)) for entry in self.registry]
        self.kept = _community_forms(splits)
        self.raw = {entry.address.strip(): i for i, entry in enumerate(self.registry)}
        read = [_normalised(split, self.kept) for split in splits]
        self.keys = [r.key for r in read]
        self.by_key = {key: i for i, key in reversed(list(enumerate(self.keys)))}
        self.by_plain = _unique_plain(read, self.by_key)
        self.by_numbers: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i, key in enumerate(self.keys):
            self.by_numbers[house_numbers(key)].append(i)

    def _read(self, address: str) -> Normalised:
        return read_address(address, self.places, self.kept)

    def _find(self, key: str, named: bool) -> int | None:
        """The entry read as ``key``.

        A key that names no community also finds the one entry read so without its community
        (新华中路12号 finds 新华社区新华中路12号 when no other entry reads 新华中路12号).
        """
        found = self.by_key.get(key)
        return self.by_plain.get(key) if found is None and not named else found

    def match(self, address: str) -> AddressMatch:
        """The registry entry for ``address``, the rule that found it, and what was read."""
        read = self._read(address)
        if (i := self.raw.get(address.strip())) is not None:
            return self._found(i, "exact", 100.0, read)
        forms = read.forms()
        for key, named in forms:
            if (i := self._find(key, named)) is not None:
                return self._found(i, "normalised", 100.0, read)
        parts = [(entry, below, named) for key, named in forms for entry, below in rooms(key)]
        for entry, below, named in parts:
            if (i := self._find(entry, named)) is not None:
                return self._found(i, "building", 100.0, read, below)
        near: list[tuple[str, str | None]] = [(read.key, None), *[(e, b) for e, b, _ in parts[:1]]]
        for key, unit in near:
            if found := self._fuzzy(key):
                return self._found(found[0], "fuzzy", found[1], read, unit)
        return AddressMatch(None, "none", 0.0, read.key, read.stripped)

    def _found(
        self, i: int, rule: Rule, score: float, read: Normalised, unit: str | None = None
    ) -> AddressMatch:
        return AddressMatch(self.registry[i], rule, score, read.key, read.stripped, unit or None)

    def _fuzzy(self, key: str) -> tuple[int, float] | None:
        """The closest entry with the same house numbers, and its score, if above the threshold."""
        same = self.by_numbers.get(house_numbers(key), [])
        found = process.extractOne(
            key, [self.keys[i] for i in same], scorer=fuzz.ratio, score_cutoff=self.threshold
        )
        return None if found is None else (same[found[2]], float(found[1]))


def _unique_plain(read: Sequence[Normalised], by_key: Mapping[str, int]) -> dict[str, int]:
    """The entries by their form without the community they name, where only one reads so."""
    counted = Counter(r.plain for r in read if r.plain)
    return {
        r.plain: i
        for i, r in enumerate(read)
        if r.plain and counted[r.plain] == 1 and r.plain not in by_key
    }


def _community_forms(splits: Sequence[Split]) -> dict[str, str]:
    """The communities the registry names after its prefixes, each by its most used form."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for split in splits:
        if split.community is not None:
            forms[split.community[0]][plain_name(split.community[1])] += 1
    return {code: counted.most_common(1)[0][0] for code, counted in forms.items()}
