"""Lab pages and their JSON twins: the catalogue, a lab (reference beside the learner's runs), its calculator, runs."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, HTTPException, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.deps import RowId, SessionDep, SessionReleasingRoute, Viewer, ViewerDep
from app.labs import runner
from app.labs.calculators import CALCULATORS, calculator
from app.labs.catalog import Catalog, LabSpecs, lab_specs, load_catalog
from app.labs.labels import lab_text, param_unit
from app.labs.manage import visible_to
from app.labs.memory import RunTooLarge
from app.labs.queue import active_run, queue_position
from app.labs.result_routes import router as lab_runs_router
from app.labs.service import (
    LabRequestError,
    LabResultError,
    import_result,
    latest_result,
    own_result,
    reference_result,
    view,
)
from app.labs.shown import lab_title
from app.labs.views import lab_page, panel, run_comparison
from app.models import LabRun
from app.templating import is_htmx, render, templates

router = APIRouter(route_class=SessionReleasingRoute)


# Templates name labs and lay results out, never query: a page's results are gathered by its route (app/labs/shown).
templates.env.globals.update(lab_title=lab_title, lab_panel=panel, lab_param_unit=param_unit, lab_text=lab_text)


def _spec_or_404(catalog: LabSpecs | Catalog, lab_id: str) -> Any:
    spec = catalog.specs.get(lab_id)
    if spec is None:
        raise HTTPException(404, f"未知的实验 / unknown lab: {lab_id}")
    return spec


def _run_or_404(session: Session, run_id: int, viewer: Viewer) -> LabRun:
    """The run, when the viewer may see it: another learner's run is no run at all to them (404, as for none)."""
    run = session.get(LabRun, run_id)
    if run is None or not visible_to(run, viewer.user_id):
        raise HTTPException(404, f"没有这次运行 / no lab run #{run_id}")
    return run


def _spec_json(spec: Any) -> dict[str, Any]:
    return {"id": spec.id, "title_zh": spec.title_zh, "title_en": spec.title_en, "summary_zh": spec.summary_zh,
            "summary_en": getattr(spec, "summary_en", ""), "concepts": list(spec.concepts),
            "distributed": spec.distributed, "cpu_size": spec.cpu_size, "calculator": spec.id in CALCULATORS,
            "params": [{"name": p.name, "type": p.type, "default": p.default, "minimum": p.minimum,
                        "maximum": p.maximum, "choices": p.choices, "help_zh": p.help_zh, "help_en": p.help_en,
                        "unit_zh": param_unit(p.name, "zh", spec.id), "unit_en": param_unit(p.name, "en", spec.id)}
                       for p in spec.params]}


def _run_json(session: Session, run: LabRun) -> dict[str, Any]:
    return {"id": run.id, "lab": run.lab, "status": run.status, "reference": run.reference, "device": run.device,
            "params": run.params, "error": run.error, "started_at": run.started_at, "finished_at": run.finished_at,
            "hidden": run.hidden, "progress": runner.progress_of(run), "queue_position": queue_position(session, run),
            "result": run.result}


def _entries(session: Session, catalog: LabSpecs | Catalog, user_id: int) -> list[dict[str, Any]]:
    return [{"spec": spec, "reference": view(reference_result(session, lab=lab_id)),
             "mine": view(own_result(session, lab=lab_id, user_id=user_id))} for lab_id, spec in catalog.specs.items()]


def _devices_json(catalog: Catalog) -> list[dict[str, str]]:
    return [{"device": device, "name": catalog.describe(device)} for device in catalog.devices]


@router.get("/labs")
def labs_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The registered labs, each with its reference result and the learner's newest run."""
    catalog = lab_specs()
    return render(request, viewer, "labs/index.html",
                  {"active": "labs", "catalog": catalog, "entries": _entries(session, catalog, viewer.user_id)})


@router.get("/api/labs")
def labs_json(session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """The registered labs with their reference results and the learner's newest runs (JSON)."""
    catalog = load_catalog()
    return {"devices": list(catalog.devices), "machine": _devices_json(catalog), "torch": catalog.torch_version,
            "errors": catalog.errors,
            "labs": [{**_spec_json(e["spec"]), **_results_json(session, e["spec"].id, viewer.user_id)}
                     for e in _entries(session, catalog, viewer.user_id)]}


def _results_json(session: Session, lab_id: str, user_id: int) -> dict[str, Any]:
    def as_json(run: LabRun | None) -> dict[str, Any] | None:
        item = view(run)
        return item.as_json() if item else None

    return {"reference": as_json(reference_result(session, lab=lab_id)),
            "mine": as_json(own_result(session, lab=lab_id, user_id=user_id)),
            "latest": as_json(latest_result(session, lab=lab_id, user_id=user_id))}


@router.post("/labs/import")
async def import_page(
    request: Request, session: SessionDep, viewer: ViewerDep, file: UploadFile | None = None
) -> Response:
    """Import an uploaded result file, then show its lab."""
    text = await file.read() if file is not None and file.filename else None  # spooled: read in a thread
    # Parsing, validating and storing a result of megabytes is blocking work: a worker thread, not the event loop.
    return await run_in_threadpool(_import_page, request, session, viewer, text, file.filename if file else None)


def _import_page(request: Request, session: Session, viewer: Viewer, text: bytes | None,
                 filename: str | None) -> Response:
    try:
        if text is None or not filename:
            raise LabResultError("labs.result.no_file")
        run = import_result(session, text=text, source=filename, user_id=viewer.user_id)
    except LabResultError as error:
        catalog = lab_specs()
        context = {"active": "labs", "catalog": catalog, "entries": _entries(session, catalog, viewer.user_id),
                   "message": error.message(viewer.lang), "error": True}
        return render(request, viewer, "labs/index.html", context, status_code=422)
    return RedirectResponse(f"/labs/{run.lab}?mine={run.id}", status_code=303)


def _lab_context(request: Request, session: Session, lab_id: str, viewer: Viewer,
                 form: dict[str, str] | None = None) -> dict[str, Any]:
    catalog = load_catalog()
    spec = _spec_or_404(catalog, lab_id)
    run = active_run(session, lab=lab_id)  # in whichever worker it runs, or queued
    if run is not None and not visible_to(run, viewer.user_id):
        run = None  # another learner's run: theirs to follow
    return {"active": "labs", "page": lab_page(session, catalog, spec, viewer.lang, dict(request.query_params), form,
                                               user_id=viewer.user_id),
            "spec": spec, "run": run, "progress": runner.progress_of(run) if run else {},
            "position": queue_position(session, run) if run else None}


@router.get("/labs/{lab_id}")
def lab_page_route(request: Request, lab_id: str, session: SessionDep, viewer: ViewerDep) -> Response:
    """One lab: the reference result, the calculator, the run form and the learner's runs beside the reference."""
    return render(request, viewer, "labs/lab.html", _lab_context(request, session, lab_id, viewer))


@router.get("/api/labs/{lab_id}")
def lab_json(lab_id: str, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """One lab's spec, its reference result and the learner's newest run (JSON)."""
    spec = _spec_or_404(lab_specs(), lab_id)
    return {**_spec_json(spec), **_results_json(session, lab_id, viewer.user_id)}


@router.get("/labs/{lab_id}/calculator")
def calculator_page(request: Request, lab_id: str, viewer: ViewerDep) -> Response:
    """The calculator's output for the form's values: the fragment for HTMX, else the lab page showing it."""
    spec = _spec_or_404(lab_specs(), lab_id)
    if not is_htmx(request):
        return RedirectResponse(f"/labs/{lab_id}?{urlencode(dict(request.query_params))}#calculator", status_code=303)
    found = calculator(spec, dict(request.query_params), viewer.lang)
    if found is None:
        raise HTTPException(404, f"这个实验没有计算器 / no calculator for {lab_id}")
    return render(request, viewer, "labs/_calculator_output.html", {"calc": found})


@router.get("/api/labs/{lab_id}/calculator")
def calculator_json(request: Request, lab_id: str) -> dict[str, Any]:
    """The calculator over the query's values (defaults where absent): per-stage bytes and the chart (JSON)."""
    spec = _spec_or_404(lab_specs(), lab_id)
    found = calculator(spec, dict(request.query_params), "en")
    if found is None:
        raise HTTPException(404, f"这个实验没有计算器 / no calculator for {lab_id}")
    if found.error:
        raise HTTPException(422, found.error)
    return {"lab": lab_id, "inputs": found.values, "rows": found.data,
            "chart": found.chart.payload if found.chart else None}


def _start(request: Request, lab_id: str, device: str, raw: dict[str, Any], viewer: Viewer) -> LabRun:
    catalog = load_catalog()
    _spec_or_404(catalog, lab_id)
    settings = request.app.state.settings
    try:
        return runner.start_run(request.app.state.engine, catalog, lab=lab_id, device=device, raw=raw,
                                timeout_s=settings.lab_timeout_s, memory_cap_gib=settings.lab_memory_limit_gib,
                                user_id=viewer.user_id)
    except RunTooLarge as error:
        raise HTTPException(422, error.message(viewer.lang)) from error
    except LabRequestError as error:
        raise HTTPException(422, str(error)) from error


@router.post("/labs/{lab_id}/runs")
async def start_page(request: Request, lab_id: str, session: SessionDep, viewer: ViewerDep) -> Response:
    """Start a run from the form; HTMX gets the progress fragment, a plain form the run page."""
    form = {key: str(value) for key, value in (await request.form()).items() if key != "csrftoken"}
    # Starting a run waits for the torch probe and starts a process: a worker thread, not the event loop.
    return await run_in_threadpool(_start_page, request, lab_id, session, viewer, form)


def _start_page(request: Request, lab_id: str, session: Session, viewer: Viewer, form: dict[str, str]) -> Response:
    device = form.pop("device", "cpu")
    try:
        run = _start(request, lab_id, device, form, viewer)
    except HTTPException as error:
        if error.status_code == 404:
            raise
        if is_htmx(request):
            return render(request, viewer, "labs/_message.html", {"message": error.detail},
                          status_code=error.status_code)
        context = {**_lab_context(request, session, lab_id, viewer, {**form, "device": device}),
                   "message": error.detail}
        return render(request, viewer, "labs/lab.html", context, status_code=error.status_code)
    if is_htmx(request):
        return _run_fragment(request, session, viewer, run.id or 0)
    return RedirectResponse(f"/labs/runs/{run.id}", status_code=303)


@router.post("/api/labs/{lab_id}/runs", status_code=202)
def start_json(request: Request, lab_id: str, session: SessionDep, viewer: ViewerDep,
               body: Annotated[dict[str, Any] | None, Body()] = None) -> dict[str, Any]:
    """Start a run: body {"device": "cpu", "params": {...}}; while the device is busy (in any worker) the run is
    stored queued, with its queue_position; 422 for parameters that are out of range or that the device cannot hold
    (the estimate and the limit in the message) (JSON)."""
    body = body or {}
    run = _start(request, lab_id, str(body.get("device", "cpu")), dict(body.get("params") or {}), viewer)
    return _run_json(session, _run_or_404(session, run.id or 0, viewer))


def _run_fragment(request: Request, session: Session, viewer: Viewer, run_id: int) -> Response:
    run = _run_or_404(session, run_id, viewer)
    session.refresh(run)
    spec = lab_specs().specs.get(run.lab)
    reference, mine, comparison = run_comparison(session, spec, run, viewer.lang)
    context = {"run": run, "progress": runner.progress_of(run), "position": queue_position(session, run),
               "reference": reference, "mine": mine,
               "comparison": comparison, "spec": spec}
    page = "labs/_run.html" if is_htmx(request) else "labs/run.html"
    return render(request, viewer, page, {"active": "labs", **context})


@router.get("/labs/runs/{run_id}")
def run_page(request: Request, run_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """A run's progress (polled by HTMX every second) and, once finished, its result beside the reference."""
    return _run_fragment(request, session, viewer, run_id)


@router.get("/api/lab-runs/{run_id}")
def run_json(run_id: RowId, session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    """A run's status, its place in the device's queue while queued, progress and result (JSON)."""
    return _run_json(session, _run_or_404(session, run_id, viewer))


@router.post("/labs/runs/{run_id}/cancel")
def cancel_page(request: Request, run_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """Cancel a running lab, then show its final state."""
    _run_or_404(session, run_id, viewer)
    engine = request.app.state.engine
    if runner.cancel(run_id, engine):
        runner.wait(run_id, 10, engine)
    if is_htmx(request):
        return _run_fragment(request, session, viewer, run_id)
    return RedirectResponse(f"/labs/runs/{run_id}", status_code=303)


@router.post("/api/lab-runs/{run_id}/cancel")
def cancel_json(request: Request, run_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """Cancel a queued or running lab (in whichever worker it runs); 409 when it is neither (JSON)."""
    _run_or_404(session, run_id, viewer)
    engine = request.app.state.engine
    if not runner.cancel(run_id, engine):
        return JSONResponse({"detail": "这次运行不在进行中 / run is not in progress"}, status_code=409)
    runner.wait(run_id, 10, engine)
    run = _run_or_404(session, run_id, viewer)
    session.refresh(run)
    return JSONResponse(jsonable_encoder(_run_json(session, run)))


router.include_router(lab_runs_router)  # deleting runs, hiding reference results (app/labs/result_routes.py)
