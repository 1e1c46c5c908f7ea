"""The Jinja2 environment shared by every feature's routes, and the one way routes render a page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import FileSystemBytecodeCache, pass_context
from markupsafe import Markup, escape
from starlette.responses import Response

from app.deps import Viewer
from app.messages import MESSAGES, translate
from app.render import render_inline, render_markdown
from app.security import CSRF_FIELD, csrf_token
from app.settings import PROJECT_ROOT
from app.static_files import url_for
from app.study.sources import source_title_global

templates = Jinja2Templates(directory=str(PROJECT_ROOT / "templates"))
# Templates are part of the installed code: compiled once (warm_templates) and never looked at again. With Jinja's
# auto_reload every include of every page would stat its file first (a twentieth of a question page's time).
templates.env.auto_reload = False


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept between processes (Jinja's own cache, in a folder of this user's under the temporary
    folder; each entry checked against its template's source): a server, a worker or a CLI command that renders
    starts without compiling the ~60 templates again (half a second of CPU)."""
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no writable temporary folder: compile in each process, as without it
        return None


templates.env.bytecode_cache = _bytecode_cache()
templates.env.globals["t"] = translate
templates.env.filters["markdown"] = render_markdown
templates.env.filters["markdown_inline"] = render_inline  # titles and choices: no <p> around them


@pass_context
def csrf_input(context: Mapping[str, Any]) -> Markup:
    """The hidden CSRF field every POST form carries, first in the form (asgi-csrf reads a multipart body only up
    to it): `{{ csrf_input() }}`."""
    token = context.get("csrf_token") or ""
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')


templates.env.globals["csrf_input"] = csrf_input
templates.env.globals["source_title"] = source_title_global  # a cited document by its title


@pass_context
def topic_name(context: Mapping[str, Any], topic: str | None) -> str:
    """A topic as the page's language names it (`{{ q.topic | topic_name }}`); an unknown topic as it is."""
    if not topic:
        return ""
    key = f"topic.{topic}"
    return translate(key, str(context.get("lang") or "zh")) if key in MESSAGES else topic


templates.env.filters["topic_name"] = topic_name
templates.env.globals["url_for"] = url_for  # static URLs carry their content hash (app/static_files.py)


def warm_templates() -> None:
    """Compile every template once at start-up, so the first page of each kind is not the one that pays for it."""
    for name in templates.env.list_templates(extensions=["html"]):
        templates.env.get_template(name)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request, viewer: Viewer, name: str, context: Mapping[str, Any] | None = None, *,
    status_code: int = 200, headers: Mapping[str, str] | None = None,
) -> Response:
    """Render a page or an HTMX fragment with the viewer's language and theme; always `Vary: HX-Request`."""
    values = {"viewer": viewer, "lang": viewer.lang, "theme": viewer.theme, "csrf_token": csrf_token(request.scope),
              **(context or {})}
    response = templates.TemplateResponse(request, name, values, status_code=status_code)
    response.headers["Vary"] = "HX-Request"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
