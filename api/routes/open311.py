"""Open311 GeoReport v2 (JSON only): services, and service requests in and out.

Errors on these routes answer in Open311's shape, ``[{"code": <status>, "description": ...}]``,
with the same status the native routes would give. XML (``.xml``) is not offered.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from json import JSONDecodeError
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from api import access
from api.access import Public, requires
from api.deps import Rt
from api.errors import public_detail, status_for
from api.schemas import RequestAccepted, Service, ServiceDefinition, ServiceRequest, answer
from gis.errors import GridmapError, InvalidInput, NotFound
from gis.identity.access import Acting
from gis.incidents import keys, open311
from gis.incidents.keys import IdempotencyKey
from gis.incidents.records import IncidentDetails, IncidentQuery
from gis.incidents.report import parse_report
from gis.usecases import incidents
from gis.usecases.runtime import Runtime
from gis.values import optional_time

LIMIT = 1000


def open311_error(status: int, description: str) -> JSONResponse:
    """The Open311 error body: a list of ``{code, description}``."""
    return JSONResponse([{"code": status, "description": description}], status_code=status)


class Open311Route(APIRoute):
    """A route whose domain and validation errors answer in Open311's format."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, translating errors to Open311's format."""
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except GridmapError as exc:
                await access.audit_refusal(request, exc)
                detail = open311.open311_detail(public_detail(exc))
                return open311_error(status_for(exc), detail)
            except RequestValidationError as exc:
                problems = [
                    f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
                    for e in exc.errors()
                ]
                return open311_error(400, "; ".join(problems))

        return handle


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)


@router.get("/services.json", responses=answer(list[Service], "the services"))
def services(rt: Rt, _: Public, lang: str = "zh") -> Any:
    """The service list: our incident categories."""
    return [open311.service(c, lang=lang) for c in rt.catalogue]


@router.get("/services/{service_code}.json", responses=answer(ServiceDefinition, "its definition"))
def service_definition(rt: Rt, _: Public, service_code: str) -> Any:
    """The definition of one service (no extra attributes are asked)."""
    if service_code not in rt.catalogue.categories:
        raise NotFound(f"service_code: no service {service_code!r}")
    return open311.service_definition(rt.catalogue[service_code])


async def _fields(request: Request) -> dict[str, Any]:
    """The request's fields: form-encoded (as the spec says), multipart, or a JSON object."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = await request.json()
        except (JSONDecodeError, UnicodeDecodeError):
            raise InvalidInput("body: not valid JSON") from None
        if not isinstance(data, dict):
            raise InvalidInput("body: expected a JSON object of request fields")
        return data
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@router.post(
    "/requests.json",
    status_code=201,
    responses={
        **answer(list[RequestAccepted], "the request accepted", 201),
        **answer(list[RequestAccepted], "the request an idempotency key made before"),
    },
)
async def create_request(
    request: Request,
    rt: Rt,
    acting: Annotated[Acting, requires("incidents:report", api_key=True)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Any:
    """Create a service request (201 new, 200 for a retried ``Idempotency-Key``).

    ``api_key`` is a token of a user who may report incidents (a ``client``), as GeoReport v2
    says; ``Authorization: Bearer`` works too. The same ``Idempotency-Key`` (per ``api_key``)
    with a different request answers 422.
    """
    fields = await _fields(request)
    key = keys.request_key(idempotency_key, scope="open311", client=acting.login)
    found, created = await run_in_threadpool(_intake, rt, acting, fields, key)
    answer = {
        "service_request_id": str(found.incident.id),
        "service_notice": open311.service_notice(found.incident),
        "account_id": None,
    }
    return JSONResponse([answer], status_code=201 if created else 200)


def _intake(
    rt: Runtime, acting: Acting, fields: dict[str, Any], key: IdempotencyKey | None
) -> tuple[IncidentDetails, bool]:
    incoming = parse_report(open311.report_fields(fields, rt.catalogue), rt.catalogue)
    return incidents.report(rt, incoming, acting=acting, key=key)


@router.get("/requests.json", responses=answer(list[ServiceRequest], "the requests"))
def list_requests(request: Request, rt: Rt, acting: Public) -> Any:
    """Service requests: by ``service_request_id``, else by code, status and period."""
    params = request.query_params
    filters = open311.request_filters(params, rt.catalogue)
    if filters["ids"] is not None:
        rows = incidents.incidents_by_id(rt, filters["ids"])
    else:
        period = open311.request_period(
            optional_time(params.get("start_date"), "start_date"),
            optional_time(params.get("end_date"), "end_date"),
            now=datetime.now(UTC),
        )
        rows = []
        for code in filters["codes"] or [None]:
            query = IncidentQuery(code, filters["statuses"], period=period, limit=LIMIT)
            rows += incidents.list_incidents(rt, query, acting=acting)
        rows = sorted(rows, key=lambda row: row.id)[:LIMIT]
    return [open311.request_view(row, rt.catalogue) for row in rows]


@router.get(
    "/requests/{service_request_id}.json",
    responses=answer(list[ServiceRequest], "the request, as a list of one"),
)
def get_request(rt: Rt, acting: Public, service_request_id: str) -> Any:
    """One service request, as a one-element list."""
    if (
        not (service_request_id.isascii() and service_request_id.isdigit())
        or len(service_request_id) > 18
    ):
        raise NotFound(f"service_request_id: no request {service_request_id!r}")
    found = incidents.get_incident(rt, int(service_request_id), acting=acting)
    return [open311.request_view(found, rt.catalogue)]
