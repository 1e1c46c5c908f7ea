"""What the lab pages show, put together from the service, the display helpers and the calculators (no HTTP here).

A page always shows the reference result (with its hardware) and, beside it, the learner's run: a learner's run
never takes the reference's place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.labs.calculators import CalculatorView, calculator
from app.labs.catalog import Catalog
from app.labs.compare import Comparison, compare
from app.labs.display import ResultDisplay, present
from app.labs.presets import Preset, preset_values, presets
from app.labs.service import ResultView, own_result, own_runs, reference_result, reference_runs, view
from app.models import LabRun
from labs.core.spec import LabSpec


@dataclass
class Panel:
    """One result as a page shows it."""

    item: ResultView
    shown: ResultDisplay


def panel(item: ResultView | None, lang: str) -> Panel | None:
    return Panel(item=item, shown=present(item.result, lang)) if item else None


def comparison(reference: Panel | None, mine: Panel | None, spec: LabSpec | None, lang: str) -> Comparison | None:
    if reference is None or mine is None:
        return None
    return compare(reference=reference.item.result, mine=mine.item.result, reference_display=reference.shown,
                   mine_display=mine.shown, spec=spec, lang=lang)


@dataclass
class LabPage:
    spec: LabSpec
    catalog: Catalog
    reference: Panel | None
    references: list[LabRun]
    hidden: list[LabRun]  # reference results hidden from every page (shown again from the lab page)
    mine: Panel | None
    own: list[LabRun]
    comparison: Comparison | None
    presets: list[Preset]
    form: dict[str, str] = field(default_factory=dict)
    device: str = ""
    calculator: CalculatorView | None = None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def lab_page(session: Session, catalog: Catalog, spec: LabSpec, lang: str, query: Mapping[str, str],
             form: Mapping[str, str] | None = None, *, user_id: int) -> LabPage:
    """The lab page: `?reference=ID` and `?mine=ID` pick the results to compare, `?preset=ID` fills the form."""
    reference = panel(view(reference_result(session, lab=spec.id, run_id=_int(query.get("reference")))), lang)
    mine = panel(view(own_result(session, lab=spec.id, user_id=user_id, run_id=_int(query.get("mine")))), lang)
    values, device = preset_values(spec, catalog.devices, query.get("preset", ""), lang)
    return LabPage(spec=spec, catalog=catalog, reference=reference, references=reference_runs(session, lab=spec.id),
                   hidden=reference_runs(session, lab=spec.id, hidden=True),
                   mine=mine, own=own_runs(session, lab=spec.id, user_id=user_id),
                   comparison=comparison(reference, mine, spec, lang),
                   presets=presets(spec, catalog.devices, lang), form=dict(form or values), device=device,
                   calculator=calculator(spec, query, lang))


def run_comparison(session: Session, spec: LabSpec | None, run: LabRun, lang: str
                   ) -> tuple[Panel | None, Panel | None, Comparison | None]:
    """A finished run of the learner's beside the lab's reference result."""
    reference = panel(view(reference_result(session, lab=run.lab)), lang)
    mine = panel(view(run), lang)
    return reference, mine, comparison(reference, mine, spec, lang)
