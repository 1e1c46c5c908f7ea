"""What a learner asks a round for (MockSetup, the request), and the round it becomes (RoundPlan): a preset filled
in, the count and the clock made concrete, and every cross-field problem named by its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from sqlmodel import Session, col, select

from app.mock.errors import InvalidSetup
from app.mock.presets import PRESETS_BY_ID
from app.models import Concept
from app.quiz.selection import SelectionFields
from app.validation import Count

Kind = Literal["mcq", "open", "code"]
KINDS: tuple[str, ...] = ("mcq", "open", "code")
DEFAULT_COUNT = 5
MAX_COUNT = 30
DEFAULT_MINUTES_PER_QUESTION = 5.0
MAX_MINUTES = 240.0


class MockSetup(SelectionFields):
    """A round as asked for; anything left out comes from the preset, else from the defaults."""

    preset: str | None = Field(default=None, max_length=80, description="a preset id (see GET /api/mock-interviews)")
    title: str | None = Field(default=None, max_length=200)
    count: Count | None = Field(default=None, ge=1, le=MAX_COUNT, description="how many questions")
    minutes: float | None = Field(default=None, gt=0, le=MAX_MINUTES, allow_inf_nan=False,
                                  description="the whole round's time; fractions allowed (0.25 = 15 s)")
    minutes_per_question: float | None = Field(default=None, gt=0, le=60, allow_inf_nan=False,
                                               description="a time budget per question (shown, not enforced)")
    mix: dict[Kind, Count] | None = Field(default=None, description='questions per kind, e.g. {"mcq": 2, "open": 3}')
    focus_weak: bool = Field(default=False, description="draw from the concepts you recall worst")
    seed: int | None = Field(default=None, ge=0, le=2**53, description="fixes the random pick")

    @field_validator("mix")
    @classmethod
    def _mix(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        if value is None:
            return None
        if any(number < 0 or number > MAX_COUNT for number in value.values()):
            raise ValueError(f"each kind's count must be 0–{MAX_COUNT}")
        kept = {kind: number for kind, number in value.items() if number > 0}
        return kept or None


@dataclass(frozen=True)
class RoundPlan:
    """A round ready to be drawn: every value concrete."""

    preset: str | None
    title: str
    topics: list[str]
    concepts: list[str]
    difficulty_min: int
    difficulty_max: int
    count: int
    minutes: float | None  # None: count × minutes per question, once the count is known
    minutes_per_question: float | None
    mix: dict[str, int] = field(default_factory=dict)
    focus_weak: bool = False
    seed: int | None = None

    def minutes_for(self, count: int) -> float:
        if self.minutes is not None:
            return self.minutes
        return (self.minutes_per_question or DEFAULT_MINUTES_PER_QUESTION) * count

    def stored(self, *, count: int, seed: int, weak_concepts: list[str]) -> dict[str, Any]:
        """What MockInterview.settings keeps: enough to show, repeat and explain the round."""
        minutes = self.minutes_for(count)
        return {"preset": self.preset, "topics": self.topics, "concepts": self.concepts,
                "difficulty_min": self.difficulty_min, "difficulty_max": self.difficulty_max,
                "requested_count": self.count, "count": count, "minutes": minutes,
                "minutes_per_question": self.minutes_per_question or minutes / count,
                "mix": self.mix, "focus_weak": self.focus_weak, "weak_concepts": weak_concepts, "seed": seed}


def _field_of(error: ValidationError) -> str:
    problem = error.errors()[0]
    return str(problem["loc"][0]) if problem["loc"] else "preset"


def _with_preset(session: Session, setup: MockSetup) -> MockSetup:
    """The preset's values under the learner's own (a preset concept missing from the catalogue is left out)."""
    if setup.preset is None:
        return setup
    preset = PRESETS_BY_ID.get(setup.preset)
    if preset is None:
        raise InvalidSetup("mock.error.unknown_preset", field="preset", value=setup.preset,
                           known="、".join(PRESETS_BY_ID))
    values = preset.values()
    if values.get("concepts"):
        known = set(session.exec(select(Concept.id).where(col(Concept.id).in_(values["concepts"]))).all())
        values["concepts"] = [concept for concept in values["concepts"] if concept in known]
    given = setup.model_dump(exclude_unset=True)
    try:
        return MockSetup.model_validate({**values, **given})
    except ValidationError as error:
        raise InvalidSetup("mock.error.field", field=_field_of(error)) from error


def resolve(*, session: Session, setup: MockSetup) -> RoundPlan:
    """The round a set-up asks for; raises InvalidSetup (naming the field) when its values do not fit together."""
    full = _with_preset(session, setup)
    mix: dict[str, int] = {str(kind): number for kind, number in (full.mix or {}).items()}
    mixed = sum(mix.values())
    count = full.count or mixed or DEFAULT_COUNT
    if mixed > count:
        raise InvalidSetup("mock.error.mix_too_big", field="mix", mixed=mixed, count=count)
    if full.minutes is None and full.minutes_per_question is not None \
            and full.minutes_per_question * count > MAX_MINUTES:
        raise InvalidSetup("mock.error.too_long", field="minutes_per_question", max=int(MAX_MINUTES))
    if full.minutes is not None and full.minutes_per_question is not None \
            and full.minutes_per_question > full.minutes:
        raise InvalidSetup("mock.error.budget_over_round", field="minutes_per_question")
    return RoundPlan(preset=full.preset, title=(full.title or "").strip(), topics=full.topics,
                     concepts=full.concepts, difficulty_min=full.difficulty_min, difficulty_max=full.difficulty_max,
                     count=count, minutes=full.minutes, minutes_per_question=full.minutes_per_question, mix=mix,
                     focus_weak=full.focus_weak, seed=full.seed)
