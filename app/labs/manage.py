"""Keeping the lab results a learner wants to see: their own runs and imports can be deleted; a reference result
cannot (the next start would load it again from labs/results/) and is hidden instead, and shown again at will.

Hiding is for everyone on this PrepLab, not per learner: lab results belong to the installation, as runs and
imports do (a LabRun has no owner), and the machine a team shares runs one set of labs.
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


def run_or_error(session: Session, run_id: int) -> LabRun:
    run = session.get(LabRun, run_id)
    if run is None:
        raise UnknownRun(id=run_id)
    return run


def deletable(session: Session, run_id: int) -> LabRun:
    """The run, when it is one the learner may delete: theirs (run here or imported) and not still going."""
    run = run_or_error(session, run_id)
    if run.reference:
        raise ReferenceNotDeletable(id=run_id)
    if run.status in ACTIVE:
        raise RunInProgress(id=run_id)
    return run


def delete_run(*, session: Session, run_id: int) -> str:
    """Delete a learner's run or import; returns its lab id (for the page to go back to)."""
    run = deletable(session, run_id)
    lab = run.lab
    session.delete(run)
    session.commit()
    return lab


def set_hidden(*, session: Session, run_id: int, hidden: bool) -> LabRun:
    """Hide a reference result from the lab, concept and question pages (and the JSON twins), or show it again."""
    run = run_or_error(session, run_id)
    if not run.reference:
        raise NotAReference(id=run_id)
    run.hidden = hidden
    session.add(run)
    session.commit()
    session.refresh(run)
    return run
