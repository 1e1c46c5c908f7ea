"""Text for people: one catalogue, Chinese first, English second, assembled from each feature's module.

Each feature keeps its strings in `app/messages/<feature>.py` as a `MESSAGES` dict of
`key -> {"zh": ..., "en": ...}`; keys are prefixed with the feature name so they never collide.
"""

from __future__ import annotations

import importlib
import pkgutil

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


def translate(key: str, lang: str = "zh", **values: object) -> str:
    """The text for `key` in `lang` (falling back to Chinese), with `{name}` placeholders filled."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text
