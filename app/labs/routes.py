"""Lab pages and their JSON twins: the catalogue, a lab's latest result, starting, following and cancelling runs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session

from app.deps import SessionDep, ViewerDep
from app.labs import runner
from app.labs.catalog import Catalog, load_catalog
from app.labs.charts import chart_shape
from app.labs.service import (
    LabRequestError,
    LabResultError,
    import_result,
    latest_result,
    latest_views,
    view,
)
from app.models import LabRun
from app.templating import is_htmx, render, templates

router = APIRouter()


def _lab_results(request: Request, lab_ids: list[str] | tuple[str, ...]) -> list[Any]:
    """Latest result per lab, for the concept and question pages (which render templates/labs/_concept_results)."""
    with Session(request.app.state.engine) as session:
        return latest_views(session, labs=[lab for lab in lab_ids if lab])


def _lab_title(lab_id: str, lang: str) -> str:
    spec = load_catalog().specs.get(lab_id)
    if spec is None:
        return lab_id
    return spec.title_en if lang == "en" else spec.title_zh


templates.env.globals.update(lab_results=_lab_results, lab_title=_lab_title, lab_chart=chart_shape)


def _spec_or_404(catalog: Catalog, lab_id: str) -> Any:
    spec = catalog.specs.get(lab_id)
    if spec is None:
        raise HTTPException(404, f"未知的实验 / unknown lab: {lab_id}")
    return spec


def _run_or_404(session: Session, run_id: int) -> LabRun:
    run = session.get(LabRun, run_id)
    if run is None:
        raise HTTPException(404, f"没有这次运行 / no lab run #{run_id}")
    return run


def _spec_json(spec: Any) -> dict[str, Any]:
    return {"id": spec.id, "title_zh": spec.title_zh, "title_en": spec.title_en, "summary_zh": spec.summary_zh,
            "concepts": list(spec.concepts), "distributed": spec.distributed, "cpu_size": spec.cpu_size,
            "params": [{"name": p.name, "type": p.type, "default": p.default, "minimum": p.minimum,
                        "maximum": p.maximum, "choices": p.choices, "help_zh": p.help_zh} for p in spec.params]}


def _run_json(run: LabRun) -> dict[str, Any]:
    return {"id": run.id, "lab": run.lab, "status": run.status, "reference": run.reference, "device": run.device,
            "params": run.params, "error": run.error, "started_at": run.started_at, "finished_at": run.finished_at,
            "progress": runner.progress(run.id or 0), "result": run.result}


def _entries(session: Session, catalog: Catalog) -> list[dict[str, Any]]:
    return [{"spec": spec, "latest": view(latest_result(session, lab=lab_id))}
            for lab_id, spec in catalog.specs.items()]


@router.get("/labs")
def labs_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The registered labs with their parameters and latest results."""
    catalog = load_catalog()
    return render(request, viewer, "labs/index.html",
                  {"active": "labs", "catalog": catalog, "entries": _entries(session, catalog)})


@router.get("/api/labs")
def labs_json(session: SessionDep) -> dict[str, Any]:
    """The registered labs with their latest results (JSON)."""
    catalog = load_catalog()
    return {"devices": list(catalog.devices), "errors": catalog.errors,
            "labs": [{**_spec_json(e["spec"]), "latest": e["latest"].as_json() if e["latest"] else None}
                     for e in _entries(session, catalog)]}


@router.post("/labs/import")
async def import_page(
    request: Request, session: SessionDep, viewer: ViewerDep, file: UploadFile | None = None
) -> Response:
    """Import an uploaded result file, then show its lab."""
    catalog = load_catalog()
    try:
        if file is None or not file.filename:
            raise LabResultError("请选择一个文件 / choose a file")
        run = import_result(session, text=await file.read(), source=file.filename)
    except LabResultError as error:
        context = {"active": "labs", "catalog": catalog, "entries": _entries(session, catalog),
                   "message": str(error), "error": True}
        return render(request, viewer, "labs/index.html", context, status_code=422)
    return RedirectResponse(f"/labs/{run.lab}", status_code=303)


@router.get("/labs/{lab_id}")
def lab_page(request: Request, lab_id: str, session: SessionDep, viewer: ViewerDep) -> Response:
    """One lab: run form, any run in progress and the latest result."""
    catalog = load_catalog()
    spec = _spec_or_404(catalog, lab_id)
    job = next((runner.job_for(run_id) for run_id in runner.running_ids()), None)
    run = session.get(LabRun, job.run_id) if job else None
    return render(request, viewer, "labs/lab.html", {
        "active": "labs", "spec": spec, "devices": catalog.devices, "form": {},
        "latest": view(latest_result(session, lab=lab_id)),
        "run": run if run and run.lab == lab_id else None, "progress": runner.progress(job.run_id) if job else {},
    })


@router.get("/api/labs/{lab_id}")
def lab_json(lab_id: str, session: SessionDep) -> dict[str, Any]:
    """One lab's spec and latest result (JSON)."""
    spec = _spec_or_404(load_catalog(), lab_id)
    latest = view(latest_result(session, lab=lab_id))
    return {**_spec_json(spec), "latest": latest.as_json() if latest else None}


def _start(request: Request, lab_id: str, device: str, raw: dict[str, Any]) -> LabRun:
    catalog = load_catalog()
    _spec_or_404(catalog, lab_id)
    try:
        return runner.start_run(request.app.state.engine, catalog, lab=lab_id, device=device, raw=raw,
                                timeout_s=request.app.state.settings.lab_timeout_s)
    except LabRequestError as error:
        raise HTTPException(422, str(error)) from error
    except runner.LabBusy as error:
        raise HTTPException(409, str(error)) from error


@router.post("/labs/{lab_id}/runs")
async def start_page(request: Request, lab_id: str, session: SessionDep, viewer: ViewerDep) -> Response:
    """Start a run from the form; HTMX gets the progress fragment, a plain form the run page."""
    form = {key: str(value) for key, value in (await request.form()).items()}
    device = form.pop("device", "cpu")
    try:
        run = _start(request, lab_id, device, form)
    except HTTPException as error:
        if error.status_code == 404:
            raise
        if is_htmx(request):
            return render(request, viewer, "labs/_message.html", {"message": error.detail},
                          status_code=error.status_code)
        catalog = load_catalog()
        return render(request, viewer, "labs/lab.html", {
            "active": "labs", "spec": catalog.specs[lab_id], "devices": catalog.devices, "form": form,
            "latest": view(latest_result(session, lab=lab_id)), "message": error.detail, "run": None,
        }, status_code=error.status_code)
    if is_htmx(request):
        return _run_fragment(request, session, viewer, run.id or 0)
    return RedirectResponse(f"/labs/runs/{run.id}", status_code=303)


@router.post("/api/labs/{lab_id}/runs", status_code=202)
def start_json(request: Request, lab_id: str, session: SessionDep,
               body: Annotated[dict[str, Any] | None, Body()] = None) -> dict[str, Any]:
    """Start a run: body {"device": "cpu", "params": {...}}; 409 while one runs on that device (JSON)."""
    body = body or {}
    run = _start(request, lab_id, str(body.get("device", "cpu")), dict(body.get("params") or {}))
    return _run_json(_run_or_404(session, run.id or 0))


def _run_fragment(request: Request, session: Session, viewer: Any, run_id: int) -> Response:
    run = _run_or_404(session, run_id)
    session.refresh(run)
    context = {"run": run, "progress": runner.progress(run_id), "result_view": view(run)}
    page = "labs/_run.html" if is_htmx(request) else "labs/run.html"
    return render(request, viewer, page, {"active": "labs", **context})


@router.get("/labs/runs/{run_id}")
def run_page(request: Request, run_id: int, session: SessionDep, viewer: ViewerDep) -> Response:
    """A run's progress (polled by HTMX every second) and, once finished, its result."""
    return _run_fragment(request, session, viewer, run_id)


@router.get("/api/lab-runs/{run_id}")
def run_json(run_id: int, session: SessionDep) -> dict[str, Any]:
    """A run's status, progress and result (JSON)."""
    return _run_json(_run_or_404(session, run_id))


@router.post("/labs/runs/{run_id}/cancel")
def cancel_page(request: Request, run_id: int, session: SessionDep, viewer: ViewerDep) -> Response:
    """Cancel a running lab, then show its final state."""
    _run_or_404(session, run_id)
    if runner.cancel(run_id):
        runner.wait(run_id, 10)
    if is_htmx(request):
        return _run_fragment(request, session, viewer, run_id)
    return RedirectResponse(f"/labs/runs/{run_id}", status_code=303)


@router.post("/api/lab-runs/{run_id}/cancel")
def cancel_json(run_id: int, session: SessionDep) -> Response:
    """Cancel a running lab; 409 when it is not running (JSON)."""
    _run_or_404(session, run_id)
    if not runner.cancel(run_id):
        return JSONResponse({"detail": "这次运行不在进行中 / run is not in progress"}, status_code=409)
    runner.wait(run_id, 10)
    run = _run_or_404(session, run_id)
    session.refresh(run)
    return JSONResponse(jsonable_encoder(_run_json(run)))


