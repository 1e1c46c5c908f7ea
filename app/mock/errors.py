"""Mock-interview errors a learner can read: each carries a catalogue key (app/messages/mock.py), an HTTP status and
the field of the request it is about (None when it is about no one field)."""

from __future__ import annotations

from typing import ClassVar

from app.errors import KeyedUserError, UserError


class MockError(UserError):
    key: ClassVar[str] = "mock.error.generic"
    status: ClassVar[int] = 400
    code: ClassVar[str] = "mock_error"


class UnknownInterview(MockError, LookupError):
    key, status, code = "mock.error.unknown_interview", 404, "unknown_interview"


class UnknownPosition(MockError, LookupError):
    key, status, code = "mock.error.unknown_position", 404, "unknown_position"


class InvalidSetup(MockError, KeyedUserError):
    """A set-up that cannot be used (an unknown preset, a mix larger than the count, ...); `key` per instance."""

    status, code = 422, "invalid_setup"


class InvalidAnswer(MockError, KeyedUserError):
    """An answer that does not fit the question (a choice for an open question, an unknown option, ...)."""

    status, code = 422, "invalid_answer"


class TimeUp(MockError):
    """The server's deadline has passed: the answer was refused and nothing stored changed."""

    key, status, code = "mock.error.time_up", 409, "time_up"


class AlreadyFinished(MockError):
    """The round was handed in: its answers are read-only."""

    key, status, code = "mock.error.finished", 409, "finished"


class StillRunning(MockError):
    """Self-grades and review belong to the report, which exists once the round is over."""

    key, status, code = "mock.error.running", 409, "running"
