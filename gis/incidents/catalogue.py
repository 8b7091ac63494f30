"""The service catalogue: incident categories with names, SLA and duplicate rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from gis.errors import InvalidInput
from gis.settings import PROJECT_ROOT

DEFAULT_CATALOGUE = PROJECT_ROOT / "data" / "catalogue" / "services.yaml"


@dataclass(frozen=True)
class Category:
    """One incident category (an Open311 service)."""

    code: str
    zh: str
    en: str
    group: str
    sla_hours: float
    duplicate_radius_m: float
    duplicate_window_hours: float
    keywords: tuple[str, ...] = ()


class Catalogue:
    """The categories, by code; unknown codes are refused with the valid ones listed.

    Examples
    --------
    >>> catalogue = Catalogue.load()
    >>> catalogue["hazard"].zh
    '安全隐患'
    >>> catalogue.find("安全隐患").code
    'hazard'
    """

    def __init__(self, categories: list[Category]) -> None:
        self.categories = {category.code: category for category in categories}

    @classmethod
    def load(cls, path: Path = DEFAULT_CATALOGUE) -> Catalogue:
        """Read a YAML catalogue (a list of categories)."""
        try:
            rows = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls(
                [Category(**{**row, "keywords": tuple(row.get("keywords", ()))}) for row in rows]
            )
        except (OSError, TypeError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise InvalidInput(f"catalogue: cannot read {path}: {exc}") from exc

    def __getitem__(self, code: str) -> Category:
        return self.find(code)

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories.values())

    def names(self, lang: str = "zh") -> dict[str, str]:
        """Each category's code and its name in ``lang`` (``zh``, or ``en``).

        Examples
        --------
        >>> Catalogue.load().names("en")["hazard"]
        'Safety hazard'
        """
        return {c.code: (c.zh if lang == "zh" else c.en) for c in self.categories.values()}

    def duplicate_rules(self) -> dict[str, tuple[float, float]]:
        """Per category: the radius (m) and window (hours) in which reports may be duplicates."""
        return {
            c.code: (c.duplicate_radius_m, c.duplicate_window_hours)
            for c in self.categories.values()
        }

    def find(self, code_or_name: str, field: str = "category") -> Category:
        """The category with this code, Chinese or English name."""
        wanted = code_or_name.strip()
        for category in self.categories.values():
            if wanted in (category.code, category.zh, category.en):
                return category
        valid = ", ".join(f"{c.code} ({c.zh})" for c in self.categories.values())
        raise InvalidInput(f"{field}: unknown category {code_or_name!r}; valid: {valid}")
