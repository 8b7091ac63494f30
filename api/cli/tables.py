"""The options of every command that reads a table: its encoding, sheet and coordinate columns.

One set of options for ``gridmap assign``, ``incidents import``, ``stations import``,
``addresses import`` and ``roster import``, read by `gis.tables`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gis.tables import OUT_ENCODINGS, TableOptions, parse_encoding, table_options

EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="the CSV's encoding: utf-8, utf-8-sig, gbk, gb18030, gb2312 "
        "(default: UTF-8 if it all is, else GB18030, which reads GBK)",
    ),
]
SheetOption = Annotated[
    str | None, typer.Option("--sheet", help="the .xlsx sheet to read (default: the first)")
]
LonFieldOption = Annotated[
    str | None,
    typer.Option(
        "--lon-field", help="the longitude column (default: lon, lng, longitude, 经度, 东经, x)"
    ),
]
LatFieldOption = Annotated[
    str | None,
    typer.Option("--lat-field", help="the latitude column (default: lat, latitude, 纬度, 北纬, y)"),
]
OutEncodingOption = Annotated[
    str | None,
    typer.Option(
        "--out-encoding",
        help="the encoding written: utf-8, utf-8-sig, gbk, gb18030 (default: the input's; "
        "UTF-8 with a BOM for an .xlsx)",
    ),
]


def read_options(
    encoding: str | None,
    sheet: str | None,
    lon_field: str | None = None,
    lat_field: str | None = None,
) -> TableOptions:
    """The options of a table read, checked, naming the options as typed in errors."""
    return table_options(
        encoding=encoding, sheet=sheet, lon_field=lon_field, lat_field=lat_field, cli=True
    )


def written_encoding(value: str | None) -> str | None:
    """The ``--out-encoding`` asked for, checked (None: the input's)."""
    return parse_encoding(value, "--out-encoding", OUT_ENCODINGS)
