"""Bulk import of incidents from a file: validate every row, commit the good ones in batches.

Rows are validated with the native report's rules; a refused row goes to the caller's ``reject``
callback with the field and the reason. The rest go through the intake pipeline of
`gis.usecases.incidents` a batch at a time: one transaction, one vectorised lookup and two
statements per batch. A batch the store refuses is retried row by row, so only the offending
row is lost. Every row gets an import key (`gis.incidents.keys.import_key`): the sha256 of the
file's content (`file_digest`) and the row number. The same file imported again adds nothing
(its rows are "already imported"); another file, of whatever name, imports. A row whose key was
stored with a different reading of it (another ``crs`` or ``source``) is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gis.db.engine import store_refused
from gis.errors import InvalidInput, StoreRefused
from gis.identity.access import Acting
from gis.incidents.keys import CLI, import_key
from gis.incidents.records import NewIncident
from gis.incidents.report import SOURCES, IncidentReport, parse_report
from gis.limits import IMPORT_BATCH_ROWS
from gis.pointfiles import Record
from gis.tables import TableOptions, coordinate_columns
from gis.usecases.incidents import prepare, write
from gis.usecases.runtime import Runtime
from gis.usecases.trail import audited

FIELDS = (
    "category",
    "description",
    "lon",
    "lat",
    "address",
    "reported_at",
    "reporter_name",
    "reporter_phone",
    "severity",
)
Reject = Callable[[Record, str], None]
Row = tuple[int, Record, IncidentReport]
"""A valid row: its number in the file (1-based), the record read and the report parsed."""


def file_digest(path: Path) -> str:
    """The sha256 of a file's content, hex (read in chunks): what import keys derive from."""
    with path.open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


@dataclass
class Tally:
    """What an import did."""

    rows: int = 0
    added: int = 0
    already: int = 0
    rejected: int = 0
    duplicates: int = 0
    unplaced: int = 0


def check_header(
    header: list[str], what: str, options: TableOptions | None = None
) -> tuple[str, str] | None:
    """The coordinate columns of a file of incidents; None when its rows are placed by address.

    A file needs ``category``, and coordinate columns (found as `gis.tables.coordinate_columns`
    finds them: ``lon``/``lng``/``经度`` …, or named in ``options``) or ``address``.
    """
    options = options or TableOptions()
    try:
        lon, lat = coordinate_columns(header, options=options)
        columns: tuple[str, str] | None = (header[lon], header[lat])
    except InvalidInput:
        if options.lon_field is not None or options.lat_field is not None:
            raise
        columns = None
    if "category" not in header or (columns is None and "address" not in header):
        raise InvalidInput(
            f"{what}: header: needs category, and lon and lat or address; has " + ", ".join(header)
        )
    return columns


@dataclass
class Importer:
    """Validates rows and commits them in batches; refused rows go to ``reject``.

    ``digest`` is the sha256 of the file (`file_digest`) and ``client`` who imports it: with
    the row number they make each row's idempotency key. Each batch is audited, as ``acting``.
    ``columns`` name the longitude and latitude columns (`check_header`); the columns that are
    no field of a report are kept in its ``attributes``, as the file names them.
    """

    rt: Runtime
    file_name: str
    crs: str
    source: str
    reject: Reject
    digest: str
    acting: Acting
    client: str = CLI
    columns: tuple[str, str] | None = ("lon", "lat")
    tally: Tally = field(default_factory=Tally)
    seen: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise InvalidInput(f"source: {self.source!r} is not one of {', '.join(SOURCES)}")

    def run(
        self,
        records: list[Record],
        *,
        batch_size: int = IMPORT_BATCH_ROWS,
        progress: Callable[[int], None] | None = None,
    ) -> Tally:
        """Validate and commit ``records`` batch by batch; ``progress`` hears the rows done."""
        for start in range(0, len(records), batch_size):
            chunk = records[start : start + batch_size]
            valid = [
                (number, record, found)
                for number, record in enumerate(chunk, start=start + 1)
                if (found := self.validate(record, number)) is not None
            ]
            if valid:
                self.commit(valid)
            self.tally.rows += len(chunk)
            if progress is not None:
                progress(self.tally.rows)
        return self.tally

    def validate(self, record: Record, number: int) -> IncidentReport | None:
        """The row as a report, or None (rejected with the field and the reason)."""
        given = record.get("id")
        row_id = "" if given is None else str(given).strip()
        try:
            if record.get("_error"):
                raise InvalidInput(record["_error"])
            if row_id in self.seen:
                raise InvalidInput(f"id: {row_id!r} repeats the id of row {self.seen[row_id]}")
            if row_id:
                self.seen[row_id] = number
            data = {name: record.get(name) for name in FIELDS}
            if self.columns is not None:
                data.update(lon=record.get(self.columns[0]), lat=record.get(self.columns[1]))
            data.update(crs=self.crs, source=self.source, attributes=self._attributes(record))
            return parse_report(data, self.rt.catalogue)
        except InvalidInput as exc:
            self._refuse(record, exc.detail)
            return None

    def _attributes(self, record: Record) -> dict[str, object] | None:
        """The row's other columns (given, and named), or None when it has none.

        Columns ``lon`` and ``lat`` are others when the coordinates are in columns named so.
        """
        coordinates = self.columns or ("lon", "lat")
        fields = {name for name in FIELDS if name not in ("lon", "lat")}
        known = {*fields, *coordinates, "id", "_error", "attributes"}
        extra = {
            k: v for k, v in record.items() if k and k not in known and v is not None and v != ""
        }
        return extra or None

    def commit(self, rows: list[Row]) -> None:
        """Place and insert one batch; a batch the store refuses is retried row by row."""
        keys = [import_key(self.digest, number, self.client) for number, _, _ in rows]
        prepared = prepare(self.rt, [report for _, _, report in rows], keys)
        try:
            self._insert(rows, prepared)
        except StoreRefused:
            for row, one in zip(rows, prepared, strict=True):
                try:
                    self._insert([row], [one])
                except StoreRefused as exc:
                    self._refuse(row[1], exc.detail)

    def _insert(self, rows: list[Row], prepared: list[NewIncident]) -> None:
        target = f"file:{self.file_name}"
        with audited(self.rt, self.acting.actor, "incidents.import", target) as trail:
            with store_refused("row"):
                written = write(self.rt, trail.conn, prepared, f"import:{self.file_name}")
            trail.detail.update(rows=len(rows), added=len(written.created))
        self.tally.added += len(written.created)
        self.tally.already += len(written.retried)
        self.tally.duplicates += written.flagged
        self.tally.unplaced += sum(
            1 for i in written.created if prepared[i].status == "needs_location"
        )
        for i, incident_id in written.reused.items():
            self._refuse(
                rows[i][1],
                f"row: row {rows[i][0]} of this file was imported before, read differently "
                f"(another --crs or --source), as incident {incident_id}",
            )

    def _refuse(self, record: Record, detail: str) -> None:
        self.tally.rejected += 1
        self.reject(record, detail)
