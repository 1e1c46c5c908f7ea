"""The original documents, line by line (/sources/{document}), so every cited FILE:LINE opens at its line."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from app.deps import SessionReleasingRoute, SettingsDep, ViewerDep
from app.messages import translate
from app.study.sources import document_titles, source_document
from app.templating import render

router = APIRouter(route_class=SessionReleasingRoute)


@router.get("/sources", name="sources")
def sources_page(request: Request, viewer: ViewerDep, settings: SettingsDep) -> Response:
    """The original documents, by title."""
    titles = document_titles(settings.content_dir)
    return render(request, viewer, "study/sources.html", {"titles": titles, "active": "browse"})


@router.get("/sources/{document}", name="source")
def source_page(request: Request, document: str, viewer: ViewerDep, settings: SettingsDep) -> Response:
    """One original document with numbered lines; #L120 opens it at line 120 and marks it."""
    found = source_document(settings.content_dir, document)
    if found is None:
        raise HTTPException(status_code=404, detail=translate("study.source.not_found", viewer.lang, name=document))
    return render(request, viewer, "study/source.html", {"source": found, "active": "browse"})


@router.get("/api/sources/{document}", name="api_source")
def api_source(document: str, viewer: ViewerDep, settings: SettingsDep) -> dict[str, Any]:
    """One original document (JSON): its titles and its lines (line N is lines[N - 1])."""
    found = source_document(settings.content_dir, document)
    if found is None:
        raise HTTPException(status_code=404, detail=translate("study.source.not_found", viewer.lang, name=document))
    return {"document": found.name, "title_zh": found.titles.title_zh, "title_en": found.titles.title_en,
            "lines": found.lines}
