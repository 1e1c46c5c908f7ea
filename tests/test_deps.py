"""The local learner's Viewer is read by the route's wrapper, in the route's own thread (app/deps.py): every route
that asks for a Viewer must therefore be a SessionReleasingRoute, or it would be handed the unread placeholder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import Match

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


def _sample_path(route: APIRoute) -> str:
    """A request path for the route's pattern: each parameter filled with a value its convertor accepts."""
    path = route.path_format
    for name, convertor in route.param_convertors.items():
        path = path.replace("{" + name + "}", convertor.to_string(convertor.convert("7")))
    return path


def test_the_literal_start_check_matches_exactly_as_starlette_does() -> None:
    """SessionReleasingRoute.matches skips a route whose literal start the path lacks: for every route, against every
    route's sample path (and a few others), with and without a root_path, the outcome is Starlette's own."""
    app = create_app(Settings(database_url="sqlite://"))
    routes = [route for route in _routes(app.routes) if isinstance(route, SessionReleasingRoute)]
    paths = [_sample_path(route) for route in routes] + ["/", "/nowhere", "/api/", "/questions/", "/review/"]
    checked = 0
    for route in routes:
        for path in paths:
            for method in ("GET", "POST"):
                for root_path in ("", "/prep"):
                    scope = {"type": "http", "method": method, "path": root_path + path, "root_path": root_path}
                    assert route.matches(dict(scope)) == APIRoute.matches(route, dict(scope)), (route.path, path)
                    checked += 1
    assert len(routes) > 50 and checked > 4 * len(routes) ** 2
    found = {APIRoute.matches(route, {"type": "http", "method": "GET", "path": _sample_path(route),
                                      "root_path": ""})[0] for route in routes}
    assert Match.NONE not in found  # every sample path matches its own route, so the check saw real matches
