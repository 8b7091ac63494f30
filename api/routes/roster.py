"""The roster over HTTP: list it, import a file of it, add and end duties (within the scopes)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, StrictInt
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from api.access import requires
from api.deps import Id, Rt
from api.uploads import body_limit, read_body
from gis import clock
from gis.errors import UnreadableFile
from gis.identity.access import Acting
from gis.incidents.privacy import mask_phone
from gis.roster.changes import DutyChange, PersonChange, RosterChanges
from gis.roster.files import read_roster
from gis.roster.people import Duty, RosterEntry
from gis.tables import TableOptions, table_options
from gis.usecases import roster
from gis.usecases.runtime import Runtime

router = APIRouter(tags=["roster"])
RosterReader = Annotated[Acting, requires("roster:read")]
RosterWriter = Annotated[Acting, requires("roster:write")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROSTER_FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "a roster CSV (name,phone,duty,grid_code[,login,unit,department,"
        "party_member] or 姓名,电话,职务,网格编码…; UTF-8 or GBK), an .xlsx workbook (as "
        "application/octet-stream or its own media type), or either as the multipart field `file`",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}
"""The body of ``POST /roster/import``."""


class DutyBody(BaseModel):
    """A duty to give a person of the roster."""

    person_key: StrictInt = Field(ge=1, description="the person (`gridmap roster show`)")
    duty: str = Field(description="grid_leader | full_time | … or 网格长 | 专职网格员 | …")
    area_code: str = Field(description="the grid (community, subdistrict) the duty is on")
    department: str | None = Field(default=None, description="下沉力量 (seconded) only")


def _entry(entry: RosterEntry) -> dict[str, Any]:
    return {**asdict(entry), "since": clock.iso(entry.since)}


def _duty(duty: Duty) -> dict[str, Any]:
    return {
        **asdict(duty),
        "duty_zh": duty.duty_zh,
        "valid_from": clock.iso(duty.valid_from),
        "valid_to": clock.iso(duty.valid_to) if duty.valid_to else None,
    }


def _person(change: PersonChange) -> dict[str, Any]:
    after = change.after
    return {
        "row": change.row,
        "person_key": change.key if change.key > 0 else None,
        "name": after.name,
        "phone": mask_phone(after.phone),
        "login": after.login,
        "changed": list(change.changed),
    }


def _changes(changes: RosterChanges, dry_run: bool) -> dict[str, Any]:
    def duty(d: DutyChange) -> dict[str, Any]:
        key = d.person_key if d.person_key > 0 else None
        return {**asdict(d), "person_key": key}

    return {
        "dry_run": dry_run,
        "counts": changes.counts(),
        "areas": list(changes.areas),
        "new_people": [_person(p) for p in changes.new_people],
        "changed_people": [_person(p) for p in changes.changed_people],
        "added": [duty(d) for d in changes.added],
        "retired": [duty(d) for d in changes.retired],
    }


@router.get("/roster")
def list_roster(rt: Rt, acting: RosterReader, scope: str | None = None) -> list[dict[str, Any]]:
    """The current duties within the caller's areas (and ``scope``); phones masked."""
    return [_entry(e) for e in roster.list_roster(rt, acting=acting, scope=scope)]


async def _upload(request: Request) -> tuple[bytes, str | None]:
    """The file's bytes and its kind (csv, xlsx; None: told by its bytes)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        body = await read_body(request, empty="send a roster CSV or .xlsx")
        kind = "xlsx" if content_type == XLSX else "csv" if "csv" in content_type else None
        return body, kind
    limit = body_limit(request.method, request.url.path)
    try:
        form = await request.form(max_part_size=limit)
    except (MultiPartException, ValueError) as exc:
        raise UnreadableFile(f"file: unreadable multipart body: {exc}") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise UnreadableFile("file: the multipart upload has no file in field 'file'")
    suffix = Path(upload.filename or "").suffix.lower().lstrip(".")
    return await upload.read(), suffix if suffix in ("csv", "xlsx") else None


def _import(
    rt: Runtime, acting: Acting, body: bytes, kind: str | None, options: TableOptions, dry: bool
) -> RosterChanges:
    rows = read_roster(body, kind=kind, options=options)
    return roster.import_roster(rt, rows, acting=acting, dry_run=dry)


@router.post("/roster/import", openapi_extra=ROSTER_FILE_BODY)
async def import_roster(
    request: Request,
    rt: Rt,
    acting: RosterWriter,
    dry_run: bool = False,
    encoding: Annotated[
        str | None, Query(description="a CSV's: detected (UTF-8 or GB18030) unless named")
    ] = None,
    sheet: Annotated[str | None, Query(description="an .xlsx's sheet (default: the first)")] = None,
) -> dict[str, Any]:
    """Make the roster of the areas the file names what it says: the whole file, or nothing."""
    options = table_options(encoding=encoding, sheet=sheet)  # checked before the body is read
    body, kind = await _upload(request)
    changes = await run_in_threadpool(_import, rt, acting, body, kind, options, dry_run)
    return _changes(changes, dry_run)


@router.post("/roster/duties", status_code=201)
def add_duty(rt: Rt, acting: RosterWriter, body: DutyBody) -> dict[str, Any]:
    """Give a person of the roster a duty on an area within the caller's areas."""
    duty = roster.add_duty(
        rt,
        acting=acting,
        person_key=body.person_key,
        duty=body.duty,
        area_code=body.area_code.strip(),
        department=body.department,
    )
    return _duty(duty)


@router.delete("/roster/duties/{duty_id}")
def end_duty(rt: Rt, acting: RosterWriter, duty_id: Id) -> dict[str, Any]:
    """End a current duty (it is kept, retired) on an area within the caller's areas."""
    return _duty(roster.end_duty(rt, acting=acting, duty_id=duty_id))
