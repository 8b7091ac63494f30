"""Dispatch rules: per category, where a new incident that lands in a grid goes.

``to`` is ``grid`` (the grid's full-time worker, else its leader), ``department`` (the first
department accepting the category) or ``street_dispatcher`` (the subdistrict's dispatcher,
to triage it). The rules are read from YAML (``data/catalogue/dispatch.yaml``) at the entry
points, and checked then against the service catalogue and the departments.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from gis.errors import InvalidInput
from gis.settings import PROJECT_ROOT

DEFAULT_RULES = PROJECT_ROOT / "data" / "catalogue" / "dispatch.yaml"
TARGETS = ("grid", "department", "street_dispatcher")
"""Where a rule may send an incident."""

GRID_DUTIES = ("full_time", "grid_leader")
"""Who answers for a grid's incidents, first found first."""

SUBDISTRICT_DIGITS = 9
"""A grid code's first 9 digits are its subdistrict's code (GB/T 2260 + 3)."""


@dataclass(frozen=True)
class Rule:
    """One rule: its name, the categories it takes, where it sends them."""

    name: str
    categories: tuple[str, ...]
    to: str


def subdistrict_of(grid_code: str) -> str:
    """The subdistrict code of a grid (or community) code.

    Examples
    --------
    >>> subdistrict_of("110108010019001")
    '110108010'
    """
    return grid_code[:SUBDISTRICT_DIGITS]


class Rules:
    """The dispatch rules in their order; the first naming a category applies.

    Examples
    --------
    >>> rules = Rules.load()
    >>> rules.for_category("hazard").to, rules.for_category("dispute").to
    ('grid', 'street_dispatcher')
    >>> Rules([Rule("r", ("hazard",), "mayor")])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: dispatch rule r: to 'mayor' is not one of grid, department, ...
    """

    def __init__(self, rules: list[Rule]) -> None:
        for rule in rules:
            if rule.to not in TARGETS:
                raise InvalidInput(
                    f"dispatch rule {rule.name}: to {rule.to!r} is not one of {', '.join(TARGETS)}"
                )
        self.rules = rules

    @classmethod
    def load(cls, path: Path = DEFAULT_RULES) -> Rules:
        """Read the YAML rules (a list of ``rule``, ``categories``, ``to``)."""
        try:
            rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
            return cls(
                [
                    Rule(str(r["rule"]), tuple(str(c) for c in r["categories"]), str(r["to"]))
                    for r in rows
                ]
            )
        except (OSError, KeyError, TypeError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise InvalidInput(f"dispatch rules: cannot read {path}: {exc}") from exc

    def check(self, categories: set[str], departments: set[str]) -> None:
        """Refuse rules naming an unknown category, or sending one no department accepts.

        ``departments`` are the categories some department accepts.
        """
        for rule in self.rules:
            for category in rule.categories:
                if category not in categories:
                    raise InvalidInput(f"dispatch rule {rule.name}: no category {category!r}")
                if rule.to == "department" and category not in departments:
                    raise InvalidInput(
                        f"dispatch rule {rule.name}: no department accepts {category!r}"
                    )

    def for_category(self, category: str) -> Rule | None:
        """The rule for a category (None: it stays in the dispatchers' queue)."""
        return next((r for r in self.rules if category in r.categories), None)
