"""The learner's weak areas: concepts ranked by how badly their questions are remembered and answered.

Two kinds of evidence, both from the first day:
- the FSRS cards of questions tagged with the concept: the mean retrievability now (FSRS's predicted chance of
  recall) and the lapses (times a card in review was forgotten);
- what the learner got wrong: Again (and, half, Hard) on the review page and in the final review, wrong MCQs and
  self-grades of 1 (and, half, 2) in quizzes and in finished mock interviews. A card just graded Again is at ~100%
  retrievability (it was seen a minute ago), so without this a miss on the first day would look like strength.

Weakness = (1 − mean retrievability) + LAPSE_WEIGHT × min(lapses per card, LAPSE_CAP) + MISS_WEIGHT × miss rate,
where the miss rate is misses over answers (each answer counts 1, a half miss ½). Concepts with neither a card nor
an answer are not ranked: nothing is known about them yet. Quiz grades also reach the review log (as practice or
Again); they are counted once, from the quiz's own answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.choices import split_stored
from app.models import (
    Choice,
    Concept,
    MockAnswer,
    MockInterview,
    Question,
    QuestionConcept,
    QuizAnswer,
    QuizSession,
    ReviewCard,
    ReviewLog,
)
from app.review import scheduling

LAPSE_WEIGHT = 0.25
LAPSE_CAP = 2.0
MISS_WEIGHT = 1.0
WEAK_CONCEPTS = 3  # a weak-area round draws from at least this many of the weakest concepts
RATING_MISS = {1: 1.0, 2: 0.5, 3: 0.0, 4: 0.0}  # Again is a miss, Hard half of one
SELF_GRADE_MISS = RATING_MISS  # the quiz's and mock's self-grades use the same 1–4 scale
MISS_ORIGINS = ("review", "final")  # quiz and mock answers are read from their own tables


@dataclass(frozen=True)
class ConceptStrength:
    concept_id: str
    name_zh: str
    name_en: str
    cards: int
    retrievability: float  # mean over the concept's cards, 0–1 (1 when it has none: no decay known)
    lapses: int
    answers: int = 0  # graded answers on its questions (reviews, final review, quizzes, mock interviews)
    misses: float = 0.0  # of those, how many were wrong (a Hard or a self-grade of 2 counts half)

    @property
    def miss_rate(self) -> float:
        return self.misses / self.answers if self.answers else 0.0

    @property
    def weakness(self) -> float:
        lapse_rate = min(self.lapses / self.cards, LAPSE_CAP) if self.cards else 0.0
        return (1 - self.retrievability) + LAPSE_WEIGHT * lapse_rate + MISS_WEIGHT * self.miss_rate


def answer_misses(*, session: Session, user_id: int) -> dict[str, list[float]]:
    """Question id → one miss value (0, ½ or 1) per graded answer the learner gave it, from every source."""
    found: dict[str, list[float]] = defaultdict(list)
    for question_id, rating in session.exec(
            select(ReviewLog.question_id, ReviewLog.rating)
            .where(col(ReviewLog.user_id) == user_id, col(ReviewLog.origin).in_(MISS_ORIGINS))).all():
        found[question_id].append(RATING_MISS.get(rating, 0.0))
    for question_id, correct, self_grade in session.exec(
            select(QuizAnswer.question_id, QuizAnswer.correct, QuizAnswer.self_grade)
            .join(QuizSession, col(QuizSession.id) == col(QuizAnswer.quiz_id))
            .where(col(QuizSession.user_id) == user_id, col(QuizAnswer.correct).is_not(None))).all():
        found[question_id].append(SELF_GRADE_MISS[self_grade] if self_grade in SELF_GRADE_MISS
                                  else (0.0 if correct else 1.0))
    mock_rows = session.exec(
        select(MockAnswer, Question.kind)
        .join(MockInterview, col(MockInterview.id) == col(MockAnswer.interview_id))
        .join(Question, col(Question.id) == col(MockAnswer.question_id))
        .where(col(MockInterview.user_id) == user_id, col(MockInterview.finished_at).is_not(None))).all()
    right = _right_labels(session, {answer.question_id for answer, kind in mock_rows if kind == "mcq"})
    for answer, kind in mock_rows:
        if kind == "mcq":
            chosen = set(split_stored(answer.choice))
            if chosen:
                found[answer.question_id].append(0.0 if chosen == right.get(answer.question_id, set()) else 1.0)
        elif answer.self_grade in SELF_GRADE_MISS and answer.answer.strip():
            found[answer.question_id].append(SELF_GRADE_MISS[answer.self_grade])
    return found


def _right_labels(session: Session, question_ids: set[str]) -> dict[str, set[str]]:
    labels: dict[str, set[str]] = defaultdict(set)
    for question_id, label in session.exec(select(Choice.question_id, Choice.label).where(
            col(Choice.question_id).in_(question_ids), col(Choice.correct).is_(True))).all():
        labels[question_id].add(label)
    return labels


def concept_strengths(*, session: Session, user_id: int, now: datetime,
                      desired_retention: float = 0.9) -> list[ConceptStrength]:
    """Every concept the learner has studied or answered questions of, weakest first."""
    scheduler = scheduling.scheduler_for(session=session, user_id=user_id, desired_retention=desired_retention)
    recall: dict[str, list[float]] = defaultdict(list)
    lapses: dict[str, int] = defaultdict(int)
    for concept_id, card in session.exec(
            select(QuestionConcept.concept_id, ReviewCard)
            .join(ReviewCard, col(ReviewCard.question_id) == col(QuestionConcept.question_id))
            .where(col(ReviewCard.user_id) == user_id)).all():
        recall[concept_id].append(scheduler.get_card_retrievability(scheduling.to_fsrs(card), now))
        lapses[concept_id] += card.lapses
    misses = answer_misses(session=session, user_id=user_id)
    answered: dict[str, list[float]] = defaultdict(list)
    for question_id, concept_id in session.exec(select(QuestionConcept.question_id, QuestionConcept.concept_id)
                                                .where(col(QuestionConcept.question_id).in_(list(misses)))).all():
        answered[concept_id] += misses[question_id]
    known = set(recall) | set(answered)
    concepts = {concept.id: concept for concept in session.exec(
        select(Concept).where(col(Concept.id).in_(list(known)))).all()}
    strengths = [ConceptStrength(concept_id=concept_id, name_zh=concepts[concept_id].name_zh,
                                 name_en=concepts[concept_id].name_en, cards=len(recall[concept_id]),
                                 retrievability=(sum(recall[concept_id]) / len(recall[concept_id])
                                                 if recall[concept_id] else 1.0),
                                 lapses=lapses[concept_id], answers=len(answered[concept_id]),
                                 misses=sum(answered[concept_id]))
                 for concept_id in known if concept_id in concepts]
    return sorted(strengths, key=lambda s: (-s.weakness, -s.misses, -s.lapses, concepts[s.concept_id].position))
