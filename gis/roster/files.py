"""Roster files: a CSV (UTF-8, with or without BOM, or GBK/GB18030) or an .xlsx (`gis.tables`).

Columns ``name,phone,duty,grid_code[,login,unit,department,party_member]``, or their Chinese
headers (姓名, 电话/手机, 职务/岗位, 网格编码, 账号, 单位, 部门, 党员). Rows are numbered as a
spreadsheet shows them (the header is row 1); blank rows are skipped. Every row is read and
checked before anything is returned: the first bad one refuses the file, naming its row and
field, and so does a row repeating another (the same person, duty and area).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from gis import tables
from gis.errors import InvalidInput, UnreadableFile
from gis.roster.people import RosterRow, parse_row
from gis.tables import TableOptions

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "姓名", "名字"),
    "phone": ("phone", "mobile", "电话", "手机", "手机号", "手机号码", "联系电话", "联系方式"),
    "duty": ("duty", "role", "职务", "岗位", "职责"),
    "grid_code": ("grid_code", "area_code", "code", "网格编码", "网格代码", "区划代码", "编码"),
    "login": ("login", "账号", "帐号", "登录名", "用户名"),
    "unit": ("unit", "单位", "工作单位"),
    "department": ("department", "部门", "派出部门", "职能部门"),
    "party_member": ("party_member", "party", "党员", "是否党员", "政治面貌"),
}
"""Each field and the headers it is found under (English any case, or Chinese)."""
REQUIRED = ("name", "phone", "duty", "grid_code")
MAX_ROWS = 100_000
"""The most rows one roster file may hold."""


def read_roster(
    content: bytes,
    *,
    kind: str | None = None,
    encoding: str | None = None,
    options: TableOptions | None = None,
) -> list[RosterRow]:
    r"""The rows of a roster file's bytes: ``kind`` ``csv`` or ``xlsx`` (None: by its bytes).

    The file is read as `gis.tables` reads a table: a CSV in UTF-8 (a BOM or none), else
    GB18030 (which reads GBK and GB2312), or in ``encoding``; an .xlsx's first sheet, or the
    one ``options`` names (``options`` may name the encoding too).

    Examples
    --------
    >>> text = "姓名,电话,职务,网格编码\n张伟,13900000001,网格长,110108010019001\n"
    >>> [(r.row, r.person.name, r.duty) for r in read_roster(text.encode("gbk"))]
    [(2, '张伟', 'grid_leader')]
    """
    if kind is None:
        kind = tables.table_kind(None, content[:4])
    if kind not in ("csv", "xlsx"):
        raise UnreadableFile(f"file: unknown roster format {kind!r}; expected csv or xlsx")
    options = options or tables.table_options(encoding=encoding)
    table, _ = tables.read_table(content, kind=kind, options=options)
    return _rows(table)


def read_roster_file(path: Path, *, options: TableOptions | None = None) -> list[RosterRow]:
    """The rows of a roster file on disk (.csv or .xlsx; another suffix is read by its bytes)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"file: cannot read {path.name}: {exc.strerror}") from None
    suffix = path.suffix.lower()
    name = path.name if suffix in (".csv", ".xlsx", ".xls") else None
    return read_roster(content, kind=tables.table_kind(name, content[:4]), options=options)


def columns(header: list[str]) -> dict[str, int]:
    """Where each field is in a header row; a missing required field refuses the file.

    Examples
    --------
    >>> columns(["姓名", "手机", "岗位", "网格编码", "账号"])
    {'name': 0, 'phone': 1, 'duty': 2, 'grid_code': 3, 'login': 4}
    >>> columns(["name", "duty"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.UnreadableFile: file: no phone column (phone, mobile, ...
    """
    names = [cell.strip().lstrip("\ufeff").lower() for cell in header]
    found: dict[str, int] = {}
    for field, aliases in HEADERS.items():
        index = next((names.index(a.lower()) for a in aliases if a.lower() in names), None)
        if index is not None:
            found[field] = index
    missing = [
        f"no {field} column ({', '.join(HEADERS[field][:4])}, ...)"
        for field in REQUIRED
        if field not in found
    ]
    if missing:
        raise UnreadableFile(f"file: {', '.join(missing)}")
    return found


def _records(table: list[list[str]]) -> Iterator[tuple[int, dict[str, str]]]:
    if not table or not any(cell.strip() for cell in table[0]):
        raise UnreadableFile("file: empty; expected a header row (name,phone,duty,grid_code)")
    where = columns(table[0])
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        yield number, {f: cells[i] if i < len(cells) else "" for f, i in where.items()}


def _rows(table: list[list[str]]) -> list[RosterRow]:
    rows: list[RosterRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, record in _records(table):
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(f"file: more than {MAX_ROWS} rows; split it")
        row = parse_row(record, number)
        key = (who(row), row.duty, row.area_code)
        if key in seen:
            raise InvalidInput(
                f"row {number}: repeats row {seen[key]} "
                f"({row.person.name}, {row.duty}, {row.area_code})"
            )
        seen[key] = number
        rows.append(row)
    if not rows:
        raise UnreadableFile("file: no rows under the header")
    return rows


def who(row: RosterRow) -> str:
    """Who a row is about within one file: the login, else the phone, else the name.

    Examples
    --------
    >>> from gis.roster.people import PersonIn
    >>> who(RosterRow(2, PersonIn("张伟", "13900000001", "ZW"), "full_time", "110108010019001"))
    'login:zw'
    """
    person = row.person
    if person.login:
        return f"login:{person.login.lower()}"
    if person.phone:
        return f"phone:{person.phone}"
    return f"name:{person.name}"
