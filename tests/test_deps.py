"""The local learner's Viewer is read by the route's wrapper, in the route's own thread (app/deps.py): every route
that asks for a Viewer must therefore be a SessionReleasingRoute, or it would be handed the unread placeholder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.deps import SessionReleasingRoute, get_viewer
from app.main import create_app
from app.settings import Settings


def _asks_for_viewer(dependant: Dependant) -> bool:
    return any(sub.call is get_viewer or _asks_for_viewer(sub) for sub in dependant.dependencies)


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # FastAPI's included routers keep theirs
        if included is not None:
            yield from _routes(included.routes)


def test_every_route_that_asks_for_a_viewer_reads_it_in_its_wrapper() -> None:
    app = create_app(Settings(database_url="sqlite://"))
    asking = [route for route in _routes(app.routes) if _asks_for_viewer(route.dependant)]
    assert len(asking) > 50  # the check found the routes
    assert [route.path for route in asking if not isinstance(route, SessionReleasingRoute)] == []
