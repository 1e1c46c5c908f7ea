"""Which questions a quiz may ask: the set-up (topics, concepts, difficulty, kinds, count), the choices offered on
the set-up form, and a random pick that a stored seed reproduces."""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.models import Choice, Concept, Question, QuestionConcept
from app.quiz.errors import EmptySelection, InvalidSetting, MixShort
from app.validation import Count, RequestBody

KINDS = ("mcq", "open", "code")
DEFAULT_COUNT = 10
MAX_COUNT = 50
DIFFICULTY_MIN, DIFFICULTY_MAX = 1, 10


def distinct(values: list[Any]) -> list[Any]:
    """Stripped, without blanks or repeats, in the order given."""
    cleaned = [value.strip() for value in values]
    return list(dict.fromkeys(value for value in cleaned if value))


class SelectionFields(RequestBody):
    """The filters a quiz and a mock interview share; empty lists mean "any"."""

    topics: list[str] = Field(default_factory=list, max_length=100, description="question topics (any of them)")
    concepts: list[str] = Field(default_factory=list, max_length=500, description="concept ids (any of them)")
    difficulty_min: Count = Field(default=DIFFICULTY_MIN, ge=DIFFICULTY_MIN, le=DIFFICULTY_MAX)
    difficulty_max: Count = Field(default=DIFFICULTY_MAX, ge=DIFFICULTY_MIN, le=DIFFICULTY_MAX)

    @field_validator("topics", "concepts")
    @classmethod
    def _distinct(cls, values: list[str]) -> list[str]:
        return distinct(values)

    @field_validator("difficulty_max")
    @classmethod
    def _range(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get("difficulty_min")
        if low is not None and value < low:
            raise ValueError(f"difficulty_max ({value}) must not be below difficulty_min ({low})")
        return value


class QuizSetup(SelectionFields):
    """What a learner asks a quiz for; empty lists mean "any"."""

    kinds: list[Literal["mcq", "open", "code"]] = Field(default_factory=list, description="question kinds")
    count: Count = Field(default=DEFAULT_COUNT, ge=1, le=MAX_COUNT, description="how many questions to ask")
    seed: int | None = Field(default=None, ge=0, le=2**53, description="fixes the random pick (default: a new one)")
    mix: dict[Literal["mcq", "open", "code"], Count] | None = Field(
        default=None, description='exactly this many of each kind named, e.g. {"mcq": 5, "open": 3}; kinds left out '
                                  "fill the rest of `count` (when every kind is named, the quiz has their sum)")

    @field_validator("kinds")
    @classmethod
    def _distinct_kinds(cls, values: list[Any]) -> list[Any]:
        return distinct(values)

    @field_validator("mix")
    @classmethod
    def _mix(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        if value is None:
            return None
        if any(number < 0 or number > MAX_COUNT for number in value.values()):
            raise ValueError(f"each kind's count must be 0–{MAX_COUNT}")
        if value and sum(value.values()) == 0:
            raise ValueError("the mix asks for no question at all")
        return value or None

    def stored(self, seed: int) -> dict[str, Any]:
        """The settings as the quiz row keeps them: enough to pick the same questions again."""
        return {**self.model_dump(exclude={"seed"}), "seed": seed}


@dataclass(frozen=True)
class TopicOption:
    name: str
    count: int


@dataclass(frozen=True)
class ConceptOption:
    id: str
    name_zh: str
    name_en: str
    topic: str
    count: int


@dataclass(frozen=True)
class SetupOptions:
    """What the set-up form offers: topics and concepts that have quiz-able questions, with their counts."""

    topics: list[TopicOption]
    concepts: list[ConceptOption]
    kind_counts: dict[str, int]
    total: int

    @property
    def concept_groups(self) -> list[tuple[str, list[ConceptOption]]]:
        """Concepts grouped by topic, in catalogue order (for <optgroup>)."""
        groups: dict[str, list[ConceptOption]] = {}
        for concept in self.concepts:
            groups.setdefault(concept.topic, []).append(concept)
        return list(groups.items())


def _quizzable() -> list[Any]:
    """Live questions that can be graded: an MCQ needs a marked option, an open question a reference answer."""
    graded_mcqs = select(Choice.question_id).where(col(Choice.correct).is_(True))
    return [col(Question.retired).is_(False), col(Question.unanswered).is_(False),
            or_(col(Question.kind) != "mcq", col(Question.id).in_(graded_mcqs))]


def setup_options(*, session: Session) -> SetupOptions:
    quizzable = _quizzable()
    topic_counts: dict[str, int] = dict(session.exec(  # type: ignore[arg-type]
        select(Question.topic, func.count()).where(*quizzable, col(Question.topic).is_not(None))
        .group_by(col(Question.topic))).all())
    order = dict(session.exec(select(Concept.topic, func.min(Concept.position)).group_by(col(Concept.topic))).all())
    topics = [TopicOption(name, topic_counts[name])
              for name in sorted(topic_counts, key=lambda name: (order.get(name, math.inf), name))]
    concept_rows = session.exec(
        select(Concept, func.count(col(Question.id)))
        .join(QuestionConcept, col(QuestionConcept.concept_id) == col(Concept.id))
        .join(Question, col(Question.id) == col(QuestionConcept.question_id))
        .where(*quizzable).group_by(col(Concept.id)).order_by(col(Concept.position))
    ).all()
    concepts = [ConceptOption(concept.id, concept.name_zh, concept.name_en, concept.topic, count)
                for concept, count in concept_rows]
    kind_counts = dict(session.exec(  # type: ignore[arg-type]
        select(Question.kind, func.count()).where(*quizzable).group_by(col(Question.kind))).all())
    return SetupOptions(topics=topics, concepts=concepts, total=sum(kind_counts.values()),
                        kind_counts={kind: kind_counts.get(kind, 0) for kind in KINDS})


def _check_known(session: Session, setup: QuizSetup) -> None:
    if setup.topics:
        known = set(session.exec(select(Question.topic).where(col(Question.topic).in_(setup.topics))).all())
        unknown = [topic for topic in setup.topics if topic not in known]
        if unknown:
            raise InvalidSetting("quiz.error.unknown_topic", field="topics", value="、".join(unknown))
    if setup.concepts:
        known = set(session.exec(select(Concept.id).where(col(Concept.id).in_(setup.concepts))).all())
        unknown = [concept for concept in setup.concepts if concept not in known]
        if unknown:
            raise InvalidSetting("quiz.error.unknown_concept", field="concepts", value="、".join(unknown))


def matching_ids(*, session: Session, setup: QuizSetup) -> list[str]:
    """Every quiz-able question the set-up allows, in id order (the order a seed is applied to)."""
    _check_known(session, setup)
    query = select(Question.id).where(*_quizzable())
    if setup.topics:
        query = query.where(col(Question.topic).in_(setup.topics))
    if setup.kinds:
        query = query.where(col(Question.kind).in_(setup.kinds))
    # Many imported questions carry no difficulty; leaving them out would empty most quizzes.
    query = query.where(or_(col(Question.difficulty).is_(None),
                            col(Question.difficulty).between(setup.difficulty_min, setup.difficulty_max)))
    if setup.concepts:
        tagged = select(QuestionConcept.question_id).where(col(QuestionConcept.concept_id).in_(setup.concepts))
        query = query.where(col(Question.id).in_(tagged))
    return list(session.exec(query.order_by(col(Question.id))).all())


def _by_kind(session: Session, ids: list[str]) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for question_id, kind in session.exec(select(Question.id, Question.kind).where(col(Question.id).in_(ids))
                                          .order_by(col(Question.id))).all():
        kinds.setdefault(kind, []).append(question_id)
    return kinds


def draw_mix(by_kind: dict[str, list[str]], mix: Mapping[str, int], count: int, rng: random.Random) -> list[str]:
    """Exactly mix[kind] questions of each kind named, then the kinds not named up to `count`, shuffled."""
    named = sum(mix.values())
    unnamed = [kind for kind in KINDS if kind not in mix]
    if unnamed and named > count:
        raise InvalidSetting("quiz.error.mix_too_big", field="mix", mixed=named, count=count)
    picked: list[str] = []
    for kind in KINDS:
        wanted = mix.get(kind, 0)
        available = by_kind.get(kind, [])
        if len(available) < wanted:
            raise MixShort(field="mix", kind=kind, wanted=wanted, available=len(available))
        picked += rng.sample(available, wanted)
    rest = [question_id for kind in unnamed for question_id in by_kind.get(kind, [])]
    picked += rng.sample(rest, min(max(0, count - named), len(rest)))
    rng.shuffle(picked)
    return picked


def pick(*, session: Session, setup: QuizSetup) -> tuple[list[str], int]:
    """(question ids, seed): `count` of the matching questions in random order (or the kind mix); the same seed
    picks the same ids as long as the matching set is unchanged."""
    candidates = matching_ids(session=session, setup=setup)
    if not candidates:
        raise EmptySelection()
    seed = setup.seed if setup.seed is not None else secrets.randbits(48)
    rng = random.Random(seed)
    if setup.mix:
        mix = {str(kind): number for kind, number in setup.mix.items()}
        chosen = draw_mix(_by_kind(session, candidates), mix, setup.count, rng)
        if not chosen:
            raise EmptySelection()
        return chosen, seed
    return rng.sample(candidates, min(setup.count, len(candidates))), seed
