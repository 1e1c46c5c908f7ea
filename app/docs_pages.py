"""/docs (Swagger UI), /redoc (ReDoc) and /favicon.ico served from PrepLab's own files, so they work offline.

FastAPI's built-in pages load both libraries from a CDN with an inline bootstrap script; these use the copies
vendored from the npm registry in static/vendor/ and a bootstrap module in static/js/, which the CSP allows.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from app.deps import SessionReleasingRoute
from app.settings import PROJECT_ROOT
from app.templating import templates

router = APIRouter(include_in_schema=False, route_class=SessionReleasingRoute)
FAVICON = PROJECT_ROOT / "static" / "icons" / "icon-192.png"


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """The API's operations, to read and to try (Swagger UI)."""
    return _page(request, "docs/swagger.html")


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """The API's reference (ReDoc)."""
    return _page(request, "docs/redoc.html")


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """Browsers ask for it on every site; PrepLab's icon instead of a 404 in every log."""
    return FileResponse(FAVICON, media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})


def _page(request: Request, name: str) -> HTMLResponse:
    html = templates.get_template(name).render(request=request, title=request.app.title,
                                               openapi_url=request.app.openapi_url)
    return HTMLResponse(html)
