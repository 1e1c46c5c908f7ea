"""Search: the /search page (live results through HTMX, a plain GET form without JS) and its JSON twin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import AfterValidator
from starlette.responses import Response

from app.deps import SessionDep, SessionReleasingRoute, ViewerDep
from app.search.filters import SearchFilters, SearchHit
from app.search.highlight import MAX_QUERY_CHARS
from app.search.service import DEFAULT_LIMIT, MAX_LIMIT, filter_options, search, search_url, suggestions
from app.templating import is_htmx, render
from app.validation import MAX_SQL_INT, no_nul

router = APIRouter(route_class=SessionReleasingRoute)


def _fragment_wanted(request: Request) -> bool:
    """An HTMX swap gets the results fragment; a history restore (back button after a cache miss) needs the page."""
    return is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true"


@router.get("/search", name="search")
def search_page(request: Request, session: SessionDep, viewer: ViewerDep, q: str = "", topic: str | None = None,
                kind: str | None = None, difficulty_min: str | None = None, difficulty_max: str | None = None,
                concept: str | None = None, offset: str | None = None) -> Response:
    """The search box, the filters and one page of results; a blank query shows example searches."""
    query = q.replace("\x00", " ").strip()[:MAX_QUERY_CHARS]  # NUL ends a string inside SQLite's FTS5 parser
    filters = SearchFilters.parse(topic=topic, kind=kind, difficulty_min=difficulty_min,
                                  difficulty_max=difficulty_max, concept=concept)
    start = min(int(offset), MAX_SQL_INT) if offset and offset.isdigit() else 0
    page = search(session=session, query=query, filters=filters, offset=start) if query else None
    context = {"query": query, "filters": filters, "page": page, "options": filter_options(session=session),
               "suggestions": suggestions(session=session, page=page) if page and not page.total else None,
               "search_url": search_url, "active": "search"}
    if _fragment_wanted(request):
        return render(request, viewer, "search/_results.html", context)
    return render(request, viewer, "search/index.html", context)


def _hit_json(hit: SearchHit) -> dict[str, Any]:
    return {"id": hit.id, "title": hit.title, "kind": hit.kind, "topic": hit.topic, "difficulty": hit.difficulty,
            "snippet": str(hit.snippet), "title_html": str(hit.title_html), "score": round(hit.score, 4),
            "url": f"/questions/{hit.id}"}


@router.get("/api/search", name="api_search")
def api_search(
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, pattern=r"\S",
                            description="the words to find; a blank q is a 422 error naming `q`"),
                 AfterValidator(no_nul)],
    topic: str | None = None,
    kind: str | None = None,
    difficulty_min: Annotated[int | None, Query(ge=1, le=10)] = None,
    difficulty_max: Annotated[int | None, Query(ge=1, le=10)] = None,
    concept: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_SQL_INT)] = 0,
) -> dict[str, Any]:
    """Ranked questions with highlighted, HTML-escaped snippets (JSON); a missing or blank q is a 422 naming q."""
    filters = SearchFilters(topic=topic or None, kind=kind or None, difficulty_min=difficulty_min,
                            difficulty_max=difficulty_max, concept=concept or None)
    page = search(session=session, query=q, filters=filters, limit=limit, offset=offset)
    return {"query": page.query, "terms": page.terms, "results": [_hit_json(hit) for hit in page.hits],
            "total": page.total, "limit": page.limit, "offset": page.offset, "took_ms": round(page.took_ms, 3)}
