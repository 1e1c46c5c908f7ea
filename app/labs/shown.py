"""The lab results a concept or question page shows, gathered by its route before rendering (a template never opens
a session), each result parsed and laid out once per run and language rather than on every request."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import select
from sqlmodel import Session, col

from app.labs.catalog import lab_specs
from app.labs.service import is_own, measured_order, view
from app.labs.views import panel
from app.models import LabRun
from app.templating import templates

RESULT_CACHE_ENTRIES = 256


@dataclass(frozen=True)
class LabEntry:
    """One lab on the page: its title in the page's language, the reference result, then the learner's newest run,
    each as the HTML of templates/labs/_result.html (empty when there is none)."""

    lab: str
    title: str
    reference: Markup
    mine: Markup


_Key = tuple[int, str, "datetime | None", str, bool, str]


class _Results:
    """Results rendered by (run, its status and finish time, language, compact, title): a finished run never
    changes, so an entry is only ever dropped for room; a run that changes state gets a new key. The result HTML
    depends on nothing else (no request, no learner state), so it is laid out and rendered once, not per page."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._items: OrderedDict[_Key, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def html(self, run: LabRun | None, lang: str, *, compact: bool, title: str) -> Markup:
        if run is None or run.id is None or run.result is None:
            return Markup("")
        key = (run.id, run.status, run.finished_at, lang, compact, title)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        shown = panel(view(run), lang)
        html = Markup(templates.get_template("labs/_result.html").render(
            panel=shown, compact=compact, title=title or None, lang=lang))
        with self._lock:
            self._items[key] = html
            while len(self._items) > self.entries:
                self._items.popitem(last=False)
        return html

    def html_of(self, session: Session, brief: _Brief | None, lang: str, *, compact: bool, title: str) -> Markup:
        """The run's HTML from its brief: from the cache, else read the run's row and lay it out."""
        if brief is None:
            return Markup("")
        key = (brief.id, brief.status, brief.finished_at, lang, compact, title)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return self.html(session.get(LabRun, brief.id), lang, compact=compact, title=title)


# Not dropped at an import: a laid-out result depends on its run alone, never on the banks, and the entries are bounded.
# (Dropping them there made every app start after an import lay out each lab's reference again.)
results = _Results(RESULT_CACHE_ENTRIES)


def lab_title(lab_id: str, lang: str) -> str:
    spec = lab_specs().specs.get(lab_id)
    if spec is None:
        return lab_id
    return spec.title_en if lang == "en" else spec.title_zh


@dataclass(frozen=True)
class _Brief:
    """A finished run without its result (the JSON is read only when the run is not laid out yet)."""

    id: int
    lab: str
    status: str
    reference: bool
    hidden: bool
    user_id: int | None
    started_at: datetime | None
    finished_at: datetime | None


_BRIEF_COLUMNS = (col(LabRun.id), col(LabRun.lab), col(LabRun.status), col(LabRun.reference), col(LabRun.hidden),
                  col(LabRun.user_id), col(LabRun.started_at), col(LabRun.finished_at))


def _briefs(session: Session, labs: list[str]) -> list[_Brief]:
    """Every finished run of `labs` (as app.labs.service._finished picks them), newest finished first: one query
    for the whole page, without the result column."""
    rows = session.execute(
        select(*_BRIEF_COLUMNS).where(col(LabRun.lab).in_(labs), col(LabRun.result).is_not(None),
                                      col(LabRun.status).in_(("done", "failed")))
        .order_by(col(LabRun.finished_at).desc(), col(LabRun.id).desc())).all()
    return [_Brief(*row) for row in rows]


def _reference(briefs: list[_Brief], lab: str) -> _Brief | None:
    """The reference a page shows, as app.labs.service.reference_result chooses it: the shown one most recently
    measured."""
    references = [brief for brief in briefs if brief.lab == lab and brief.reference and not brief.hidden]
    return max(references, key=measured_order, default=None)


def _chosen(briefs: list[_Brief], lab: str, user_id: int) -> tuple[_Brief | None, _Brief | None]:
    """(reference, own): _reference, and the learner's (or no one's) newest finished run (own_result's choice)."""
    own = next((brief for brief in briefs if brief.lab == lab and is_own(brief, user_id)), None)
    return _reference(briefs, lab), own


def page_labs(*, session: Session, labs: Iterable[str], lang: str, compact: bool, user_id: int) -> list[LabEntry]:
    """The labs in `labs` (duplicates once, in order) that have a reference result or a run of the learner's;
    `compact` for a question page (the learner's run is always compact, beside the reference). One query finds the
    runs; a run's row (its result JSON) is read only when its HTML is not laid out yet."""
    wanted = list(dict.fromkeys(lab for lab in labs if lab))
    if not wanted:
        return []
    briefs = _briefs(session, wanted)
    entries = []
    for lab in wanted:
        reference_brief, own_brief = _chosen(briefs, lab, user_id)
        title = lab_title(lab, lang)
        reference = results.html_of(session, reference_brief, lang, compact=compact, title=title)
        mine = results.html_of(session, own_brief, lang, compact=True, title="" if reference else title)
        if reference or mine:
            entries.append(LabEntry(lab=lab, title=title, reference=reference, mine=mine))
    return entries


def warm(*, session: Session, lang: str) -> None:
    """Lay out every lab's reference result at start-up (both sizes), so the first lab-backed page is not the one
    that pays for it. One query without the result column finds them, as a page does: a run already laid out in
    this process (another app's start, the last import) is not read again."""
    specs = lab_specs().specs
    briefs = _briefs(session, list(specs))
    for lab in specs:
        reference = _reference(briefs, lab)
        for compact in (True, False):
            results.html_of(session, reference, lang, compact=compact, title=lab_title(lab, lang))
