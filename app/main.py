"""The application factory: create_app(settings) builds PrepLab's FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.content.bank import ContentError
from app.db import make_engine, session_scope, upgrade_database
from app.home.routes import router as home_router
from app.settings import PROJECT_ROOT, Settings, get_settings
from app.templating import templates
from app.users import ensure_local_user


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, echo=settings.echo_sql)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        upgrade_database(engine)
        with session_scope(engine) as session:
            ensure_local_user(session=session, name=settings.default_user)
        yield
        engine.dispose()

    app = FastAPI(title="PrepLab", lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.mount("/static", StaticFiles(directory=str(PROJECT_ROOT / "static")), name="static")
    app.include_router(home_router)
    _install_error_handlers(app)
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ContentError)
    async def content_error(request: Request, error: ContentError) -> Response:
        return _error_response(request, 422, str(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        return _error_response(request, error.status_code, str(error.detail))


def _error_response(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    page = templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message, "lang": "zh"}, status_code=status
    )
    return HTMLResponse(page.body, status_code=status)
