"""The application factory: create_app(settings) builds PrepLab's FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.content.bank import ContentError
from app.db import make_engine, session_scope, upgrade_database
from app.deps import Viewer
from app.labs.routes import router as labs_router
from app.labs.service import on_startup as labs_on_startup
from app.mock.routes import router as mock_router
from app.preferences.routes import router as preferences_router
from app.quiz.routes import router as quiz_router
from app.review.routes import router as review_router
from app.search.routes import router as search_router
from app.settings import PROJECT_ROOT, Settings, get_settings
from app.study.routes import router as study_router
from app.templating import render
from app.users import ensure_local_user


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, echo=settings.echo_sql)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        upgrade_database(engine)
        with session_scope(engine) as session:
            app.state.local_user_id = ensure_local_user(session=session, name=settings.default_user).id
            labs_on_startup(session)
        yield
        engine.dispose()

    app = FastAPI(title="PrepLab", lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.mount("/static", StaticFiles(directory=str(PROJECT_ROOT / "static")), name="static")
    for router in (study_router, review_router, quiz_router, mock_router, search_router, preferences_router,
                   labs_router):
        app.include_router(router)
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
    viewer = Viewer(user_id=getattr(request.app.state, "local_user_id", 0) or 0)
    return render(request, viewer, "error.html", {"status": status, "message": message}, status_code=status)
