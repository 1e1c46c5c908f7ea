"""What both search paths share: the filters, a result, the column weights and the SQL they turn into."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from markupsafe import Markup
from sqlalchemy import ColumnElement, case, literal_column, select
from sqlmodel import col

from app.models import Question, QuestionConcept

KINDS = ("mcq", "open", "code")
DIFFICULTIES = tuple(range(1, 11))
# Where a match counts most: title > prompt > extra (key points, concepts, topic) > answer.
WEIGHTS = {"title": 10.0, "prompt": 4.0, "extra": 2.0, "answer": 1.0}
# How much a Latin term standing as a word of its own lifts a hit. Anywhere in the question (its aliases included):
# more than any substring score, so an exact term match always comes first — `DP` finds the data-parallel
# questions before those that only say FSDP or GDPR (trigrams and bigrams match inside words). In the title (or
# prompt) a little more again, so `LoRA` finds the LoRA questions first, then those that mention it.
EXACT_WORD_BONUS = 100.0
WORD_BONUS = {"title": 20.0, "prompt": 8.0, "extra": 6.0, "answer": 3.0}  # extra: key points, concepts, aliases
# A Latin term inside a longer word (DP in FSDP) still matches, but counts for a tenth of a whole word.
INSIDE_WORD_SCALE = 0.1
LATIN_TERM = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+#-]*")


@dataclass(frozen=True)
class SearchFilters:
    topic: str | None = None
    kind: str | None = None
    difficulty_min: int | None = None
    difficulty_max: int | None = None
    concept: str | None = None  # a concept id

    @classmethod
    def parse(cls, **values: str | None) -> SearchFilters:
        """Filters from a form's raw values: blanks, and words where numbers belong, mean "any"."""
        def number(raw: str | None) -> int | None:
            return int(raw) if raw and raw.strip().isdigit() else None

        return cls(topic=values.get("topic") or None, kind=values.get("kind") or None,
                   difficulty_min=number(values.get("difficulty_min")),
                   difficulty_max=number(values.get("difficulty_max")), concept=values.get("concept") or None)

    def params(self) -> dict[str, Any]:
        """The filters that are set, by query-string name."""
        return {item.name: getattr(self, item.name) for item in fields(self) if getattr(self, item.name) is not None}

    @property
    def active(self) -> bool:
        return bool(self.params())


NO_FILTERS = SearchFilters()


@dataclass(frozen=True)
class SearchHit:
    id: str
    title: str
    title_html: Markup  # the title with matches in <mark>, escaped
    kind: str
    topic: str | None
    difficulty: int | None
    snippet: Markup  # a passage with matches in <mark>, escaped
    score: float  # higher is better: -bm25 on the index, the weighted matched columns on the LIKE paths


def filter_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """SQL conditions on `question` for the filters; retired questions are never found."""
    conditions: list[ColumnElement[bool]] = [col(Question.retired).is_(False)]
    if filters.topic is not None:
        conditions.append(col(Question.topic) == filters.topic)
    if filters.kind is not None:
        conditions.append(col(Question.kind) == filters.kind)
    if filters.difficulty_min is not None:
        conditions.append(col(Question.difficulty) >= filters.difficulty_min)
    if filters.difficulty_max is not None:
        conditions.append(col(Question.difficulty) <= filters.difficulty_max)
    if filters.concept is not None:
        conditions.append(select(col(QuestionConcept.question_id)).where(
            col(QuestionConcept.question_id) == col(Question.id),
            col(QuestionConcept.concept_id) == filters.concept).exists())
    return conditions


def weighted(matches: Sequence[dict[str, ColumnElement[bool]]]) -> ColumnElement[float]:
    """The sum of WEIGHTS over every (term, column) that matches: relevance where bm25 is not available."""
    total: ColumnElement[float] = literal_column("0.0")
    for columns in matches:
        for name, condition in columns.items():
            total = total + case((condition, WEIGHTS[name]), else_=0.0)
    return total
