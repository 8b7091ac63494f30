"""The audit log over HTTP: ``GET /audit``, for auditors only (separated from administration)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.access import requires
from api.deps import Rt
from api.schemas import answer
from gis import clock
from gis.identity.access import Acting
from gis.identity.records import AuditRecord
from gis.usecases import identity
from gis.values import parse_period

router = APIRouter(tags=["audit"])


class AuditView(BaseModel):
    """One audit record: when, who (principal, role, source), what, on which object, result."""

    id: int
    at: str
    principal: str
    role: str | None
    source: str
    action: str
    object: str | None
    result: str
    detail: dict[str, Any]


def audit_view(record: AuditRecord) -> dict[str, Any]:
    """An audit record as JSON, its time in the configured zone."""
    return {**vars(record), "at": clock.iso(record.at)}


@router.get("/audit", responses=answer(list[AuditView], "audit records, newest first"))
def audit_log(
    rt: Rt,
    _: Annotated[Acting, requires("audit:read")],
    principal: Annotated[str | None, Query(description="a login, os:<user> or anonymous")] = None,
    action: Annotated[
        str | None, Query(description="an action or its start, e.g. incidents or auth.login")
    ] = None,
    object: Annotated[str | None, Query(description="e.g. incident:12, plan:3")] = None,
    result: Annotated[str | None, Query(description="ok | refused | failed")] = None,
    start: Annotated[str | None, Query(alias="from", description="ISO time, included")] = None,
    end: Annotated[str | None, Query(alias="to", description="ISO time, excluded")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> Any:
    """Audit records matching every filter, newest first: logins, refusals, writes, reveals."""
    period = parse_period(start, end, ("from", "to"))
    found = identity.audit_records(
        rt,
        principal=principal,
        action=action,
        object=object,
        result=result,
        since=period.start,
        until=period.end,
        limit=limit,
    )
    return [audit_view(record) for record in found]
