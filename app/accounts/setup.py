"""Wiring team mode into the app (create_app calls these): the clock the sign-in code reads, the sign-in routes and
the gate when accounts are on, and the trusted reverse proxies."""

from __future__ import annotations

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.accounts.gate import AccountsGate
from app.accounts.routes import router
from app.clock import utcnow
from app.settings import Settings


def install_accounts(app: FastAPI, settings: Settings) -> None:
    """Call before the CSRF guard is added: the gate must sit inside the Host, Origin and CSRF checks."""
    app.state.clock = utcnow  # tests set another: sessions expire and back-off waits end without sleeping
    if not settings.accounts:
        return
    app.include_router(router)
    app.add_middleware(AccountsGate, engine=app.state.engine, clock=lambda: app.state.clock())


def trust_proxies(app: FastAPI, settings: Settings) -> None:
    """Call last (outermost): behind a proxy named in PREPLAB_TRUSTED_PROXIES, the request's scheme and client are
    those the proxy saw (X-Forwarded-Proto, X-Forwarded-For); from anyone else those headers are ignored. `preplab
    serve` turns uvicorn's own proxy-header handling off, so this is the only one, under any server."""
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
