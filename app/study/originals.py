"""The documents' own answers to a question, grouped so that copies of one text are shown once.

Document 000 asks one question six times with nearly the same answer; a learner should read that text once,
with every place it came from and the corrections that apply to it, not six times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from app.content.bank import quote_key

# Two answers whose folded texts match this closely are copies (a changed word or two), not two answers.
NEAR_IDENTICAL = 0.9


@dataclass(frozen=True)
class Place:
    document: str
    line: int


@dataclass
class OriginalAnswer:
    """One original text, every place it appears, and the distinct corrections of all its copies."""

    answer: str
    explanation: str
    places: list[Place]
    corrections: list[Any] = field(default_factory=list)  # CorrectionView (study.service): .text is read
    own: bool = False  # the question's own original (the first document), not an alternate


def _copies(a: str, b: str) -> bool:
    if a == b:
        return True
    if not a or not b or min(len(a), len(b)) / max(len(a), len(b)) < NEAR_IDENTICAL:
        return False
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= NEAR_IDENTICAL


def _correction_key(text: str) -> str:
    # The copies' corrections differ only in how they name the answer ("原答案…" / "该答案…").
    folded = quote_key(text)
    for prefix in ("原答案", "该答案", "本题答案", "答案"):
        if folded.startswith(prefix):
            return folded[len(prefix):]
    return folded


def group_originals(own: OriginalAnswer | None, alternates: list[OriginalAnswer]) -> list[OriginalAnswer]:
    """The own original first, then each distinct alternate; a copy adds its places and new corrections."""
    groups: list[tuple[str, OriginalAnswer, set[str]]] = []
    for candidate in ([own] if own else []) + alternates:
        folded = quote_key(candidate.answer)
        match = next((entry for entry in groups if _copies(entry[0], folded)), None)
        if match is None:
            seen = {_correction_key(c.text) for c in candidate.corrections}
            groups.append((folded, candidate, seen))
            continue
        _folded, group, seen = match
        group.places.extend(p for p in candidate.places if p not in group.places)
        for correction in candidate.corrections:
            key = _correction_key(correction.text)
            if key not in seen:
                seen.add(key)
                group.corrections.append(correction)
    return [group for _folded, group, _seen in groups]
