"""The learner's weak areas: concepts ranked by how badly their reviewed questions are remembered.

A concept's strength comes from the learner's FSRS cards on questions tagged with it: the mean retrievability now
(FSRS's predicted chance of recall) and the lapses (times a card in review was forgotten). Weakness is
`(1 − mean retrievability) + LAPSE_WEIGHT × min(lapses per card, LAPSE_CAP)`, so a concept that is both fading and
often forgotten ranks first; ties go to more lapses. Concepts without any reviewed card are not ranked: nothing is
known about them yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.models import Concept, QuestionConcept, ReviewCard
from app.review import scheduling

LAPSE_WEIGHT = 0.25
LAPSE_CAP = 2.0
WEAK_CONCEPTS = 3  # a weak-area round draws from at least this many of the weakest concepts


@dataclass(frozen=True)
class ConceptStrength:
    concept_id: str
    name_zh: str
    name_en: str
    cards: int
    retrievability: float  # mean over the concept's cards, 0–1
    lapses: int

    @property
    def weakness(self) -> float:
        return (1 - self.retrievability) + LAPSE_WEIGHT * min(self.lapses / self.cards, LAPSE_CAP)


def concept_strengths(*, session: Session, user_id: int, now: datetime,
                      desired_retention: float = 0.9) -> list[ConceptStrength]:
    """Every concept the learner has reviewed questions of, weakest first."""
    scheduler = scheduling.scheduler_for(session=session, user_id=user_id, desired_retention=desired_retention)
    rows = session.exec(
        select(QuestionConcept.concept_id, ReviewCard)
        .join(ReviewCard, col(ReviewCard.question_id) == col(QuestionConcept.question_id))
        .where(col(ReviewCard.user_id) == user_id)
    ).all()
    recall: dict[str, list[float]] = defaultdict(list)
    lapses: dict[str, int] = defaultdict(int)
    for concept_id, card in rows:
        recall[concept_id].append(scheduler.get_card_retrievability(scheduling.to_fsrs(card), now))
        lapses[concept_id] += card.lapses
    concepts = {concept.id: concept for concept in session.exec(
        select(Concept).where(col(Concept.id).in_(list(recall)))).all()}
    strengths = [ConceptStrength(concept_id=concept_id, name_zh=concepts[concept_id].name_zh,
                                 name_en=concepts[concept_id].name_en, cards=len(values),
                                 retrievability=sum(values) / len(values), lapses=lapses[concept_id])
                 for concept_id, values in recall.items() if concept_id in concepts]
    return sorted(strengths, key=lambda s: (-s.weakness, -s.lapses, concepts[s.concept_id].position))
