"""The question page, built from two halves: the bank content, rendered once per question and content version and
kept in memory, and the learner's parts (bookmark, note, card, controls, lab results), rendered on every request.

The content half is most of the page and of its cost (eleven queries and the Markdown of prompt, answers, key points,
corrections and originals); it depends only on the database's content, the page's language and the server's time
zone. Its cache key holds the question's content hash (app/content/importer.py content_hash: everything an import
writes for the question), read on every request, so an edited question is never served stale, whichever process
imported it. What a question page shows of other rows (the bank's title, concept names, related questions) changes
only at an import, which empties the cache (app/caches.py) in the importing process and, through the content
revision, in every other.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from markupsafe import Markup
from sqlalchemy import and_, bindparam, func, select
from sqlmodel import Session, col
from starlette.requests import Request

from app.caches import on_content_change
from app.clock import as_utc, utcnow
from app.labs.shown import LabEntry, page_labs
from app.models import Bookmark, LearnerQuestion, Note, Question, ReviewCard, ReviewLog
from app.review.controls import Controls, controls_from
from app.review.scheduling import state_name
from app.study.service import CardState, NoteView, question_detail
from app.study.solutions import reference_solution
from app.templating import templates

# A few thousand pages of rendered content (a page is 10-40 kB): bounded, so a 10,000-question bank cannot grow the
# server without limit.
CACHE_ENTRIES = 2048
MARKER = "<!--preplab:"
SPLIT = "<!--preplab:split-->"
LEARNER_PARTS = ("bookmark", "note", "card", "labs")


@dataclass(frozen=True)
class ContentPart:
    """A question's rendered bank content: text segments with the learner's slots between them."""

    question_id: str
    title: str
    segments: tuple[str, ...]  # len(slots) + 1 pieces
    slots: tuple[str, ...]  # marker names, in page order
    lab_ids: tuple[str, ...]

    def fill(self, values: dict[str, str]) -> Markup:
        pieces = [self.segments[0]]
        for slot, segment in zip(self.slots, self.segments[1:], strict=True):
            pieces.append(values[slot])
            pieces.append(segment)
        return Markup("".join(pieces))  # noqa: S704 - every piece is a rendered, autoescaped template


def split_markers(html: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`html` cut at its <!--preplab:NAME--> markers: (segments, names)."""
    segments: list[str] = []
    names: list[str] = []
    rest = html
    while (start := rest.find(MARKER)) >= 0:
        end = rest.index("-->", start)
        segments.append(rest[:start])
        names.append(rest[start + len(MARKER):end])
        rest = rest[end + 3:]
    segments.append(rest)
    return tuple(segments), tuple(names)


class ContentCache:
    """Rendered question content, least recently used first out; safe for the server's route threads."""

    def __init__(self, entries: int = CACHE_ENTRIES) -> None:
        self._entries = entries
        self._items: OrderedDict[tuple[Any, ...], ContentPart] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> ContentPart | None:
        with self._lock:
            part = self._items.get(key)
            if part is not None:
                self._items.move_to_end(key)
            return part

    def put(self, key: tuple[Any, ...], part: ContentPart) -> None:
        with self._lock:
            self._items[key] = part
            self._items.move_to_end(key)
            while len(self._items) > self._entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


CONTENT = ContentCache()
on_content_change(CONTENT.clear)


def content_part(*, session: Session, request: Request, question_id: str, digest: str, lang: str,
                 zone: tzinfo) -> ContentPart | None:
    """The question's bank content for the page (None: no such question), from the cache when `digest` (the
    question's content hash, read by page_state) is the one it was rendered from."""
    settings = request.app.state.settings  # its database and its content folder (documents' titles) name the content
    key = (settings.database_url, str(settings.content_dir), question_id, digest, lang, str(zone))
    part = CONTENT.get(key)
    if part is None:
        part = _render_content(session, request, question_id, lang, zone)
        if part is not None:
            CONTENT.put(key, part)
    return part


def _render_content(session: Session, request: Request, question_id: str, lang: str,
                    zone: tzinfo) -> ContentPart | None:
    detail = question_detail(session=session, user_id=0, question_id=question_id)  # the learner's half is not used
    if detail is None:
        return None
    lab_ids = tuple(dict.fromkeys(lab for concept in detail.concepts for lab in concept.labs if lab))
    html = templates.env.get_template("study/_question_body.html").render(
        detail=detail, lang=lang, zone=zone, solution=reference_solution(detail.question.id), request=request)
    segments, slots = split_markers(html)
    if set(slots) - {"reveal", *LEARNER_PARTS}:
        raise RuntimeError(f"unknown markers in the question page: {slots}")
    return ContentPart(question_id=question_id, title=detail.question.title, segments=segments, slots=slots,
                       lab_ids=lab_ids)


@dataclass(frozen=True)
class LearnerPart:
    card: CardState
    note: NoteView | None
    bookmarked: bool
    controls: Controls
    labs: list[LabEntry]


@dataclass(frozen=True)
class PageState:
    """What one query tells of a question page: the content version, and the learner's card, note, bookmark and
    controls (None: no such question)."""

    content_hash: str
    card: CardState
    note: NoteView | None
    bookmarked: bool
    controls: Controls


_LOGS = (select(func.count()).select_from(ReviewLog)
         .where(col(ReviewLog.user_id) == bindparam("user_id"), col(ReviewLog.question_id) == col(Question.id))
         .scalar_subquery())
# One statement for the learner's half of the page, compiled once (SQLAlchemy caches it by shape).
_STATE = (
    select(col(Question.content_hash), col(ReviewCard.id), col(ReviewCard.state), col(ReviewCard.due),
           col(ReviewCard.stability), col(ReviewCard.difficulty), col(ReviewCard.last_review),
           col(ReviewCard.lapses), _LOGS, col(Note.body), col(Note.updated_at), col(Bookmark.user_id),
           col(LearnerQuestion.suspended), col(LearnerQuestion.buried_until), col(LearnerQuestion.flag),
           col(LearnerQuestion.own_prompt))
    .select_from(Question)
    .outerjoin(ReviewCard, and_(col(ReviewCard.question_id) == col(Question.id),
                                col(ReviewCard.user_id) == bindparam("user_id")))
    .outerjoin(Note, and_(col(Note.question_id) == col(Question.id), col(Note.user_id) == bindparam("user_id")))
    .outerjoin(Bookmark, and_(col(Bookmark.question_id) == col(Question.id),
                              col(Bookmark.user_id) == bindparam("user_id")))
    .outerjoin(LearnerQuestion, and_(col(LearnerQuestion.question_id) == col(Question.id),
                                     col(LearnerQuestion.user_id) == bindparam("user_id")))
    .where(col(Question.id) == bindparam("question_id"))
)


def page_state(*, session: Session, user_id: int, question_id: str) -> PageState | None:
    row = session.execute(_STATE, {"user_id": user_id, "question_id": question_id}).first()
    if row is None:
        return None
    (digest, card_id, state, due, stability, difficulty, last_review, lapses, logs, note_body, note_updated,
     bookmark, suspended, buried_until, flag, own_prompt) = row
    card = CardState(state="new") if card_id is None else CardState(
        state=state_name(state), due=as_utc(due), stability=stability, difficulty=difficulty,
        last_review=as_utc(last_review), review_count=logs, lapses=lapses or 0)
    note = NoteView(body=note_body, updated_at=as_utc(note_updated) or utcnow()) if note_body is not None else None
    mine = (controls_from(question_id, suspended=suspended, buried_until=buried_until, flag=flag,
                          own_prompt=own_prompt) if suspended is not None else Controls(question_id=question_id))
    return PageState(content_hash=digest, card=card, note=note, bookmarked=bookmark is not None, controls=mine)


def learner_part(*, session: Session, state: PageState, part: ContentPart, lang: str, user_id: int) -> LearnerPart:
    labs = page_labs(session=session, labs=part.lab_ids, lang=lang, compact=True,
                     user_id=user_id) if part.lab_ids else []
    return LearnerPart(card=state.card, note=state.note, bookmarked=state.bookmarked, controls=state.controls,
                       labs=labs)


def page_body(part: ContentPart, learner: LearnerPart, *, request: Request, lang: str, zone: tzinfo,
              csrf_token: str, reveal: bool) -> Markup:
    """The question page's content block: the cached content with this learner's parts in its slots."""
    html = templates.env.get_template("study/_question_learner.html").render(
        question_id=part.question_id, bookmarked=learner.bookmarked, note=learner.note,
        detail={"card": learner.card}, controls=learner.controls, lab_ids=part.lab_ids, lab_entries=learner.labs,
        lang=lang, zone=zone, csrf_token=csrf_token, request=request)
    values = dict(zip(LEARNER_PARTS, html.split(SPLIT), strict=True))
    values["reveal"] = " open" if reveal else ""
    return part.fill(values)
