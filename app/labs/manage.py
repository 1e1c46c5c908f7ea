"""Keeping the lab results a learner wants to see: their own runs and imports can be deleted; a reference result
cannot (the next start would load it again from labs/results/) and is hidden instead, and shown again at will.

Hiding is for everyone on this PrepLab, not per learner: reference results belong to the installation, and the
machine a team shares runs one set of labs. In team mode only an admin hides or shows them. A learner's own runs and
imports (LabRun.user_id) are theirs alone: another learner is told there is no such run. Runs of no one (imported with
the CLI, or from before accounts) are everyone's to see, and an admin's to delete.
"""

from __future__ import annotations

from typing import ClassVar

from sqlmodel import Session

from app.errors import UserError
from app.labs.processes import ACTIVE
from app.models import LabRun


class LabRunError(UserError):
    key: ClassVar[str] = "labs.run.missing"
    status: ClassVar[int] = 409
    code: ClassVar[str] = "lab_run_error"


class UnknownRun(LabRunError, LookupError):
    key, status, code = "labs.run.missing", 404, "unknown_run"


class ReferenceNotDeletable(LabRunError):
    key, status, code = "labs.delete.reference", 409, "reference_not_deletable"


class RunInProgress(LabRunError):
    key, status, code = "labs.delete.running", 409, "run_in_progress"


class NotAReference(LabRunError):
    key, status, code = "labs.hide.not_reference", 409, "not_a_reference"


class AdminOnly(LabRunError):
    key, status, code = "accounts.error.admin_only", 403, "admin_only"


def visible_to(run: LabRun, user_id: int) -> bool:
    """References and runs of no one are everyone's; a learner's run is theirs alone."""
    return run.reference or run.user_id is None or run.user_id == user_id


def run_or_error(session: Session, run_id: int, user_id: int | None = None) -> LabRun:
    """The run, when it exists and (given a viewer's `user_id`) is one they may see; None: no owner check (the CLI)."""
    run = session.get(LabRun, run_id)
    if run is None or (user_id is not None and not visible_to(run, user_id)):
        raise UnknownRun(id=run_id)
    return run


def deletable(session: Session, run_id: int, user_id: int | None = None, is_admin: bool = True) -> LabRun:
    """The run, when it is one the learner may delete: theirs (run here or imported; a run of no one: an admin's to
    delete) and not still going."""
    run = run_or_error(session, run_id, user_id)
    if run.reference:
        raise ReferenceNotDeletable(id=run_id)
    if run.user_id is None and not is_admin:
        raise AdminOnly(id=run_id)
    if run.status in ACTIVE:
        raise RunInProgress(id=run_id)
    return run


def delete_run(*, session: Session, run_id: int, user_id: int | None = None, is_admin: bool = True) -> str:
    """Delete a learner's run or import; returns its lab id (for the page to go back to)."""
    run = deletable(session, run_id, user_id, is_admin)
    lab = run.lab
    session.delete(run)
    session.commit()
    return lab


def set_hidden(*, session: Session, run_id: int, hidden: bool, is_admin: bool = True) -> LabRun:
    """Hide a reference result from the lab, concept and question pages (and the JSON twins), or show it again;
    for everyone, so in team mode an admin's to do."""
    run = run_or_error(session, run_id)
    if not is_admin:
        raise AdminOnly(id=run_id)
    if not run.reference:
        raise NotAReference(id=run_id)
    run.hidden = hidden
    session.add(run)
    session.commit()
    session.refresh(run)
    return run
