"""People of the roster: phones, the records of people and duties, and one row of a roster file.

A phone is personal data: `Person.masked_phone` and `RosterEntry` (what listings show) carry it
masked (`gis.incidents.privacy.mask_phone`); only the store and the import compare the number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from gis.errors import InvalidInput
from gis.incidents.privacy import mask_phone
from gis.roster.duties import DUTIES, check_duty_area, parse_duty
from gis.values import parse_text

_SEPARATORS = re.compile(r"[\s\-()（）]")
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
_LANDLINE = re.compile(r"(0[12]\d|0[3-9]\d{2})-?(\d{7,8})")
_YES = {"1", "true", "yes", "y", "是", "党员", "中共党员", "√"}
_NO = {"0", "false", "no", "n", "否", "群众", "非党员", "×"}


def parse_phone(value: object, field: str = "phone") -> str | None:
    """A Chinese mobile (11 digits) or landline (``area-number``) number; None when blank.

    Spaces, dashes and brackets are ignored, and a mobile may carry ``+86``/``86``; 010 and
    02x are the three-digit area codes (eight-digit numbers follow), the others four digits.
    A refusal shows the number masked (it may be someone's real number, and refusals are
    kept in the audit log).

    Examples
    --------
    >>> parse_phone("+86 139-0000-0001"), parse_phone("010-62731234"), parse_phone("0571 8888888")
    ('13900000001', '010-62731234', '0571-8888888')
    >>> parse_phone(""), parse_phone(None)
    (None, None)
    >>> parse_phone("12345678901", "row 3: phone")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: row 3: phone: '123****8901' is not a Chinese mobile ...
    """
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    compact = _SEPARATORS.sub("", text)
    mobile = _MOBILE.fullmatch(compact)
    if mobile:
        return mobile.group(1)
    landline = _LANDLINE.fullmatch(compact)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    raise InvalidInput(
        f"{field}: {mask_phone(text[:40])!r} is not a Chinese mobile (1[3-9] + 9 digits) "
        "or landline (0 + area code + 7-8 digits) number"
    )


def parse_party(value: object, field: str = "party_member") -> bool | None:
    """Whether a person is a party member (是/否, yes/no, 1/0, 党员); None when blank.

    Examples
    --------
    >>> parse_party("是"), parse_party("no"), parse_party("")
    (True, False, None)
    >>> parse_party("maybe")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: party_member: 'maybe' is not 是/否 (yes/no)
    """
    text = "" if value is None else str(value).strip().lower()
    if text == "":
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise InvalidInput(f"{field}: {text[:40]!r} is not 是/否 (yes/no)")


@dataclass(frozen=True)
class PersonIn:
    """A person as a roster file states them; None leaves what the roster has (a blank cell).

    Attributes
    ----------
    name : str
        姓名.
    phone, login, unit : str or None
        The phone (normalised by `parse_phone`), a user's login, the unit they work for.
    party_member : bool or None
        Whether they are a party member (党员).
    """

    name: str
    phone: str | None = None
    login: str | None = None
    unit: str | None = None
    party_member: bool | None = None


@dataclass(frozen=True)
class Person:
    """One stored version of a person; ``key`` names the person across versions."""

    id: int
    key: int
    name: str
    phone: str | None
    login: str | None
    unit: str | None
    party_member: bool
    valid_from: datetime
    valid_to: datetime | None = None

    @property
    def masked_phone(self) -> str | None:
        """The phone as listings show it.

        Examples
        --------
        >>> from datetime import UTC
        >>> Person(1, 1, "张伟", "13900000001", None, None, False, datetime.now(UTC)).masked_phone
        '139****0001'
        """
        return mask_phone(self.phone)

    def merged(self, given: PersonIn) -> PersonIn:
        """What this person becomes when a file states ``given`` (blank fields keep theirs).

        Examples
        --------
        >>> from datetime import UTC
        >>> old = Person(1, 1, "张伟", "13900000001", "zw", "城管", True, datetime.now(UTC))
        >>> old.merged(PersonIn("张伟", "13900000002"))
        PersonIn(name='张伟', phone='13900000002', login='zw', unit='城管', party_member=True)
        """
        return PersonIn(
            name=given.name,
            phone=given.phone if given.phone is not None else self.phone,
            login=given.login if given.login is not None else self.login,
            unit=given.unit if given.unit is not None else self.unit,
            party_member=self.party_member if given.party_member is None else given.party_member,
        )

    def stated(self) -> PersonIn:
        """The fields of this version, as a `PersonIn`."""
        return PersonIn(self.name, self.phone, self.login, self.unit, self.party_member)


@dataclass(frozen=True)
class Duty:
    """One stored duty: a person's post on an area (current while ``valid_to`` is None)."""

    id: int
    person_key: int
    duty: str
    area_code: str
    department: str | None
    valid_from: datetime
    valid_to: datetime | None = None

    @property
    def duty_zh(self) -> str:
        """The duty's Chinese name."""
        return DUTIES[self.duty]


@dataclass(frozen=True)
class OnDuty:
    """A current duty of a current roster person: who (``person_key``, name, login) and where.

    What dispatch reads (`gis.db.roster.on_duty`, ``person_by_key``, ``person_by_login``).
    """

    person_key: int
    name: str
    login: str | None
    duty: str
    area_code: str
    department: str | None
    duty_id: int


@dataclass(frozen=True)
class RosterEntry:
    """One current duty as listings show it: the person with the phone masked."""

    duty_id: int
    person_key: int
    name: str
    phone: str | None
    login: str | None
    unit: str | None
    party_member: bool
    duty: str
    duty_zh: str
    area_code: str
    department: str | None
    since: datetime


@dataclass(frozen=True)
class PersonCard:
    """One person as ``roster show`` tells them: the current version, duties, versions kept."""

    person: Person
    duties: tuple[Duty, ...]
    versions: int


@dataclass(frozen=True)
class RosterRow:
    """One row of a roster file: who, which duty, on which area (``row``: its line, header 1)."""

    row: int
    person: PersonIn
    duty: str
    area_code: str
    department: str | None = None


def parse_row(data: Mapping[str, object], row: int) -> RosterRow:
    """A roster row from its fields (name, phone, duty, grid_code, login, unit, department …).

    Every refusal names the row and the field.

    Examples
    --------
    >>> parse_row({"name": "张伟", "phone": "13900000001", "duty": "网格长",
    ...            "grid_code": "110108010019001"}, 2).duty
    'grid_leader'
    >>> parse_row({"name": "", "duty": "网格长", "grid_code": "110108010019001"}, 4)
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: row 4: name: missing
    """
    label = f"row {row}: "
    name = parse_text(data.get("name"), f"{label}name")
    if name is None:
        raise InvalidInput(f"{label}name: missing")
    duty = parse_duty(data.get("duty"), f"{label}duty")
    code = str(data.get("grid_code") or "").strip()
    if not code:
        raise InvalidInput(f"{label}grid_code: missing")
    person = PersonIn(
        name=name,
        phone=parse_phone(data.get("phone"), f"{label}phone"),
        login=parse_text(data.get("login"), f"{label}login"),
        unit=parse_text(data.get("unit"), f"{label}unit"),
        party_member=parse_party(data.get("party_member"), f"{label}party_member"),
    )
    department = check_department(duty, data.get("department"), f"{label}department")
    return RosterRow(
        row, person, duty, check_duty_area(duty, code, f"{label}grid_code"), department
    )


def check_department(duty: str, value: object, field: str = "department") -> str | None:
    """The department of staff sent down (下沉力量 need one; no other duty has one).

    Examples
    --------
    >>> check_department("seconded", "城管"), check_department("volunteer", None)
    ('城管', None)
    >>> check_department("seconded", " ")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: department: 下沉力量 (seconded) need the department that sent them
    """
    department = parse_text(value, field)
    if duty == "seconded" and department is None:
        raise InvalidInput(f"{field}: 下沉力量 (seconded) need the department that sent them")
    if duty != "seconded" and department is not None:
        raise InvalidInput(
            f"{field}: only 下沉力量 (seconded) have a department, not {DUTIES[duty]} ({duty}); "
            "put where they work in unit"
        )
    return department
