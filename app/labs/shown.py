"""The lab results a concept or question page shows, gathered by its route before rendering (a template never opens
a session), each result parsed and laid out once per run and language rather than on every request."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlmodel import Session

from app.labs.catalog import lab_specs
from app.labs.service import own_result, reference_result, view
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

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


results = _Results(RESULT_CACHE_ENTRIES)


def lab_title(lab_id: str, lang: str) -> str:
    spec = lab_specs().specs.get(lab_id)
    if spec is None:
        return lab_id
    return spec.title_en if lang == "en" else spec.title_zh


def page_labs(*, session: Session, labs: Iterable[str], lang: str, compact: bool) -> list[LabEntry]:
    """The labs in `labs` (duplicates once, in order) that have a reference result or a run of the learner's;
    `compact` for a question page (the learner's run is always compact, beside the reference)."""
    entries = []
    for lab in dict.fromkeys(lab for lab in labs if lab):
        reference_run, own_run = reference_result(session, lab=lab), own_result(session, lab=lab)
        title = lab_title(lab, lang)
        reference = results.html(reference_run, lang, compact=compact, title=title)
        mine = results.html(own_run, lang, compact=True, title="" if reference else title)
        if reference or mine:
            entries.append(LabEntry(lab=lab, title=title, reference=reference, mine=mine))
    return entries


def warm(*, session: Session, lang: str) -> None:
    """Lay out every lab's reference result at start-up (both sizes), so the first lab-backed page is not the one
    that pays for it."""
    for lab in lab_specs().specs:
        run = reference_result(session, lab=lab)
        for compact in (True, False):
            results.html(run, lang, compact=compact, title=lab_title(lab, lang))
