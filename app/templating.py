"""The Jinja2 environment shared by every feature's routes, and the one way routes render a page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from app.deps import Viewer
from app.messages import translate
from app.render import render_inline, render_markdown
from app.settings import PROJECT_ROOT

templates = Jinja2Templates(directory=str(PROJECT_ROOT / "templates"))
templates.env.globals["t"] = translate
templates.env.filters["markdown"] = render_markdown
templates.env.filters["markdown_inline"] = render_inline  # titles and choices: no <p> around them


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request, viewer: Viewer, name: str, context: Mapping[str, Any] | None = None, *,
    status_code: int = 200, headers: Mapping[str, str] | None = None,
) -> Response:
    """Render a page or an HTMX fragment with the viewer's language and theme; always `Vary: HX-Request`."""
    values = {"viewer": viewer, "lang": viewer.lang, "theme": viewer.theme, **(context or {})}
    response = templates.TemplateResponse(request, name, values, status_code=status_code)
    response.headers["Vary"] = "HX-Request"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
