"""Which questions a round asks: the quiz's matching rules (topics, concepts, difficulty, gradeable questions only),
narrowed to the weakest concepts when asked, then drawn by kind to fit the mix, in an order a stored seed repeats."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.messages import translate
from app.mock.errors import InvalidSetup
from app.mock.setup import KINDS, RoundPlan
from app.mock.weak import WEAK_CONCEPTS, concept_strengths
from app.models import Question, QuestionConcept
from app.quiz.errors import QuizError
from app.quiz.selection import MAX_COUNT as QUIZ_MAX_COUNT
from app.quiz.selection import QuizSetup, matching_ids


@dataclass(frozen=True)
class Draw:
    question_ids: list[str]
    seed: int
    weak_concepts: list[str]  # the concepts a weak-area round drew from, weakest first


def _matching(session: Session, plan: RoundPlan) -> list[str]:
    setup = QuizSetup(topics=plan.topics, concepts=plan.concepts, difficulty_min=plan.difficulty_min,
                      difficulty_max=plan.difficulty_max, count=min(plan.count, QUIZ_MAX_COUNT))
    try:
        return matching_ids(session=session, setup=setup)
    except QuizError as error:  # an unknown topic or concept: the quiz's message says which
        raise InvalidSetup(error.key, field=error.field or "topics", **error.values) from error


def _weakest(session: Session, user_id: int, plan: RoundPlan, candidates: list[str], now: datetime,
             desired_retention: float) -> tuple[list[str], list[str]]:
    """(candidates tagged with the weakest concepts, those concepts): concepts are added weakest first until there
    are at least WEAK_CONCEPTS of them and enough questions for the round."""
    ranking = concept_strengths(session=session, user_id=user_id, now=now, desired_retention=desired_retention)
    if not ranking:
        raise InvalidSetup("mock.error.no_history", field="focus_weak")
    allowed = set(candidates)
    tags: dict[str, set[str]] = {}
    for question_id, concept_id in session.exec(
            select(QuestionConcept.question_id, QuestionConcept.concept_id)
            .where(col(QuestionConcept.concept_id).in_([s.concept_id for s in ranking]))).all():
        if question_id in allowed:
            tags.setdefault(concept_id, set()).add(question_id)
    chosen: list[str] = []
    pool: set[str] = set()
    for strength in ranking:
        questions = tags.get(strength.concept_id)
        if not questions:
            continue
        chosen.append(strength.concept_id)
        pool |= questions
        if len(chosen) >= WEAK_CONCEPTS and len(pool) >= plan.count:
            break
    if not pool:
        raise InvalidSetup("mock.error.no_weak_questions", field="focus_weak")
    return sorted(pool), chosen


def _by_kind(session: Session, ids: list[str]) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for question_id, kind in session.exec(select(Question.id, Question.kind).where(col(Question.id).in_(ids))
                                          .order_by(col(Question.id))).all():
        kinds.setdefault(kind, []).append(question_id)
    return kinds


def _draw_mix(plan: RoundPlan, kinds: dict[str, list[str]], rng: random.Random, lang: str) -> list[str]:
    """Exactly mix[kind] questions of each kind named in the mix; the rest of the count from the other kinds."""
    picked: list[str] = []
    for kind, wanted in plan.mix.items():
        available = kinds.get(kind, [])
        if len(available) < wanted:
            raise InvalidSetup("mock.error.mix_short", field="mix", kind=translate(f"kind.{kind}", lang),
                               wanted=wanted, available=len(available))
        picked += rng.sample(available, wanted)
    rest = [question_id for kind, ids in kinds.items() if kind not in plan.mix for question_id in ids]
    picked += rng.sample(rest, min(plan.count - len(picked), len(rest)))
    return picked


def draw(*, session: Session, user_id: int, plan: RoundPlan, now: datetime, desired_retention: float = 0.9,
         lang: str = "zh") -> Draw:
    """The round's questions in the order they are asked; raises InvalidSetup when nothing matches."""
    candidates = _matching(session, plan)
    weak: list[str] = []
    if plan.focus_weak and candidates:
        candidates, weak = _weakest(session, user_id, plan, candidates, now, desired_retention)
    if not candidates:
        raise InvalidSetup("mock.error.empty_selection", field="selection")
    seed = plan.seed if plan.seed is not None else secrets.randbits(48)
    rng = random.Random(seed)
    picked = _draw_mix(plan, _by_kind(session, candidates), rng, lang)
    if not picked:
        raise InvalidSetup("mock.error.empty_selection", field="selection")
    rng.shuffle(picked)
    return Draw(question_ids=picked, seed=seed, weak_concepts=weak)
