"""The application factory: create_app(settings) builds PrepLab's FastAPI app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import cache, partial

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute

from app.accounts.setup import install_accounts, trust_proxies
from app.backup import policy as backup_policy
from app.backup_schedule import backup_on_schedule
from app.cohort.routes import router as cohort_router
from app.content.bank import ContentError
from app.db import make_engine, session_scope, upgrade_database
from app.deps import Viewer, current_viewer, read_viewer
from app.docs_pages import router as docs_router
from app.group_commit import for_engine as group_commit_for
from app.labs.catalog import probe_in_background
from app.labs.routes import router as labs_router
from app.labs.runner import stop_all as stop_lab_runs
from app.labs.runner import tick as lab_queue_tick
from app.labs.service import on_startup as labs_on_startup
from app.labs.shown import warm as warm_lab_results
from app.limits import BodyLimits, size_text
from app.messages import translate
from app.mock.routes import router as mock_router
from app.page_cache import PageCache
from app.plan.routes import router as plan_router
from app.planner.routes import router as planner_router
from app.preferences.routes import router as preferences_router
from app.preferences.service import preferences
from app.quiz.routes import router as quiz_router
from app.review.card_routes import router as card_router
from app.review.routes import router as review_router
from app.search.routes import router as search_router
from app.security import CsrfGuard, SiteGuard, csrf_secret
from app.settings import PROJECT_ROOT, Settings, get_settings
from app.shared_state import Watcher, exclusive
from app.static_files import STATIC_MOUNT, CachedStaticFiles
from app.study.routes import router as study_router
from app.templating import render, warm_templates
from app.users import ensure_local_user
from app.validation import MAX_SQL_INT, validation_messages


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    """`migrate=False`: the schema is already at head (`preplab serve --workers N` migrates once, in the parent,
    before any worker starts)."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, echo=settings.echo_sql, synchronous=settings.sqlite_synchronous,
                         worker_threads=settings.worker_threads)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Route threads and the connection pool are sized together (app/db.py pool_size_for).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        probe_in_background()  # torch and the GPU, asked once off the request path; only the run form waits
        warm_templates()
        backups = backup_policy(settings)
        if migrate:
            upgrade_database(engine, backups=backups)
        with session_scope(engine) as session:
            exclusive(session, "start-up")  # workers starting together insert these one at a time
            language = "zh"
            if not settings.accounts:  # team mode has accounts instead (app/accounts), and no local user
                app.state.local_user_id = ensure_local_user(session=session, name=settings.default_user).id
                # Made now, not by the first page that asks: two first pages at once would both insert it.
                language = preferences(session=session, user_id=app.state.local_user_id).language
        with session_scope(engine) as session:
            labs_on_startup(session)
            warm_lab_results(session=session, lang=language)
        app.state.group_commit = group_commit_for(engine)  # grades that arrive together share one commit
        # Once a second, off the request path: caches dropped after an import elsewhere, the lab queue moved on.
        watcher = Watcher(engine, duties=(partial(lab_queue_tick, timeout_s=settings.lab_timeout_s),)).start()
        scheduled = asyncio.create_task(backup_on_schedule(settings)) if backups else None
        yield
        if scheduled is not None:
            scheduled.cancel()
        await anyio.to_thread.run_sync(watcher.stop)
        if app.state.group_commit is not None:
            await anyio.to_thread.run_sync(app.state.group_commit.stop)  # what is queued is committed first
        await anyio.to_thread.run_sync(stop_lab_runs, engine)  # their process groups, before the engine goes
        engine.dispose()

    # /docs and /redoc are PrepLab's own pages (app/docs_pages.py): vendored Swagger UI and ReDoc, no CDN.
    app = FastAPI(title="PrepLab", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.engine = engine
    app.mount(STATIC_MOUNT, CachedStaticFiles(directory=str(PROJECT_ROOT / "static")), name="static")
    app.router.routes.extend(_feature_routes())
    _install_error_handlers(app)
    # Outermost last: the Host and Origin checks, then the body limit, then the CSRF token (which may read a form).
    secret = csrf_secret(settings)
    # Innermost: it needs the learner (the accounts gate) and the CSRF token (the guard) of each request.
    app.add_middleware(PageCache, engine=engine, max_bytes=int(settings.page_cache_mb * 1024 * 1024),
                       local_user=lambda: getattr(app.state, "local_user_id", None))
    install_accounts(app, settings)  # team mode's sign-in gate, inside the CSRF guard
    app.add_middleware(CsrfGuard, secret=lambda: secret)
    app.add_middleware(BodyLimits, max_body_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes)
    app.add_middleware(SiteGuard, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=1)  # 6 costs twice the CPU for 12% fewer bytes
    trust_proxies(app, settings)
    return app


@cache
def _feature_routes() -> tuple[BaseRoute, ...]:
    """Every feature's routes, as their routers built them at import, shared by each app this process makes.
    `include_router` would have each new app (every test's, every worker's) build every route's dependency tree
    again on its first request (FastAPI builds an included router's routes per inclusion): about 0.2 s of CPU."""
    found: list[BaseRoute] = []

    def add(routes: list[BaseRoute]) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)  # a router a feature's router includes
            if included is None:
                found.append(route)
                continue
            context = route.include_context  # type: ignore[attr-defined]
            if context.prefix or context.dependencies:
                raise RuntimeError(f"an included router with a prefix or dependencies: {included}")
            add(included.routes)

    for router in (docs_router, study_router, review_router, card_router, plan_router, quiz_router, mock_router,
                   search_router, preferences_router, labs_router, planner_router, cohort_router):
        add(router.routes)
    return tuple(found)


def worker_app() -> FastAPI:
    """The app of one worker of `preplab serve --workers N` (uvicorn imports it by name in each worker process):
    settings from the environment, the schema already migrated by the parent."""
    return create_app(migrate=False)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _install_error_handlers(app: FastAPI) -> None:
    # Error pages read the learner's language from the database: in a worker thread, never on the event loop.
    @app.exception_handler(ContentError)
    async def content_error(request: Request, error: ContentError) -> Response:
        return await _error_response(request, 422, str(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 413:  # a body that passed its limit while the route read it
            limit = request.scope.get("starlette.max_body_size") or request.app.state.settings.max_body_bytes
            return await _error_response(request, 413, lambda lang: translate("security.too_large", lang,
                                                                              limit=size_text(int(limit))))
        if error.status_code == 404 and error.detail == "Not Found" and not _wants_json(request):  # no route at all
            return await _error_response(request, 404, lambda lang: translate("error.no_such_page", lang))
        return await _error_response(request, error.status_code, str(error.detail))

    @app.exception_handler(OverflowError)
    async def number_too_large(request: Request, _error: OverflowError) -> Response:
        """A route that takes a plain int past SQLite's INTEGER (routes use RowId, which says so up front)."""
        values = {**request.path_params, **request.query_params}
        names = [name for name, value in values.items()
                 if str(value).lstrip("-").isdigit() and abs(int(value)) > MAX_SQL_INT] or ["?"]
        errors = [{"loc": ["path" if name in request.path_params else "query", name], "type": "less_than_equal",
                   "msg": f"Input should be less than or equal to {MAX_SQL_INT}"} for name in names]
        return await validation_error(request, RequestValidationError(errors))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        """Every field at fault, by name, in words; the offending value is never echoed (it may be NaN, or text
        that cannot be encoded)."""
        return await run_in_threadpool(_validation_response, request, error)


def _validation_response(request: Request, error: RequestValidationError) -> Response:
    viewer = _viewer(request)
    problems = validation_messages(error.errors(), viewer.lang)
    if _wants_json(request):
        return JSONResponse({"detail": problems.details, "message": problems.message,
                             "fields": problems.fields}, status_code=422)
    return _error_page(request, viewer, 422, problems.message)


def _viewer(request: Request) -> Viewer:
    """The learner's language and theme, so a 404 in English mode is English (before start-up, or nobody signed in
    in team mode: the defaults)."""
    signed_in = current_viewer(request)
    if signed_in is not None:
        return signed_in
    user_id = getattr(request.app.state, "local_user_id", None)
    if user_id is None or request.app.state.settings.accounts:
        return Viewer(user_id=0, user_name="")
    return read_viewer(request.app.state.engine, user_id, user_name=request.app.state.settings.default_user)


async def _error_response(request: Request, status: int, message: str | Callable[[str], str]) -> Response:
    if _wants_json(request) and isinstance(message, str):
        return JSONResponse({"detail": message}, status_code=status)
    return await run_in_threadpool(_message_response, request, status, message)


def _message_response(request: Request, status: int, message: str | Callable[[str], str]) -> Response:
    viewer = _viewer(request)
    text = message if isinstance(message, str) else message(viewer.lang)
    if _wants_json(request):
        return JSONResponse({"detail": text}, status_code=status)
    return _error_page(request, viewer, status, text)


def _error_page(request: Request, viewer: Viewer, status: int, message: str) -> Response:
    return render(request, viewer, "error.html", {"status": status, "message": message}, status_code=status)
