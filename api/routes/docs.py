"""The OpenAPI documentation page, with Swagger UI served by the service itself (no CDN)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.access import Open
from maps.assets import DOCS_CSS, DOCS_JS, STATIC_PREFIX

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs(request: Request, _: Open) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``; its script and stylesheet come from ``/static``."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title}: API",
        swagger_js_url=f"{STATIC_PREFIX}/{DOCS_JS}",
        swagger_css_url=f"{STATIC_PREFIX}/{DOCS_CSS}",
        swagger_favicon_url="/favicon.ico",
    )
