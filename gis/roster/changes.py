"""What an imported roster changes: the file states the roster of the areas it names.

`plan_roster` compares the file's rows with the current people and the current duties on
those areas: duties the file no longer has are retired, new ones added, and a person whose
name, phone, login, unit or party flag changed gets a new version. A person of the file is
the roster's person with the same login, else the same phone, else the same name holding a
duty on one of the person's areas (a person with another login never matches by phone or
name); otherwise a new person. Pure: the use case reads the store and writes the changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from gis.errors import InvalidInput
from gis.incidents.privacy import mask_phone
from gis.roster.people import Duty, Person, PersonIn, RosterRow

DutyKey = tuple[int, str, str, str | None]
"""(person_key, duty, area_code, department): what makes two duties the same."""


@dataclass(frozen=True)
class PersonChange:
    """A person the import adds (``before`` None) or gives a new version.

    ``key`` is the person's key; a new person has a placeholder (-1, -2, …) until stored.
    ``changed`` names the fields that differ from ``before``.
    """

    row: int
    key: int
    after: PersonIn
    before: Person | None = None
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class DutyChange:
    """A duty the import adds (``row`` of the file) or retires (``duty_id``)."""

    person_key: int
    name: str
    duty: str
    area_code: str
    department: str | None
    row: int | None = None
    duty_id: int | None = None


@dataclass(frozen=True)
class RosterChanges:
    """What an import changes (or would change, on a dry run)."""

    areas: tuple[str, ...]
    new_people: tuple[PersonChange, ...] = ()
    changed_people: tuple[PersonChange, ...] = ()
    added: tuple[DutyChange, ...] = ()
    retired: tuple[DutyChange, ...] = ()
    kept: int = 0

    def counts(self) -> dict[str, int]:
        """The numbers of the changes (what the audit record keeps).

        Examples
        --------
        >>> RosterChanges(("110108010019001",), kept=2).counts()["duties_kept"]
        2
        """
        return {
            "areas": len(self.areas),
            "people_new": len(self.new_people),
            "people_changed": len(self.changed_people),
            "duties_added": len(self.added),
            "duties_retired": len(self.retired),
            "duties_kept": self.kept,
        }

    @property
    def empty(self) -> bool:
        """Whether the import changes nothing."""
        return not (self.new_people or self.changed_people or self.added or self.retired)


@dataclass
class _Group:
    """The rows of one person of the file."""

    rows: list[RosterRow] = field(default_factory=list)

    @property
    def first(self) -> RosterRow:
        return self.rows[0]

    @property
    def areas(self) -> set[str]:
        return {row.area_code for row in self.rows}


def _differs(a: PersonIn, b: PersonIn) -> str | None:
    """The first field ``b`` states otherwise than ``a`` (blank fields state nothing)."""
    for f in fields(PersonIn):
        left, right = getattr(a, f.name), getattr(b, f.name)
        if left is not None and right is not None and left != right:
            return f.name
    return None


def _same_person(group: _Group, row: RosterRow) -> None:
    first = group.first
    name = _differs(first.person, row.person)
    if name is None:
        return
    if name == "name" and row.person.login:
        raise InvalidInput(
            f"row {row.row}: login: {row.person.login!r} is row {first.row}'s "
            f"({first.person.name}) too; one login is one person"
        )
    shown = mask_phone if name == "phone" else str
    raise InvalidInput(
        f"row {row.row}: {name}: {shown(getattr(row.person, name))} differs from row "
        f"{first.row} of the same person ({first.person.name})"
    )


def group_rows(rows: Sequence[RosterRow]) -> list[_Group]:
    """The file's rows by person: one login, else one phone, else one name is one person.

    Rows of one person must agree on what they state (a blank cell agrees with anything).
    """
    groups: dict[str, _Group] = {}
    phones: dict[str, str] = {}
    for row in rows:
        person = row.person
        if person.login:
            key = f"login:{person.login.lower()}"
        elif person.phone:
            key = phones.get(person.phone, f"phone:{person.phone}")
        else:
            key = f"name:{person.name}"
        if person.phone:
            phones.setdefault(person.phone, key)
        group = groups.setdefault(key, _Group())
        if group.rows:
            _same_person(group, row)
        group.rows.append(row)
    return list(groups.values())


def _merged(group: _Group) -> PersonIn:
    """The group's person with every field any of its rows states."""
    values: dict[str, object] = {}
    for row in group.rows:
        for f in fields(PersonIn):
            if values.get(f.name) is None:
                values[f.name] = getattr(row.person, f.name)
    return PersonIn(**values)  # type: ignore[arg-type]


class _Match:
    """Finds the roster's person for a person of the file."""

    def __init__(self, people: Sequence[Person], duties: Sequence[Duty]) -> None:
        self.by_login = {p.login.lower(): p for p in people if p.login}
        self.people = people
        self.areas: dict[int, set[str]] = {}
        for duty in duties:
            self.areas.setdefault(duty.person_key, set()).add(duty.area_code)

    def find(self, person: PersonIn, group: _Group) -> Person | None:
        if person.login and person.login.lower() in self.by_login:
            return self.by_login[person.login.lower()]
        free = [p for p in self.people if p.login is None or person.login is None]
        if person.phone:
            found = [p for p in free if p.phone == person.phone]
            named = [p for p in found if p.name == person.name]
            if named or len(found) == 1:
                return (named or found)[0]
            if found:
                raise InvalidInput(
                    f"row {group.first.row}: phone: several people of the roster have "
                    f"{mask_phone(person.phone)}; give their login"
                )
        found = [
            p for p in free if p.name == person.name and self.areas.get(p.key, set()) & group.areas
        ]
        if len(found) > 1:
            raise InvalidInput(
                f"row {group.first.row}: name: several people named {person.name} on these "
                "areas; give their phone or login"
            )
        return found[0] if found else None


def _changed(before: Person, given: PersonIn) -> tuple[str, ...]:
    after = before.merged(given)
    stated = before.stated()
    return tuple(
        f.name for f in fields(PersonIn) if getattr(after, f.name) != getattr(stated, f.name)
    )


def _people(
    groups: list[_Group], match: _Match
) -> tuple[list[PersonChange], list[PersonChange], list[int]]:
    """New and changed people, and each group's person key (placeholders for new ones)."""
    new: list[PersonChange] = []
    changed: list[PersonChange] = []
    keys: list[int] = []
    taken: dict[int, int] = {}
    for group in groups:
        given = _merged(group)
        before = match.find(given, group)
        if before is None:
            new.append(PersonChange(group.first.row, -len(new) - 1, given))
            keys.append(new[-1].key)
            continue
        if before.key in taken:
            raise InvalidInput(
                f"row {group.first.row}: name: {given.name} is the roster's {before.name}, "
                f"as row {taken[before.key]} is; one person, one login or phone"
            )
        taken[before.key] = group.first.row
        keys.append(before.key)
        fields_changed = _changed(before, given)
        if fields_changed:
            after = before.merged(given)
            changed.append(PersonChange(group.first.row, before.key, after, before, fields_changed))
    return new, changed, keys


def plan_roster(
    rows: Sequence[RosterRow], people: Sequence[Person], duties: Sequence[Duty]
) -> RosterChanges:
    """What importing ``rows`` changes, given the current people and duties on the rows' areas.

    Examples
    --------
    >>> rows = [RosterRow(2, PersonIn("张伟", "13900000001"), "full_time", "110108010019001")]
    >>> changes = plan_roster(rows, [], [])
    >>> [p.after.name for p in changes.new_people], [(d.name, d.duty) for d in changes.added]
    (['张伟'], [('张伟', 'full_time')])
    """
    groups = group_rows(rows)
    new, changed, keys = _people(groups, _Match(people, duties))
    names = {p.key: p.name for p in people} | {p.key: p.after.name for p in (*new, *changed)}
    wanted: dict[DutyKey, RosterRow] = {}
    for group, key in zip(groups, keys, strict=True):
        for row in group.rows:
            wanted[(key, row.duty, row.area_code, row.department)] = row
    current = {(d.person_key, d.duty, d.area_code, d.department): d for d in duties}
    added = tuple(
        DutyChange(k[0], names[k[0]], k[1], k[2], k[3], row=row.row)
        for k, row in wanted.items()
        if k not in current
    )
    retired = tuple(
        DutyChange(k[0], names.get(k[0], "?"), k[1], k[2], k[3], duty_id=d.id)
        for k, d in current.items()
        if k not in wanted
    )
    areas = tuple(sorted({row.area_code for row in rows}))
    kept = len(wanted) - len(added)
    return RosterChanges(areas, tuple(new), tuple(changed), added, retired, kept)
