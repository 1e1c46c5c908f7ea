"""Quiz errors a learner can read: each carries a catalogue key (app/messages/quiz.py), an HTTP status and the field
of the request it is about (None when it is about no one field)."""

from __future__ import annotations

from typing import ClassVar

from app.errors import KeyedUserError, UserError
from app.messages import translate


class QuizError(UserError):
    key: ClassVar[str] = "quiz.error.generic"
    status: ClassVar[int] = 400
    code: ClassVar[str] = "quiz_error"


class UnknownQuiz(QuizError, LookupError):
    key, status, code = "quiz.error.unknown_quiz", 404, "unknown_quiz"


class UnknownPosition(QuizError, LookupError):
    key, status, code = "quiz.error.unknown_position", 404, "unknown_position"


class InvalidSetting(QuizError, KeyedUserError):
    """A set-up value that cannot be used (an unknown topic, say); `key` is chosen per instance."""

    status, code = 422, "invalid_setting"


class EmptySelection(QuizError):
    key, status, code = "quiz.error.empty_selection", 422, "empty_selection"


class InvalidAnswer(QuizError, KeyedUserError):
    """An answer that does not fit the question (no option chosen, a key point that does not exist, ...)."""

    status, code = 422, "invalid_answer"


class CardBusy(QuizError):
    """The question's review card kept changing under the answer (concurrent grades); nothing was written."""

    key, status, code = "quiz.error.card_busy", 409, "card_busy"


class MixShort(QuizError):
    """The kind mix asks for more questions of a kind than the selection holds."""

    key, status, code = "quiz.error.mix_short", 422, "mix_short"

    def message(self, lang: str = "zh") -> str:
        kind = translate(f"kind.{self.values.get('kind')}", lang)
        return translate(self.key, lang, **{**self.values, "kind": kind})
