"""The home page and its JSON twin: the banks and how many questions each holds."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.content.service import bank_summaries
from app.deps import SessionDep
from app.templating import templates

router = APIRouter()


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request, session: SessionDep) -> HTMLResponse:
    """List the banks with their question counts by kind."""
    banks = bank_summaries(session=session)
    return templates.TemplateResponse(request, "home/index.html", {"banks": banks, "lang": "zh"})


@router.get("/api/banks", name="api_banks")
def api_banks(session: SessionDep) -> list[dict[str, Any]]:
    """The banks with their question counts by kind (JSON)."""
    return [asdict(bank) | {"total": bank.total} for bank in bank_summaries(session=session)]
