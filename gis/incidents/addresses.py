"""Chinese address normalisation and matching against a standard-address registry (一标三实).

Matching goes exact → normalised → fuzzy (rapidfuzz, with a score and a threshold); a fuzzy match
must keep the same house numbers, so 学院路18号 never resolves to 学院路16号.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

FUZZY_THRESHOLD = 85.0
_PREFIXES = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^(中国|中华人民共和国|china)",
        r"^(北京|上海|天津|重庆)市?",
        r"^(beijing|shanghai|tianjin|chongqing)",
        r"^[\u4e00-\u9fa5]{2,7}?(省|自治区|特别行政区)",
        r"^市辖区",
        r"^[\u4e00-\u9fa5]{2,6}?市(?!场)",
        r"^[\u4e00-\u9fa5]{1,4}?(?<!小)(区|县|旗)",
        r"^(海淀|朝阳|东城|西城|丰台|石景山)(?!区)",
        r"^[\u4e00-\u9fa5]{2,6}?(街道|镇|乡)(?=.)",
    )
]
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
_PUNCT = re.compile(r"[\s,，。.、;；:：()（）\[\]【】\"'“”‘’#＃]+")
_NUMBERS = re.compile(r"[甲乙丙丁]?\d+(?:-\d+)?")


def _cn_to_int(text: str) -> str:
    if text == "十":
        return "10"
    if "十" in text:
        tens, _, ones = text.partition("十")
        return str(_NUMERALS.get(tens, 1) * 10 + _NUMERALS.get(ones, 0))
    return "".join(str(_NUMERALS[c]) for c in text)


def normalise(address: str) -> str:
    """A canonical form of a Chinese address for matching.

    Full-width characters become half-width (NFKC), spaces and punctuation go, province/city/
    district prefixes go, Chinese numerals before 号/栋/单元/层/室 become digits, 栋/幢/座 become
    号楼, and a bare 甲乙丙丁 house number gets its 号.

    Examples
    --------
    >>> normalise("北京市海淀区 学院路１８号 ３栋二单元 502室")
    '学院路18号3号楼2单元502室'
    >>> normalise("北京 学院路丁11")
    '学院路丁11号'
    >>> normalise("中国北京市海淀区志新西路3-1号")
    '志新西路3-1号'
    """
    text = unicodedata.normalize("NFKC", address).strip()
    text = _PUNCT.sub("", text)
    text = _strip_prefixes(text)
    text = _CN_NUMBER.sub(lambda m: _cn_to_int(m.group(1)), text)
    text = _BUILDING.sub(r"\1号楼", text)
    text = _UNNUMBERED_HOUSE.sub(r"\1\2号", text)
    return text


def _strip_prefixes(text: str) -> str:
    """Drop administrative prefixes, repeatedly (北京市北京市海淀区… happens)."""
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            shorter = prefix.sub("", text, count=1)
            if shorter != text and shorter:
                text, changed = shorter, True
    return text


def house_numbers(normalised: str) -> tuple[str, ...]:
    """The numbers in an address (甲2, 18, 3-1 …), which a fuzzy match must keep.

    Examples
    --------
    >>> house_numbers("学院路18号3号楼2单元")
    ('18', '3', '2')
    """
    return tuple(_NUMBERS.findall(normalised))


@dataclass(frozen=True)
class StandardAddress:
    """One entry of the standard-address registry: its text, WGS84 point, building, households."""

    id: int
    address: str
    lon: float
    lat: float
    building: str | None
    households: int | None


@dataclass(frozen=True)
class AddressMatch:
    """How an address was resolved: the registry entry's position, method and score (0–100)."""

    position: int
    method: str  # "exact" | "normalised" | "fuzzy"
    score: float


class AddressMatcher:
    """Resolve free-text addresses against a registry of standard addresses.

    Examples
    --------
    >>> m = AddressMatcher(["北京市海淀区学院路18号", "北京市海淀区志新西路3-1号"])
    >>> m.match("学院路 18 号").method, m.match("海淀区志新西路3-1号").position
    ('normalised', 1)
    >>> m.match("学院路十八号") is not None, m.match("学院路16号") is None
    (True, True)
    """

    def __init__(self, addresses: Sequence[str], threshold: float = FUZZY_THRESHOLD) -> None:
        self.raw = {address.strip(): i for i, address in enumerate(addresses)}
        self.keys = [normalise(address) for address in addresses]
        self.by_key = {key: i for i, key in enumerate(self.keys)}
        self.threshold = threshold

    def match(self, address: str) -> AddressMatch | None:
        """The best registry entry for ``address``, or None below the threshold."""
        if address.strip() in self.raw:
            return AddressMatch(self.raw[address.strip()], "exact", 100.0)
        key = normalise(address)
        if key in self.by_key:
            return AddressMatch(self.by_key[key], "normalised", 100.0)
        numbers = house_numbers(key)
        for _, score, i in process.extract(
            key, self.keys, scorer=fuzz.ratio, limit=5, score_cutoff=self.threshold
        ):
            if house_numbers(self.keys[i]) == numbers:
                return AddressMatch(int(i), "fuzzy", float(score))
        return None
