"""Browsing the knowledge base: topics with their concepts and skills, and filtered, paged question lists."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from app.models import Bank, Concept, Question, QuestionConcept

KINDS = ("mcq", "open", "code")
# Difficulty is 1–10 in the banks; three bands are easier to pick from than ten numbers.
DIFFICULTY_BANDS: dict[str, tuple[int, int]] = {"easy": (1, 3), "medium": (4, 6), "hard": (7, 10)}
UNRATED = "unrated"
PAGE_SIZE = 20


@dataclass(frozen=True)
class QuestionItem:
    """One line of a question list."""

    id: str
    title: str
    kind: str
    difficulty: int | None
    topic: str | None
    skill: str | None
    retired: bool = False


@dataclass(frozen=True)
class ConceptCount:
    id: str
    name_zh: str
    name_en: str
    questions: int


@dataclass(frozen=True)
class SkillCount:
    skill: str
    questions: int


@dataclass(frozen=True)
class TopicSummary:
    topic: str
    questions: int
    concepts: list[ConceptCount]
    skills: list[SkillCount]


def _active() -> Any:
    return col(Question.retired).is_(False)


def _item(question: Question) -> QuestionItem:
    return QuestionItem(id=question.id, title=question.title, kind=question.kind, difficulty=question.difficulty,
                        topic=question.topic, skill=question.skill, retired=question.retired)


def question_items(*, session: Session, question_ids: Sequence[str]) -> list[QuestionItem]:
    """The listed questions, in the order given (unknown ids are skipped)."""
    rows = {q.id: q for q in session.exec(select(Question).where(col(Question.id).in_(list(question_ids))))}
    return [_item(rows[qid]) for qid in question_ids if qid in rows]


def _topic_order(session: Session) -> dict[str, int]:
    """Topics in the concept catalogue's order (concepts.yaml lists them topic by topic)."""
    rows = session.exec(select(Concept.topic, func.min(Concept.position)).group_by(col(Concept.topic))).all()
    return dict(rows)


def topic_summaries(*, session: Session) -> list[TopicSummary]:
    """Every topic that has active questions, with its concepts and skills and their counts; a concept without
    questions is not listed (there is nothing behind it to study yet)."""
    questions: dict[str, int] = dict(session.exec(  # type: ignore[arg-type]
        select(Question.topic, func.count()).where(_active(), col(Question.topic).is_not(None))
        .group_by(col(Question.topic))
    ).all())
    concepts: dict[str, list[ConceptCount]] = defaultdict(list)
    concept_rows = session.exec(
        select(Concept, func.count(col(Question.id)))
        .outerjoin(QuestionConcept, col(QuestionConcept.concept_id) == col(Concept.id))
        .outerjoin(Question, and_(col(Question.id) == col(QuestionConcept.question_id), _active()))
        .group_by(col(Concept.id)).order_by(col(Concept.position))
    ).all()
    for concept, count in concept_rows:
        if count:
            concepts[concept.topic].append(ConceptCount(concept.id, concept.name_zh, concept.name_en, count))
    skills: dict[str, list[SkillCount]] = defaultdict(list)
    skill_rows = session.exec(
        select(Question.topic, Question.skill, func.count()).where(_active(), col(Question.skill).is_not(None))
        .group_by(col(Question.topic), col(Question.skill)).order_by(func.count().desc(), col(Question.skill))
    ).all()
    for topic, skill, count in skill_rows:
        if topic is not None and skill is not None:
            skills[topic].append(SkillCount(skill, count))
    order = _topic_order(session)
    topics = sorted(questions, key=lambda name: (order.get(name, math.inf), name))
    return [TopicSummary(topic, questions.get(topic, 0), concepts[topic], skills[topic]) for topic in topics]


def topic_summary(*, session: Session, topic: str) -> TopicSummary | None:
    return next((summary for summary in topic_summaries(session=session) if summary.topic == topic), None)


@dataclass(frozen=True)
class QuestionFilters:
    """What a question list is narrowed to; unknown values mean "no filter", so a stale link still works."""

    kind: str | None = None
    difficulty: str | None = None
    skill: str | None = None
    page: int = 1

    @classmethod
    def parse(cls, *, kind: str | None = None, difficulty: str | None = None, skill: str | None = None,
              page: str | int | None = None) -> QuestionFilters:
        number = int(str(page)) if str(page or "").isdigit() else 1
        return cls(kind=kind if kind in KINDS else None,
                   difficulty=difficulty if difficulty in (*DIFFICULTY_BANDS, UNRATED) else None,
                   skill=skill or None, page=max(1, number))

    def query(self, **changes: Any) -> str:
        """This filter set as a query string, with `changes` applied (a filter change returns to page 1)."""
        values = replace(self, **({"page": 1} | changes))
        pairs = {"kind": values.kind, "difficulty": values.difficulty, "skill": values.skill,
                 "page": values.page if values.page > 1 else None}
        return urlencode({key: value for key, value in pairs.items() if value})

    def public(self) -> dict[str, Any]:
        return {"kind": self.kind, "difficulty": self.difficulty, "skill": self.skill}


@dataclass(frozen=True)
class QuestionPage:
    items: list[QuestionItem]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def topic_questions(*, session: Session, topic: str, filters: QuestionFilters,
                    page_size: int = PAGE_SIZE) -> QuestionPage:
    """The topic's active questions in bank order, narrowed by `filters`, one page of them."""
    conditions: list[Any] = [col(Question.topic) == topic, _active()]
    if filters.kind:
        conditions.append(col(Question.kind) == filters.kind)
    if filters.difficulty == UNRATED:
        conditions.append(col(Question.difficulty).is_(None))
    elif filters.difficulty:
        low, high = DIFFICULTY_BANDS[filters.difficulty]
        conditions.append(col(Question.difficulty).between(low, high))
    if filters.skill:
        conditions.append(col(Question.skill) == filters.skill)
    total = session.exec(select(func.count()).select_from(Question).where(*conditions)).one()
    pages = max(1, math.ceil(total / page_size))
    page = min(filters.page, pages)
    rows = session.exec(
        select(Question).join(Bank, col(Bank.id) == col(Question.bank_id)).where(*conditions)
        .order_by(col(Bank.position), col(Bank.id), col(Question.position))
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    return QuestionPage(items=[_item(q) for q in rows], total=total, page=page, page_size=page_size)
