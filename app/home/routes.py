"""The home page and its JSON twin: the banks and how many questions each holds."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.content.service import bank_summaries
from app.deps import SessionDep, ViewerDep
from app.templating import render

router = APIRouter()


@router.get("/", name="home")
def home(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """List the banks with their question counts by kind."""
    return render(request, viewer, "home/index.html", {"banks": bank_summaries(session=session)})


@router.get("/api/banks", name="api_banks")
def api_banks(session: SessionDep) -> list[dict[str, Any]]:
    """The banks with their question counts by kind (JSON)."""
    return [asdict(bank) | {"total": bank.total} for bank in bank_summaries(session=session)]
