"""The departments (职能部门) incidents go to: a directory with the categories each accepts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from gis.errors import InvalidInput
from gis.settings import PROJECT_ROOT

DEFAULT_DEPARTMENTS = PROJECT_ROOT / "data" / "catalogue" / "departments.yaml"


@dataclass(frozen=True)
class Department:
    """A department: its code, names, duty phone and the categories it accepts."""

    code: str
    zh: str
    en: str
    phone: str | None
    categories: tuple[str, ...]


class Departments:
    """The directory, by code; found by code or by Chinese or English name.

    Examples
    --------
    >>> directory = Departments.load()
    >>> directory.find("城管执法").code, directory.find("police").zh
    ('chengguan', '公安派出所')
    >>> directory.accepting("fire").code
    'fire'
    >>> directory.find("气象局")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: department: no department '气象局'; one of chengguan (城管执法), ...
    """

    def __init__(self, departments: list[Department]) -> None:
        self.departments = {d.code: d for d in departments}

    @classmethod
    def load(cls, path: Path = DEFAULT_DEPARTMENTS) -> Departments:
        """Read the YAML directory (a list of departments)."""
        try:
            rows = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls(
                [
                    Department(
                        code=str(row["code"]),
                        zh=str(row["zh"]),
                        en=str(row.get("en", row["zh"])),
                        phone=None if row.get("phone") is None else str(row["phone"]),
                        categories=tuple(str(c) for c in row.get("categories", ())),
                    )
                    for row in rows
                ]
            )
        except (OSError, KeyError, TypeError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise InvalidInput(f"departments: cannot read {path}: {exc}") from exc

    def __iter__(self) -> Iterator[Department]:
        return iter(self.departments.values())

    def get(self, name: str) -> Department | None:
        """The department of a code or a name (None when there is none)."""
        wanted = name.strip()
        found = self.departments.get(wanted)
        if found is not None:
            return found
        return next((d for d in self if wanted in (d.zh, d.en)), None)

    def find(self, name: str, field: str = "department") -> Department:
        """The department of a code or a name; an unknown one is refused naming them all."""
        found = self.get(name)
        if found is None:
            known = ", ".join(f"{d.code} ({d.zh})" for d in self)
            raise InvalidInput(f"{field}: no department {name!r}; one of {known}")
        return found

    def accepting(self, category: str) -> Department | None:
        """The first department that accepts ``category`` (None when none does)."""
        return next((d for d in self if category in d.categories), None)
