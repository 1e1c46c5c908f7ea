"""The memory planner's page (/planner, a plain GET form), the fragment HTMX redraws as the learner types
(/planner/result) and the JSON twin (/api/memory-plan); all three call app.planner.service.plan."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRouter

from app.deps import SessionReleasingRoute, ViewerDep
from app.planner.inputs import ParsedInput, parse_input
from app.planner.schemas import plan_json
from app.planner.service import PlanError, plan
from app.planner.views import ResultView, form_view, result_view
from app.templating import render

router = APIRouter(route_class=SessionReleasingRoute)


def _result(parsed: ParsedInput, lang: str) -> tuple[ResultView | None, list[str]]:
    try:
        return result_view(plan(parsed.values, lang), lang), parsed.errors
    except PlanError as error:
        return None, [*parsed.errors, *error.messages]


def _context(request: Request, lang: str) -> dict[str, Any]:
    parsed = parse_input(dict(request.query_params), lang)
    result, errors = _result(parsed, lang)
    return {"active": "planner", "form": form_view(parsed, lang), "result": result, "errors": errors}


@router.get("/planner", name="planner")
def planner_page(request: Request, viewer: ViewerDep) -> Response:
    """The planner: the form and, for what it holds (defaults where blank), the per-GPU breakdown and verdict."""
    return render(request, viewer, "planner/index.html", _context(request, viewer.lang))


@router.get("/planner/result", name="planner_result")
def planner_result(request: Request, viewer: ViewerDep) -> Response:
    """The result fragment for the form's values (HTMX swaps it in as the learner types); the address bar follows."""
    context = _context(request, viewer.lang)
    query = context["result"].query if context["result"] else request.url.query
    return render(request, viewer, "planner/_result.html", context,
                  headers={"HX-Replace-Url": "/planner" + (f"?{query}" if query else "")})


@router.get("/api/memory-plan", name="api_memory_plan")
def memory_plan_json(request: Request, viewer: ViewerDep) -> Response:
    """The plan (JSON): the parameter count, every per-GPU term in bytes with its formula and lab, the verdict per
    GPU; the same query string as /planner. 422 with `errors` when a value cannot be used."""
    parsed = parse_input(dict(request.query_params), viewer.lang)
    if parsed.errors:
        return JSONResponse({"errors": parsed.errors}, status_code=422)
    try:
        return JSONResponse(plan_json(plan(parsed.values, viewer.lang)))
    except PlanError as error:
        return JSONResponse({"errors": error.messages}, status_code=422)
