"""Bulk import of incidents from a file: validate every row, commit the good ones in batches.

Rows are validated with the native report's rules; a refused row goes to the caller's ``reject``
callback with the field and the reason. The rest go through the intake pipeline of
`gis.usecases.incidents` a batch at a time: one transaction, one vectorised lookup and two
statements per batch. A batch the store refuses is retried row by row, so only the offending
row is lost. Every row gets the idempotency key ``import:<file name>:<id or row number>``, so an
import run again adds nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gis.db.engine import store_refused
from gis.errors import InvalidInput, StoreRefused
from gis.incidents.records import NewIncident
from gis.incidents.report import SOURCES, IncidentReport, parse_report
from gis.limits import IMPORT_BATCH_ROWS
from gis.pointfiles import Record
from gis.usecases.incidents import prepare, write
from gis.usecases.runtime import Runtime

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


@dataclass
class Tally:
    """What an import did."""

    rows: int = 0
    added: int = 0
    already: int = 0
    rejected: int = 0
    duplicates: int = 0
    unplaced: int = 0


def check_header(header: list[str], what: str) -> None:
    """A file of incidents needs ``category``, and ``lon`` and ``lat`` or ``address``."""
    if "category" not in header or not ({"lon", "lat"} <= set(header) or "address" in header):
        raise InvalidInput(
            f"{what}: header: needs category, and lon and lat or address; has " + ", ".join(header)
        )


@dataclass
class Importer:
    """Validates rows and commits them in batches; refused rows go to ``reject``."""

    rt: Runtime
    file_name: str
    crs: str
    source: str
    reject: Reject
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
                (record, found)
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
        key = row_id or str(number)  # the key: import:<file>:<id or row number>
        try:
            if record.get("_error"):
                raise InvalidInput(record["_error"])
            if key in self.seen:
                raise InvalidInput(f"id: {key!r} repeats the key of row {self.seen[key]}")
            self.seen[key] = number
            data = {name: record.get(name) for name in FIELDS}
            data.update(
                crs=self.crs, source=self.source, idempotency_key=f"import:{self.file_name}:{key}"
            )
            return parse_report(data, self.rt.catalogue)
        except InvalidInput as exc:
            self._refuse(record, exc.detail)
            return None

    def commit(self, pairs: list[tuple[Record, IncidentReport]]) -> None:
        """Place and insert one batch; a batch the store refuses is retried row by row."""
        rows = prepare(self.rt, [report for _, report in pairs])
        try:
            self._insert(rows)
        except StoreRefused:
            for (record, _), row in zip(pairs, rows, strict=True):
                try:
                    self._insert([row])
                except StoreRefused as exc:
                    self._refuse(record, exc.detail)

    def _insert(self, rows: list[NewIncident]) -> None:
        with store_refused("row"), self.rt.write() as conn:
            ids, flagged = write(self.rt, conn, rows, f"import:{self.file_name}")
        self.tally.added += len(ids)
        self.tally.already += len(rows) - len(ids)
        self.tally.duplicates += flagged
        self.tally.unplaced += sum(1 for row in rows if row.status == "needs_location")

    def _refuse(self, record: Record, detail: str) -> None:
        self.tally.rejected += 1
        self.reject(record, detail)
