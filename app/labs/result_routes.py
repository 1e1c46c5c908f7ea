"""A learner's lab results kept or let go: delete a run or an import (after a confirmation), hide a reference result
or show it again; the lab page's plain forms and their JSON twins, over app/labs/manage.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import RowId, SessionDep, SessionReleasingRoute, Viewer, ViewerDep
from app.labs.manage import LabRunError, deletable, delete_run, set_hidden
from app.templating import render

router = APIRouter(route_class=SessionReleasingRoute)


def _refused(error: LabRunError, viewer: Viewer) -> HTTPException:
    return HTTPException(error.status, error.message(viewer.lang))


@router.get("/labs/runs/{run_id}/delete")
def delete_confirm_page(request: Request, run_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """Before deleting a run: which one, and delete it or go back (the page a plain form without confirm=1 gets)."""
    try:
        run = deletable(session, run_id, viewer.user_id, viewer.is_admin)
    except LabRunError as error:
        raise _refused(error, viewer) from error
    return render(request, viewer, "labs/confirm_delete.html", {"active": "labs", "run": run},
                  headers={"Cache-Control": "no-store"})


@router.post("/labs/runs/{run_id}/delete")
def delete_page(run_id: RowId, session: SessionDep, viewer: ViewerDep,
                confirm: Annotated[str, Form(max_length=4)] = "") -> Response:
    """Delete a run or an import of the learner's once confirmed (confirm=1), then show its lab."""
    if confirm != "1":
        return RedirectResponse(f"/labs/runs/{run_id}/delete", status_code=303)
    try:
        lab = delete_run(session=session, run_id=run_id, user_id=viewer.user_id, is_admin=viewer.is_admin)
    except LabRunError as error:
        raise _refused(error, viewer) from error
    return RedirectResponse(f"/labs/{lab}?deleted={run_id}#compare", status_code=303)


@router.delete("/api/lab-runs/{run_id}")
def delete_json(run_id: RowId, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """Delete a run or an import; 409 for a reference result (hide it) or a run still going (cancel it) (JSON)."""
    try:
        lab = delete_run(session=session, run_id=run_id, user_id=viewer.user_id, is_admin=viewer.is_admin)
    except LabRunError as error:
        raise _refused(error, viewer) from error
    return {"deleted": run_id, "lab": lab}


def _hide(session: SessionDep, viewer: Viewer, run_id: int, hidden: bool) -> str:
    try:
        return set_hidden(session=session, run_id=run_id, hidden=hidden, is_admin=viewer.is_admin).lab
    except LabRunError as error:
        raise _refused(error, viewer) from error


@router.post("/labs/runs/{run_id}/hide")
def hide_page(run_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """Hide a reference result from every page, then show its lab."""
    lab = _hide(session, viewer, run_id, True)
    return RedirectResponse(f"/labs/{lab}#reference", status_code=303)


@router.post("/labs/runs/{run_id}/unhide")
def unhide_page(run_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """Show a hidden reference result again, then show its lab."""
    lab = _hide(session, viewer, run_id, False)
    return RedirectResponse(f"/labs/{lab}?reference={run_id}#reference", status_code=303)


@router.put("/api/lab-runs/{run_id}/hidden")
def hide_json(run_id: RowId, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """Hide a reference result; 409 for a run of the learner's (delete it instead) (JSON)."""
    return {"run_id": run_id, "lab": _hide(session, viewer, run_id, True), "hidden": True}


@router.delete("/api/lab-runs/{run_id}/hidden")
def unhide_json(run_id: RowId, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """Show a hidden reference result again (JSON)."""
    return {"run_id": run_id, "lab": _hide(session, viewer, run_id, False), "hidden": False}
