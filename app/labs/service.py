"""Lab results as LabRun rows: shipped reference results, imported files, the latest result per lab."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.clock import as_utc, utcnow
from app.jsonsafe import loads_bounded
from app.labs.bounds import TooLarge, check_bounds
from app.labs.catalog import Catalog
from app.labs.processes import end_leftover_runs
from app.messages import translate
from app.models import LabRun
from app.settings import PROJECT_ROOT
from app.shared_state import exclusive
from labs.core.schema import LabResult
from labs.core.spec import LabSpec, ParamError
from labs.registry import LABS

REFERENCE_DIR = PROJECT_ROOT / "labs" / "results"


class LabResultError(ValueError):
    """A result file that is not valid JSON, passes a limit (app/labs/bounds.py), names a lab that is not registered
    or is not a LabResult; the message (app/messages/lab_runs.py) names the file and the field. `str()` gives both
    languages (the CLI, a failed run's stored error); a page shows `message(lang)`."""

    def __init__(self, key: str, **values: object) -> None:
        self.key, self.values = key, values
        super().__init__(f"{self.message('zh')} / {self.message('en')}")

    def message(self, lang: str) -> str:
        return translate(self.key, lang, **self.values)


class LabRequestError(ValueError):
    """A run request that cannot start: unknown lab, bad device or parameter."""


def parse_result(text: str | bytes, *, source: str = "result") -> LabResult:
    """Validate one result document: standard JSON of bounded depth (no NaN), within app/labs/bounds.py's limits,
    for a registered lab, then the schema; errors name the offending field (e.g. `lab`, `checks.0.predicted`)."""
    try:
        data = loads_bounded(text)
    except ValueError as error:
        raise LabResultError("labs.result.not_json", source=source, problem=str(error)) from None
    if not isinstance(data, dict):
        raise LabResultError("labs.result.not_object", source=source)
    try:
        check_bounds(data)
    except TooLarge as error:
        key = {"items": "labs.result.too_many", "characters": "labs.result.too_long"}.get(
            error.kind, "labs.result.too_many_values")
        raise LabResultError(key, source=source, path=error.path, count=f"{error.count:,}",
                             limit=f"{error.limit:,}") from None
    lab = data.get("lab")
    if isinstance(lab, str) and lab not in LABS:  # checked first: a hostile id is named, whatever else is wrong
        raise LabResultError("labs.result.unknown_lab", source=source, lab=json.dumps(lab[:80]),
                             known=", ".join(sorted(LABS)))
    try:
        return LabResult.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in item['loc']) or '(root)'}: {item['msg']}"
                             for item in error.errors()[:5])
        raise LabResultError("labs.result.schema", source=source, problems=problems) from None


def device_label(result: LabResult) -> str:
    env = result.env
    count = max(env.gpu_count, env.world_size) if env.device == "cuda" else 1
    return f"{env.device_name} ×{count}" if env.device == "cuda" else env.device_name


def _run_status(result: LabResult) -> str:
    return "failed" if result.status == "error" else "done"


def store_result(session: Session, *, result: LabResult, reference: bool) -> LabRun:
    """Insert a finished result as a LabRun (the caller commits). A reference run finished when it was measured
    (its start plus its duration), the same in every database that loads it; a learner's import, when it came in
    (their newest is the one their pages show)."""
    started = as_utc(result.started_at) or result.started_at
    finished = started + timedelta(seconds=result.duration_s) if reference else utcnow()
    run = LabRun(lab=result.lab, status=_run_status(result), reference=reference, device=device_label(result),
                 params=result.params, result=json.loads(result.model_dump_json()), error=result.error or "",
                 started_at=started, finished_at=finished)
    session.add(run)
    return run


def _stored_references(session: Session) -> set[tuple[str, datetime | None]]:
    """(lab, started_at) of every reference run stored: one query, without the result column."""
    rows = session.exec(select(LabRun.lab, LabRun.started_at).where(col(LabRun.reference).is_(True))).all()
    return {(lab, as_utc(started_at)) for lab, started_at in rows}


@lru_cache(maxsize=64)
def _parsed_reference(path: Path, _mtime_ns: int, _size: int) -> LabResult:
    """A shipped result file, validated once per process and per version of the file (every start reads them all)."""
    return parse_result(path.read_bytes(), source=path.name)


def load_reference_results(session: Session, *, directory: Path = REFERENCE_DIR) -> list[str]:
    """Store each labs/results/*.json not yet present (same lab and started_at) as a reference run."""
    added: list[str] = []
    stored = _stored_references(session)
    for path in sorted(directory.glob("*.json")):
        facts = path.stat()
        result = _parsed_reference(path, facts.st_mtime_ns, facts.st_size)
        key = (result.lab, as_utc(result.started_at))
        if key not in stored:
            store_result(session, result=result, reference=True)  # read, never changed
            stored.add(key)
            added.append(path.name)
    session.commit()
    return added


def import_result(session: Session, *, text: str | bytes, source: str = "upload", user_id: int | None = None) -> LabRun:
    """Validate and store a result measured elsewhere (reference=False), as `user_id`'s (None: everyone's, as the
    CLI imports); commits."""
    run = store_result(session, result=parse_result(text, source=source), reference=False)
    run.user_id = user_id
    session.commit()
    session.refresh(run)
    return run


def _finished(session: Session, lab: str) -> list[LabRun]:
    query = select(LabRun).where(LabRun.lab == lab, col(LabRun.result).is_not(None),
                                 col(LabRun.status).in_(("done", "failed")))
    return list(session.exec(query.order_by(col(LabRun.finished_at).desc(), col(LabRun.id).desc())).all())


def reference_runs(session: Session, *, lab: str, hidden: bool = False) -> list[LabRun]:
    """The shipped reference results of `lab` that are shown (`hidden=True`: those hidden instead), the most
    recently *measured* first (all load at start-up)."""
    rows = [row for row in _finished(session, lab) if row.reference and row.hidden == hidden]
    return sorted(rows, key=measured_order, reverse=True)


class RunFacts(Protocol):
    """What choosing a run to show reads of it: a LabRun, or a page's brief of one (app/labs/shown.py)."""

    @property
    def id(self) -> int | None: ...
    @property
    def reference(self) -> bool: ...
    @property
    def user_id(self) -> int | None: ...
    @property
    def started_at(self) -> datetime | None: ...


def measured_order(row: RunFacts) -> tuple[datetime, int]:
    """Sort key of reference results: when they were measured, then their id (reversed: newest first)."""
    return (as_utc(row.started_at) or datetime.min.replace(tzinfo=UTC), row.id or 0)


def is_own(row: RunFacts, user_id: int) -> bool:
    """A run of the learner's, or of no one's (a CLI import, a run from before accounts); never a reference."""
    return not row.reference and row.user_id in (None, user_id)


def own_runs(session: Session, *, lab: str, user_id: int, limit: int = 20) -> list[LabRun]:
    """The learner's finished runs and imports of `lab` (with those of no one: CLI imports, runs from before
    accounts), newest first; never another learner's."""
    return [row for row in _finished(session, lab) if is_own(row, user_id)][:limit]


def reference_result(session: Session, *, lab: str, run_id: int | None = None) -> LabRun | None:
    """The reference result a page shows: the one asked for, else the most recently measured."""
    rows = reference_runs(session, lab=lab)
    chosen = next((row for row in rows if row.id == run_id), None) if run_id is not None else None
    return chosen or (rows[0] if rows else None)


def own_result(session: Session, *, lab: str, user_id: int, run_id: int | None = None) -> LabRun | None:
    """The learner's run a page compares with the reference: the one asked for, else the newest."""
    rows = own_runs(session, lab=lab, user_id=user_id)
    chosen = next((row for row in rows if row.id == run_id), None) if run_id is not None else None
    return chosen or (rows[0] if rows else None)


def latest_result(session: Session, *, lab: str, user_id: int) -> LabRun | None:
    """The newest result of `lab` for the JSON twins' `latest`: the learner's, else the reference.

    Pages never show this in place of the reference: they show `reference_result` and `own_result` side by side.
    """
    return own_result(session, lab=lab, user_id=user_id) or reference_result(session, lab=lab)


def resolve_request(catalog: Catalog, *, lab: str, device: str, raw: dict[str, Any]) -> tuple[LabSpec, dict[str, Any]]:
    """Check lab id, device and parameters with the lab's own LabSpec.resolve; empty form values are skipped."""
    spec = catalog.specs.get(lab)
    if spec is None:
        raise LabRequestError(f"未知的实验 / unknown lab: {lab!r}")
    if device not in catalog.devices:
        raise LabRequestError(f"设备不可用 / device not available: {device!r} (可用 / available: "
                              f"{', '.join(catalog.devices)})")
    overrides = {name: value for name, value in raw.items() if value not in ("", None)}
    try:
        return spec, spec.resolve(device, overrides)
    except ParamError as error:
        raise LabRequestError(str(error)) from error


@dataclass(frozen=True)
class ResultView:
    """A LabRun with its validated result, ready for templates and JSON."""

    run: LabRun
    result: LabResult

    @property
    def started(self) -> datetime:
        return as_utc(self.result.started_at) or self.result.started_at

    def as_json(self) -> dict[str, Any]:
        return {"run_id": self.run.id, "lab": self.run.lab, "status": self.run.status,
                "reference": self.run.reference, "device": self.run.device,
                "result": json.loads(self.result.model_dump_json())}


def view(run: LabRun | None) -> ResultView | None:
    if run is None or run.result is None:
        return None
    return ResultView(run=run, result=LabResult.model_validate(run.result))


@dataclass(frozen=True)
class LabResults:
    """What a concept or question page shows of one lab: the reference first, then the learner's newest run."""

    lab: str
    reference: ResultView | None
    mine: ResultView | None


def lab_results(session: Session, *, labs: list[str] | tuple[str, ...], user_id: int) -> list[LabResults]:
    items = [LabResults(lab=lab, reference=view(reference_result(session, lab=lab)),
                        mine=view(own_result(session, lab=lab, user_id=user_id))) for lab in labs]
    return [item for item in items if item.reference or item.mine]


def on_startup(session: Session) -> None:
    """Bring in the shipped reference results and end the runs a server that died left behind (before any new
    run); each under a lock across processes, since several workers start at once (app/shared_state.exclusive)."""
    exclusive(session, "lab-references")
    load_reference_results(session)
    exclusive(session, "lab-sweep")
    end_leftover_runs(session)
