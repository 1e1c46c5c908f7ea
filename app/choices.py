"""Multiple-choice answers shared by the quiz and the mock interview: read the labels a learner chose, check them
against a question's options, and store them as one short string."""

from __future__ import annotations

import re
from collections.abc import Sequence


class ChoiceProblem(ValueError):
    """Why a choice cannot be used; `reason` is no_choice | unknown_choice | one_choice, and each feature turns it
    into its own catalogue message (quiz.error.<reason>, mock.error.<reason>)."""

    def __init__(self, reason: str, **values: object) -> None:
        self.reason = reason
        self.values = values
        super().__init__(reason)


def parse_labels(raw: str | Sequence[str], labels: Sequence[str], *, multiple: bool) -> list[str]:
    """The labels chosen, in option order: "B", "A,C", "A C", "AC" or a list of labels."""
    if isinstance(raw, str):
        text = raw.strip().upper()
        parts = [text] if text in labels else [part for part in re.split(r"[\s,，、;]+", text) if part]
        if len(parts) == 1 and parts[0] not in labels and all(char in labels for char in parts[0]):
            parts = list(parts[0])
    else:
        parts = [part.strip().upper() for part in raw if part.strip()]
    if not parts:
        raise ChoiceProblem("no_choice")
    unknown = [part for part in parts if part not in labels]
    if unknown:
        raise ChoiceProblem("unknown_choice", value="、".join(unknown), labels="、".join(labels))
    chosen = sorted(set(parts), key=list(labels).index)
    if len(chosen) > 1 and not multiple:
        raise ChoiceProblem("one_choice")
    return chosen


def stored_choice(chosen: Sequence[str]) -> str:
    return ",".join(chosen)


def split_stored(choice: str | None) -> list[str]:
    return [label for label in (choice or "").split(",") if label]
