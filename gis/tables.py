r"""Tables as people have them: CSV in UTF-8 or GB18030/GBK, and Excel workbooks (.xlsx).

The one place gridmap decodes a table, for every reader of one (lookup batches, incident,
station and address imports, rosters). A CSV is read as UTF-8 (with or without a BOM) when
all of it is UTF-8, else as GB18030 — a superset of GBK and GB2312, what Excel writes on
Chinese Windows — each strictly: a file that is neither is refused naming both, never read
with replacement characters. A caller may name the encoding instead (`parse_encoding`). An
``.xlsx`` is read with openpyxl, its first sheet or the one named, cells as text as a CSV
would hold them. The coordinate columns are found by their usual names, English or Chinese,
unless named (`coordinate_columns`). An answer is written back in the encoding the input was
read in (`answer_encoding`), so that Excel opens it as it opened the input.

Examples
--------
>>> decode("经度,纬度\n116.3,40\n".encode("gbk"))
('经度,纬度\n116.3,40\n', 'gb18030')
>>> coordinate_columns(["名称", "纬度", "经度"])
(2, 1)
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from gis.errors import InvalidInput, UnreadableFile

ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "gb2312")
"""The encodings a table may be named in (aliases Python knows, e.g. ``utf8`` or ``cp936``, too)."""
OUT_ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030")
"""The encodings an answer may be asked in."""
GUESSED = ("utf-8", "gb18030")
"""Tried in turn on a table whose encoding is not named."""
LON_NAMES = ("lon", "lng", "long", "longitude", "经度", "东经", "x")
LAT_NAMES = ("lat", "latitude", "纬度", "北纬", "y")
"""The names a coordinate column is found by (case and surrounding blanks ignored); ``x`` and
``y`` only when both are there."""
XLSX_MAGIC = b"PK\x03\x04"
"""How an .xlsx (a zip archive) starts."""
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = codecs.BOM_UTF8
BLOCK_BYTES = 2**20
"""Read at a time while checking the encoding of a stream."""
SHOWN_CHARS = 200
"""At most this much of a header is quoted in an error."""


@dataclass(frozen=True)
class TableOptions:
    """How to read a table: its encoding and sheet, and its coordinate columns, if named.

    ``cli`` says how errors name the options: ``--lon-field`` (the CLI's) or ``lon_field``
    (the query's). Build it with `table_options`, which checks the encoding once.
    """

    encoding: str | None = None
    sheet: str | None = None
    lon_field: str | None = None
    lat_field: str | None = None
    cli: bool = False

    def option(self, name: str) -> str:
        """The option ``name`` (``lon_field``) as the caller gave it (``--lon-field`` on the CLI).

        Examples
        --------
        >>> TableOptions().option("lon_field"), TableOptions(cli=True).option("lon_field")
        ('lon_field', '--lon-field')
        """
        return f"--{name.replace('_', '-')}" if self.cli else name


def table_options(
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    lon_field: str | None = None,
    lat_field: str | None = None,
    cli: bool = False,
) -> TableOptions:
    """The options of a table read, checked (an unknown encoding raises `InvalidInput`).

    Blank values count as not given.

    Examples
    --------
    >>> table_options(encoding="GBK", lon_field=" 东经 ")
    TableOptions(encoding='gbk', sheet=None, lon_field='东经', lat_field=None, cli=False)
    """
    name = "--encoding" if cli else "encoding"
    return TableOptions(
        encoding=parse_encoding(encoding, name),
        sheet=_given(sheet),
        lon_field=_given(lon_field),
        lat_field=_given(lat_field),
        cli=cli,
    )


def _given(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def parse_encoding(
    value: str | None, field: str = "encoding", allowed: Sequence[str] = ENCODINGS
) -> str | None:
    """An encoding's name as Python spells it, one of ``allowed``; None when not given.

    Examples
    --------
    >>> parse_encoding("UTF8"), parse_encoding("cp936"), parse_encoding(" "), parse_encoding(None)
    ('utf-8', 'gbk', None, None)
    >>> parse_encoding("latin-1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: encoding: unknown encoding 'latin-1'; use one of utf-8, ...
    """
    if value is None or not value.strip():
        return None
    try:
        name = codecs.lookup(value.strip()).name
    except LookupError:
        name = ""
    if name not in allowed:
        shown = repr(value.strip()[:40])
        raise InvalidInput(f"{field}: unknown encoding {shown}; use one of {', '.join(allowed)}")
    return name


def detect(
    stream: IO[bytes], encoding: str | None = None, *, what: str = "file", option: str = "encoding"
) -> str:
    r"""The encoding ``stream`` reads in from where it is, read through and put back there.

    UTF-8 (``utf-8-sig`` when it starts with a BOM) if all of it is, else GB18030; ``encoding``
    (a name `parse_encoding` gave) is the only one tried when given. Read a block at a time,
    so a stream of any size is checked in a little memory.

    Raises
    ------
    UnreadableFile
        No encoding tried reads all of it; the error names ``what``, the encodings tried, the
        first byte that cannot be read, and the ``option`` that names an encoding.

    Examples
    --------
    >>> detect(io.BytesIO(BOM + b"lon")), detect(io.BytesIO("纬度".encode("gbk")))
    ('utf-8-sig', 'gb18030')
    >>> detect(io.BytesIO(b"lon,lat\n\xff\xfe\x00"), what="body")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.UnreadableFile: body: not utf-8 or gb18030 (gbk, gb2312) text (unreadable at ...
    """
    start = stream.tell()
    tried = GUESSED if encoding is None else (encoding,)
    where = 0  # the furthest any got: the one meant, most likely, and its one bad byte
    for codec in tried:
        stream.seek(start)
        found = _undecodable_at(stream, _reading(codec))
        where = max(where, found)
        if found < 0:
            stream.seek(start)
            bom = stream.read(len(BOM)) == BOM
            stream.seek(start)
            return "utf-8-sig" if codec.startswith("utf-8") and bom else codec
    if encoding is not None:
        raise UnreadableFile(f"{what}: not {encoding} text (unreadable at byte {where:,})")
    raise UnreadableFile(
        f"{what}: not utf-8 or gb18030 (gbk, gb2312) text (unreadable at byte {where:,}); "
        f"say which with {option}"
    )


def _reading(encoding: str) -> str:
    """The codec that reads ``encoding``: UTF-8 with or without a BOM, the BOM left out."""
    return "utf-8-sig" if encoding.startswith("utf-8") else encoding


def _undecodable_at(stream: IO[bytes], codec: str) -> int:
    """Where the first byte ``codec`` cannot read is, counted from here; -1 when there is none."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset = 0
    try:
        while block := stream.read(BLOCK_BYTES):
            offset += len(block)
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:  # its bytes: those held back from the last block, and this
        return offset - len(exc.object) + exc.start
    return -1


def decode(raw: bytes, encoding: str | None = None, *, what: str = "file") -> tuple[str, str]:
    r"""The text of a table's bytes and the encoding it was read in (see `detect`).

    A BOM is left out of the text (and read as ``utf-8-sig``).

    Examples
    --------
    >>> decode(BOM + "经度".encode()), decode("经度".encode()), decode("经度".encode("gbk"))
    (('经度', 'utf-8-sig'), ('经度', 'utf-8'), ('经度', 'gb18030'))
    >>> decode("经度".encode("gbk"), "utf-8")
    Traceback (most recent call last):
    ...
    gis.errors.UnreadableFile: file: not utf-8 text (unreadable at byte 0)
    """
    used = detect(io.BytesIO(raw), encoding, what=what)
    return raw.decode(_reading(used)), used


def answer_encoding(read_as: str | None, asked: str | None = None) -> str:
    """The encoding to answer in: ``asked``, else the input's (UTF-8 with a BOM for a workbook).

    A Chinese encoding is answered in GB18030: GBK's bytes for every character GBK has, and
    bytes for those it lacks (a rare character in an area's name) where GBK would lose them.

    Examples
    --------
    >>> answer_encoding("gbk"), answer_encoding("utf-8"), answer_encoding(None)
    ('gb18030', 'utf-8', 'utf-8-sig')
    >>> answer_encoding("gb18030", "utf-8")
    'utf-8'
    """
    if asked is not None:
        return asked
    if read_as is None:
        return "utf-8-sig"  # what Excel needs to open a UTF-8 CSV as such
    return read_as if read_as.startswith("utf-8") else "gb18030"


def charset(encoding: str) -> str:
    """The ``charset`` of a Content-Type for text in ``encoding`` (a BOM is still UTF-8).

    Examples
    --------
    >>> charset("utf-8-sig"), charset("gb18030")
    ('utf-8', 'gb18030')
    """
    return "utf-8" if encoding.startswith("utf-8") else encoding


def encode_errors(encoding: str) -> str:
    """How characters ``encoding`` lacks are written: ``?`` for GBK, which lacks some.

    Every other answer encoding holds every character (and decoded input holds no lone
    surrogate), so for them nothing is replaced.
    """
    return "replace" if encoding == "gbk" else "strict"


def encoded(pieces: Iterable[str], encoding: str) -> Iterator[bytes]:
    r"""Text pieces as bytes in ``encoding``; with ``utf-8-sig`` the BOM once, first.

    Examples
    --------
    >>> b"".join(encoded(["经度\n", "1\n"], "utf-8-sig")) == BOM + "经度\n1\n".encode()
    True
    >>> b"".join(encoded(["\u20ac"], "gbk")), b"".join(encoded(["\u20ac"], "gb18030"))
    (b'?', b'\xa2\xe3')
    """
    encoder = codecs.getincrementalencoder(encoding)(encode_errors(encoding))
    for piece in pieces:
        yield encoder.encode(piece)
    yield encoder.encode("", final=True)


# --- reading a table


@dataclass
class Table:
    """A table being read: its rows (the header first), each a list of cells as text.

    A blank row is ``[]`` (as the csv module gives a blank line). ``encoding`` is the one a CSV
    was read in, None for a workbook; ``declared_rows`` the rows a sheet says it has (the
    header among them; None for a CSV, or a sheet that does not say). Close it (or use it in
    ``with``) when done.
    """

    rows: Iterator[list[str]]
    encoding: str | None
    _closing: list[IO[bytes] | Any] = field(default_factory=list)
    declared_rows: int | None = None

    def close(self) -> None:
        """Close the file or workbook the rows come from."""
        for thing in reversed(self._closing):
            thing.close()
        self._closing.clear()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def table_kind(name: str | None, head: bytes = b"", *, what: str = "file") -> str:
    r"""``xlsx`` for a workbook (by its name, else by its first bytes), else ``csv``.

    Examples
    --------
    >>> table_kind("点位.XLSX"), table_kind("points.csv"), table_kind(None, b"PK\x03\x04...")
    ('xlsx', 'csv', 'xlsx')
    >>> table_kind("old.xls")
    Traceback (most recent call last):
    ...
    gis.errors.UnreadableFile: file: old.xls is an Excel 97-2003 workbook; save it as .xlsx or CSV
    """
    suffix = Path(name or "").suffix.lower()
    if suffix == ".xls":
        raise UnreadableFile(
            f"{what}: {name} is an Excel 97-2003 workbook; save it as .xlsx or CSV"
        )
    if suffix == ".xlsx" or (suffix in ("", ".xlsm") and head.startswith(XLSX_MAGIC)):
        return "xlsx"
    return "csv"


def open_table(
    source: bytes | Path | IO[bytes],
    *,
    kind: str = "csv",
    options: TableOptions | None = None,
    what: str = "file",
) -> Table:
    r"""A table (``kind`` ``csv`` or ``xlsx``) to read row by row from bytes, a path or a stream.

    A CSV's encoding is checked whole before the first row is read (see `detect`), so a file
    in no encoding tried is refused before anything is done with it; a stream is read from
    where it is. A workbook is read in openpyxl's read-only mode, a row at a time.

    Raises
    ------
    UnreadableFile
        Not a file, not text in the encodings tried, not a workbook, or a workbook without sheets.
    InvalidInput
        The named sheet is not in the workbook.

    Examples
    --------
    >>> with open_table("经度,纬度\n116.3,40\n\n".encode("gbk")) as table:
    ...     list(table.rows), table.encoding
    ([['经度', '纬度'], ['116.3', '40'], []], 'gb18030')
    """
    options = options or TableOptions()
    stream, closing = _stream(source, what)
    try:
        if kind == "xlsx":
            return _workbook(stream, closing, options.sheet, what)
        used = detect(stream, options.encoding, what=what, option=options.option("encoding"))
        text = io.TextIOWrapper(stream, encoding=_reading(used), newline="")
        closing.append(text)
        return Table(csv.reader(text), used, closing)
    except BaseException:
        Table(iter(()), None, closing).close()
        raise


def _stream(source: bytes | Path | IO[bytes], what: str) -> tuple[IO[bytes], list[Any]]:
    if isinstance(source, bytes):
        return io.BytesIO(source), []
    if isinstance(source, Path):
        try:
            stream = source.open("rb")
        except OSError as exc:
            raise UnreadableFile(f"{what}: cannot read {source.name}: {exc.strerror}") from None
        return stream, [stream]
    return source, []


def read_table(
    source: bytes | Path | IO[bytes],
    *,
    kind: str = "csv",
    options: TableOptions | None = None,
    what: str = "file",
) -> tuple[list[list[str]], str | None]:
    r"""All the rows of a table (the header first) and the encoding a CSV was read in.

    For the tables read whole before anything is done with them (imports, rosters); a row the
    csv module cannot read refuses the file.

    Examples
    --------
    >>> read_table(b"\xef\xbb\xbfname,lon\nA,116.3\n")
    ([['name', 'lon'], ['A', '116.3']], 'utf-8-sig')
    """
    with open_table(source, kind=kind, options=options, what=what) as table:
        try:
            return list(table.rows), table.encoding
        except csv.Error as exc:
            raise UnreadableFile(f"{what}: not a readable CSV: {exc}") from None


def header_of(row: Sequence[str]) -> list[str]:
    r"""A header row's names, trimmed (and a BOM left by a double encoding dropped).

    Examples
    --------
    >>> header_of(["\ufeff经度 ", " 纬度"])
    ['经度', '纬度']
    """
    return [name.strip().lstrip("\ufeff").strip() for name in row]


def shown_header(header: Sequence[str]) -> str:
    """A header as an error quotes it: its names, comma-separated, at most `SHOWN_CHARS`.

    Examples
    --------
    >>> shown_header(["a", "b"]), len(shown_header(["x" * 300]))
    ('a, b', 201)
    """
    shown = ", ".join(header)
    return shown if len(shown) <= SHOWN_CHARS else shown[:SHOWN_CHARS] + "…"


# --- workbooks


def _workbook(stream: IO[bytes], closing: list[Any], sheet: str | None, what: str) -> Table:
    from openpyxl import load_workbook  # only a workbook needs it

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises what its parsers raise on a broken file
        raise UnreadableFile(f"{what}: not a readable .xlsx workbook: {_reason(exc)}") from None
    closing.append(book)
    if not book.worksheets:
        raise UnreadableFile(f"{what}: the workbook has no sheet")
    if sheet is None:
        found = book.worksheets[0]
    elif sheet in book.sheetnames and book[sheet] in book.worksheets:
        found = book[sheet]
    else:
        names = ", ".join(ws.title for ws in book.worksheets)
        raise InvalidInput(f"sheet: no sheet {sheet!r} in the workbook; it has {names}")
    rows = _sheet_rows(found.iter_rows(values_only=True), what)
    return Table(rows, None, closing, declared_rows=found.max_row)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, zipfile.BadZipFile):
        return "not a zip archive"
    text = str(exc).strip()
    return text.splitlines()[0][:SHOWN_CHARS] if text else type(exc).__name__


def _sheet_rows(values: Iterator[tuple[Any, ...]], what: str) -> Iterator[list[str]]:
    """A sheet's rows as a CSV would hold them: blank ones ``[]``, each at least header-wide.

    A sheet's rows are as wide as its widest (formatting counts); empty cells at the end of a
    row are left out, and a row is then filled with empty cells up to the header's width.
    """
    width = 0
    try:
        for number, row in enumerate(values):
            cells = [cell_text(value) for value in row]
            while cells and not cells[-1]:
                cells.pop()
            if number == 0:
                width = len(cells)
            yield [*cells, *[""] * (width - len(cells))] if cells else []
    except Exception as exc:  # a sheet's XML is parsed as its rows are read
        raise UnreadableFile(f"{what}: not a readable .xlsx sheet: {_reason(exc)}") from None


def cell_text(value: object) -> str:
    """A cell's value as a CSV exported by Excel holds it: ``116.3``, ``13900000001``, ``TRUE``.

    A whole number has no ``.0`` (a phone or an area code typed as a number); a date is ISO.

    Examples
    --------
    >>> cell_text(116.345), cell_text(13900000001.0), cell_text(None), cell_text(True)
    ('116.345', '13900000001', '', 'TRUE')
    >>> cell_text(datetime(2026, 1, 5, 8, 0))
    '2026-01-05T08:00:00'
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


# --- coordinate columns


def coordinate_columns(
    header: Sequence[str],
    lon_field: str | None = None,
    lat_field: str | None = None,
    *,
    options: TableOptions | None = None,
) -> tuple[int, int]:
    """Where the longitude and latitude columns are in ``header``.

    A column named (``lon_field``, ``lat_field``, or in ``options``) is that one; otherwise the
    first of the usual names (`LON_NAMES`, `LAT_NAMES`) the header has, case and blanks
    ignored — ``x`` and ``y`` only when both are there (one alone is likely something else).

    Raises
    ------
    InvalidInput
        A column not found, naming the option, the header and the names tried.

    Examples
    --------
    >>> coordinate_columns(["id", "LNG", "Lat"]), coordinate_columns(["x", "y", "经度", "纬度"])
    ((1, 2), (2, 3))
    >>> coordinate_columns(["名称", "东", "北"], "东", "北")
    (1, 2)
    >>> coordinate_columns(["id", "x", "lat"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: lon_field: no longitude column in the header id, x, lat; tried lon, ...
    """
    options = options or TableOptions()
    names = [name.strip().lstrip("\ufeff").strip().casefold() for name in header]
    planar = "x" in names and "y" in names
    return (
        _column(header, names, lon_field or options.lon_field, LON_NAMES, planar, "lon", options),
        _column(header, names, lat_field or options.lat_field, LAT_NAMES, planar, "lat", options),
    )


def _column(
    header: Sequence[str],
    names: list[str],
    named: str | None,
    usual: tuple[str, ...],
    planar: bool,
    axis: str,
    options: TableOptions,
) -> int:
    option = options.option(f"{axis}_field")
    if named is not None:
        wanted = named.strip().casefold()
        if wanted in names:
            return names.index(wanted)
        raise InvalidInput(f"{option}: no column {named!r} in the header {shown_header(header)}")
    for name in usual:
        if name in names and (planar or name not in ("x", "y")):
            return names.index(name)
    what = "longitude" if axis == "lon" else "latitude"
    raise InvalidInput(
        f"{option}: no {what} column in the header {shown_header(header)}; "
        f"tried {', '.join(usual)}; name it with {option}"
    )
