"""Review errors a learner can read: each carries a catalogue key (app/messages/review.py) and an HTTP status."""

from __future__ import annotations

from typing import ClassVar

from app.messages import translate

RATING_KEYS = {1: "review.rating.again", 2: "review.rating.hard", 3: "review.rating.good", 4: "review.rating.easy"}


class ReviewError(Exception):
    key: ClassVar[str] = "review.error.generic"
    status: ClassVar[int] = 400
    code: ClassVar[str] = "review_error"

    def __init__(self, **values: object) -> None:
        self.values = values
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        values = {name: translate(RATING_KEYS[value], lang) if name in ("recorded", "requested")
                  and isinstance(value, int) else value for name, value in self.values.items()}
        return translate(self.key, lang, **values)


class UnknownQuestion(ReviewError, LookupError):
    key, status, code = "review.error.unknown_question", 404, "unknown_question"


class QuestionRetired(ReviewError):
    key, status, code = "review.error.retired", 409, "question_retired"


class GradeConflict(ReviewError):
    """This card version was already graded with a different rating."""

    key, status, code = "review.error.conflict", 409, "grade_conflict"


class StaleCard(ReviewError):
    """The submitted version is not the card's current one and no grade of it is on record (e.g. it was undone)."""

    key, status, code = "review.error.stale", 409, "stale_card"


class NothingToUndo(ReviewError):
    key, status, code = "review.error.nothing_to_undo", 409, "nothing_to_undo"
