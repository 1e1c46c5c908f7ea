"""Text for people: one catalogue, Chinese first, English second, assembled from each feature's module.

Each feature keeps its strings in `app/messages/<feature>.py` as a `MESSAGES` dict of
`key -> {"zh": ..., "en": ...}`; keys are prefixed with the feature name so they never collide.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

LANGUAGES = ("zh", "en")


def _load() -> dict[str, dict[str, str]]:
    catalogue: dict[str, dict[str, str]] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for key, entry in getattr(module, "MESSAGES", {}).items():
            if key in catalogue:
                raise RuntimeError(f"message key {key!r} is defined twice (again in {module_info.name})")
            if "zh" not in entry:
                raise RuntimeError(f"message key {key!r} has no Chinese text")
            catalogue[key] = entry
    return catalogue


MESSAGES: dict[str, dict[str, str]] = _load()


# English nouns that follow a count in the catalogue, and their singular: "1 questions" reads "1 question".
_SINGULAR = {"questions": "question", "days": "day", "cards": "card", "lapses": "lapse", "grades": "grade",
             "corrections": "correction", "points": "point", "metrics": "metric", "topics": "topic",
             "concepts": "concept", "answers": "answer", "processes": "process", "copies": "copy", "lines": "line",
             "reviews": "review", "fixes": "fix", "rounds": "round"}
_ONE_OF_MANY = re.compile(r"(?<![\d.,])1 ((?:[a-z]+ ){0,2}?)(" + "|".join(_SINGULAR) + r")\b")


def _singular(text: str) -> str:
    return _ONE_OF_MANY.sub(lambda found: f"1 {found.group(1)}{_SINGULAR[found.group(2)]}", text)


def translate(key: str, lang: str = "zh", **values: object) -> str:
    """The text for `key` in `lang` (falling back to Chinese), with `{name}` placeholders filled.

    English plurals: an entry may carry `en_one`, used when `count` is 1; otherwise a count of 1 before a noun of
    the catalogue takes the singular ("1 day", "1 open answer").
    """
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    one = entry.get(f"{lang}_one")
    text = one if one is not None and str(values.get("count")) == "1" else (entry.get(lang) or entry["zh"])
    text = text.format(**values) if values else text
    return _singular(text) if lang == "en" else text
