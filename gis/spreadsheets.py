"""Tables as files people open: CSV that Excel reads (UTF-8 with a BOM, or GBK) and XLSX.

A monthly report goes to people who open it in Excel or WPS on Windows: a CSV without a BOM
shows its Chinese as mojibake there, so UTF-8 is written with one; ``gbk`` writes what older
tools expect. XLSX is written with openpyxl (through pandas), numbers as numbers.
"""

from __future__ import annotations

import io

import pandas as pd

from gis.errors import InvalidInput
from gis.tables import OUT_ENCODINGS, parse_encoding

TABLE_FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""Each table format and its media type."""
MAX_SHEET_ROWS = 1_048_575
"""An XLSX sheet holds 1,048,576 rows, the header among them."""


def parse_table_format(value: str) -> str:
    """``csv`` or ``xlsx``.

    Examples
    --------
    >>> parse_table_format("xlsx")
    'xlsx'
    >>> parse_table_format("xls")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: format: 'xls' is not one of .csv, .xlsx
    """
    if value not in TABLE_FORMATS:
        known = ", ".join(f".{ext}" for ext in TABLE_FORMATS)
        raise InvalidInput(f"format: {value[:20]!r} is not one of {known}")
    return value


def parse_csv_encoding(value: str | None) -> str:
    """The codec a CSV is written with: ``utf-8-sig`` (the default), ``gbk`` or ``gb18030``.

    UTF-8 is written with a BOM, which Excel needs; names are read as
    `gis.tables.parse_encoding` reads them.

    Examples
    --------
    >>> parse_csv_encoding(None), parse_csv_encoding("UTF8"), parse_csv_encoding("cp936")
    ('utf-8-sig', 'utf-8-sig', 'gbk')
    >>> parse_csv_encoding("latin-1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: encoding: unknown encoding 'latin-1'; use one of utf-8, ...
    """
    chosen = parse_encoding(value, "encoding", OUT_ENCODINGS)
    return "utf-8-sig" if chosen in (None, "utf-8") else chosen


def table_bytes(
    frame: pd.DataFrame, file_format: str, *, encoding: str = "utf-8-sig", sheet: str = "gridmap"
) -> bytes:
    r"""The bytes of ``frame`` as a CSV (with the codec ``encoding``) or an XLSX sheet ``sheet``.

    Raises
    ------
    InvalidInput
        A text ``encoding`` cannot hold (naming its column and row), or more rows than a sheet
        holds.

    Examples
    --------
    >>> table_bytes(pd.DataFrame({"网格": ["第01网格"], "户数": [412]}), "csv")[:3]
    b'\xef\xbb\xbf'
    >>> table_bytes(pd.DataFrame({"网格": ["第01网格"]}), "csv", encoding="gbk").decode("gbk")
    '网格\r\n第01网格\r\n'
    """
    if parse_table_format(file_format) == "csv":
        _check_encodable(frame, encoding)
        return frame.to_csv(index=False, lineterminator="\r\n").encode(encoding)
    if len(frame) > MAX_SHEET_ROWS:
        raise InvalidInput(
            f"format: {len(frame):,} rows do not fit an XLSX sheet ({MAX_SHEET_ROWS:,}); "
            "ask for csv, or a shorter period"
        )
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()


def _check_encodable(frame: pd.DataFrame, codec: str) -> None:
    """Refuse a text ``codec`` cannot write (rather than writing ``?`` in its place)."""
    for column in frame.columns:
        try:
            str(column).encode(codec)
        except UnicodeEncodeError:
            raise InvalidInput(
                f"encoding: the header {column} has characters {codec} cannot encode"
            ) from None
        for row, value in enumerate(frame[column]):
            if isinstance(value, str):
                try:
                    value.encode(codec)
                except UnicodeEncodeError:
                    raise InvalidInput(
                        f"encoding: column {column} row {row + 1} has characters {codec} "
                        "cannot encode; ask for utf-8"
                    ) from None
