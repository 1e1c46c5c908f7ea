"""The cohort page for an admin (/cohort) and its JSON twin (/api/cohort).

Anyone else gets the 404 of a page that does not exist, not a 403: a learner has no business with the page, and a
403 would tell them (and anyone probing) that it is there and who may see it; the same 404 the isolation rules give
for another learner's data. With accounts off, the one local user is the admin of a cohort of one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from app.clock import learner_zone
from app.cohort.chart import score_chart
from app.cohort.schemas import cohort_json
from app.cohort.service import STREAK_WINDOW_DAYS, WINDOWS, Cohort, build_cohort
from app.deps import SessionDep, SessionReleasingRoute, SettingsDep, Viewer, ViewerDep
from app.settings import Settings
from app.templating import render

router = APIRouter(route_class=SessionReleasingRoute)


def _cohort(session: SessionDep, viewer: Viewer, settings: Settings) -> Cohort:
    if not viewer.is_admin:
        raise HTTPException(status_code=404)  # "Not Found": the app's own page for an unknown address
    members = None if settings.accounts else [viewer.user_id]
    return build_cohort(session=session, zone=learner_zone(settings.timezone), user_ids=members)


@router.get("/cohort", name="cohort")
def cohort_page(request: Request, session: SessionDep, viewer: ViewerDep, settings: SettingsDep) -> Response:
    """The group at a glance (admins only): each learner's grades and streak, the weakest concepts, mock scores."""
    cohort = _cohort(session, viewer, settings)
    context = {"cohort": cohort, "chart": score_chart(cohort.rounds, viewer.lang), "windows": WINDOWS,
               "streak_window": STREAK_WINDOW_DAYS, "accounts": settings.accounts, "active": "cohort"}
    return render(request, viewer, "cohort/index.html", context)


@router.get("/api/cohort", name="api_cohort")
def api_cohort(session: SessionDep, viewer: ViewerDep, settings: SettingsDep) -> dict[str, Any]:
    """The group (JSON, admins only): learners [{name, reviews_7d, reviews_30d, streak_days, cards, recall, ...}],
    weakest_concepts [{id, recall, cards, learners}], rounds [{user, started_at, percent, right, total}]."""
    return cohort_json(_cohort(session, viewer, settings))
