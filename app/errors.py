"""Errors a learner can read: a message-catalogue key, an HTTP status, a machine code and, where the error is
about one field of a request, that field. Each feature subclasses UserError with its own keys."""

from __future__ import annotations

from typing import ClassVar

from app.messages import translate


class UserError(Exception):
    key: ClassVar[str] = "error.generic"
    status: ClassVar[int] = 400
    code: ClassVar[str] = "error"

    def __init__(self, *, field: str | None = None, **values: object) -> None:
        self.field = field
        self.values = values
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        return translate(self.key, lang, **self.values)


class KeyedUserError(UserError):
    """An error whose catalogue key is chosen where it is raised (one class, several messages)."""

    def __init__(self, key: str, *, field: str, **values: object) -> None:
        self.key = key  # type: ignore[misc]
        super().__init__(field=field, **values)
