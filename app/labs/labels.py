"""What lab results say, in the reader's language: a label and a unit per result key, English for the labs' text.

The labels are app/messages/lab_labels.py (`labs.key.*`), the English app/messages/lab_text.py (`labs.text.*`);
both live in the message catalogue like every other text for people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.labs.format import HEADER_UNITS, canonical
from app.messages import MESSAGES

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60]")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
# A key's unit guessed from its name where the label table has no entry (new labs, new columns).
_SUFFIX_UNITS = (("_bytes", "bytes"), (" bytes", "bytes"), ("_ms", "ms"), ("_seconds", "s"), ("_sec", "s"),
                 ("_s", "s"), ("_fraction", "fraction"), ("_frac", "fraction"), ("_pct", "%"), (" %", "%"),
                 ("_count", "count"), ("_params", "count"), ("_tflops", "TFLOP/s"), ("tokens_per_sec", "tok/s"),
                 ("_per_sec", ""), ("_ratio", "ratio"), ("_gib", "GiB"), ("_gb", "GB"), ("_mb", "MB"),
                 ("_speedup_x", "×"), ("_x", "×"), ("_flops", "flops"))


@dataclass(frozen=True)
class Label:
    text: str  # what a header or an axis says
    unit: str  # the unit values are written in (app/labs/format.py), which decides how they are shown
    header_unit: str = ""  # a suffix every cell would repeat, named once in the header instead


def has_han(text: str) -> bool:
    return bool(HAN.search(text))


def guess_unit(key: str) -> str:
    lowered = key.lower()
    if lowered in ("bytes", "tflops", "ms"):
        return lowered if lowered != "tflops" else "TFLOP/s"
    for suffix, unit in _SUFFIX_UNITS:
        if lowered.endswith(suffix):
            return unit
    return "bytes" if "bytes" in lowered else ""


def _humanised(key: str, unit: str) -> str:
    words = key
    for suffix, guessed in _SUFFIX_UNITS:
        if guessed == unit and words.lower().endswith(suffix) and len(words) > len(suffix):
            words = words[: -len(suffix)]
            break
    words = words.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words.isascii() else words


@lru_cache(maxsize=1)
def _key_patterns() -> tuple[tuple[re.Pattern[str], dict[str, str]], ...]:
    """Label entries for keys a lab makes up from names (`labs.key.{backend}_ms`: FLASH_ATTENTION_ms, MATH_ms)."""
    found = []
    for key, entry in MESSAGES.items():
        if key.startswith("labs.key.") and "{" in key:
            parts = _PLACEHOLDER.split(key.removeprefix("labs.key."))
            regex = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in
                            enumerate(parts))
            found.append((re.compile(regex), entry))
    return tuple(found)


def _entry(key: str, lang: str, lab: str) -> tuple[str, str] | None:
    entry = MESSAGES.get(f"labs.key.{lab}:{key}") or MESSAGES.get(f"labs.key.{key}")
    if entry is not None:
        return entry.get(lang) or entry["zh"], entry.get("unit", "")
    for regex, pattern_entry in _key_patterns():
        matched = regex.fullmatch(key)
        if matched:
            text = pattern_entry.get(lang) or pattern_entry["zh"]
            return text.format(**matched.groupdict()), pattern_entry.get("unit", "")
    return None


def label(key: str, lang: str, *, lab: str = "") -> Label:
    """The label of result key `key` (a column, an axis) in `lang`, from the table or guessed from its name."""
    entry = _entry(key, lang, lab)
    if entry is not None:
        text, unit = entry
    else:
        unit = guess_unit(key)
        text = lab_text(_humanised(key, unit), lang)
    return Label(text=text, unit=unit, header_unit=HEADER_UNITS.get(canonical(unit)[0], ""))


def param_unit(name: str, lang: str, lab: str = "") -> str:
    """What a run-form parameter counts ("tokens", "GPUs"), or ""."""
    entry = MESSAGES.get(f"labs.unit.{lab}:{name}") or MESSAGES.get(f"labs.unit.{name}")
    return (entry.get(lang) or entry["zh"]) if entry else ""


@dataclass(frozen=True)
class _Pattern:
    key: str
    regex: re.Pattern[str]
    en: str
    literal: int  # characters outside the placeholders: how specific the pattern is


@lru_cache(maxsize=1)
def _patterns() -> tuple[dict[str, tuple[str, str]], tuple[_Pattern, ...]]:
    """Exact texts and the placeholder patterns, from every `labs.text.*` entry of the catalogue."""
    exact: dict[str, tuple[str, str]] = {}
    patterns: list[_Pattern] = []
    for key, entry in MESSAGES.items():
        if not key.startswith("labs.text."):
            continue
        zh, en = entry["zh"], entry.get("en", entry["zh"])
        if not _PLACEHOLDER.search(zh):
            exact[zh] = (key, en)
            continue
        parts = _PLACEHOLDER.split(zh)  # literal, name, literal, name, ...
        regex = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts))
        patterns.append(_Pattern(key=key, regex=re.compile(regex, re.DOTALL), en=en,
                                 literal=sum(len(part) for part in parts[::2])))
    # the most specific pattern first: "训练 {name}" must not swallow "训练 FLOPs/token（…）= …"
    return exact, tuple(sorted(patterns, key=lambda pattern: -pattern.literal))


_SENTENCE = re.compile(r"(?<=。)")


@lru_cache(maxsize=4096)
def _match(text: str) -> tuple[str, str] | None:
    """(catalogue key, English) for one of the labs' texts, or None when the catalogue has no English for it.

    A text no entry matches whole is tried sentence by sentence: labs build some notes from several sentences.
    """
    found = _match_whole(text)
    if found is not None:
        return found
    sentences = [sentence for sentence in _SENTENCE.split(text) if sentence]
    if len(sentences) < 2:
        return None
    parts = [_match_whole(sentence) for sentence in sentences]
    if any(part is None for part in parts):
        return None
    return "+".join(part[0] for part in parts if part), " ".join(part[1] for part in parts if part)


def _match_whole(text: str) -> tuple[str, str] | None:
    exact, patterns = _patterns()
    if text in exact:
        return exact[text]
    for pattern in patterns:
        found = pattern.regex.fullmatch(text)
        if found:
            values = {name: lab_text(value, "en") for name, value in found.groupdict().items()}
            if not any(has_han(value) for value in values.values()):  # else a wider pattern caught it: go on
                return pattern.key, pattern.en.format(**values)
    return None


def lab_text(text: str, lang: str) -> str:
    """A text a lab wrote (in Chinese) for a reader of `lang`: English from the catalogue, else unchanged.

    An entry's `shown_zh` replaces a Chinese text that the page's own presentation has made wrong (a chart title
    naming MB where the axis now reads GiB).
    """
    if not text or not has_han(text):
        return text
    if lang == "zh":
        return _shown_zh(text)
    found = _match(text)
    return found[1] if found else text


@lru_cache(maxsize=4096)
def _shown_zh(text: str) -> str:
    """The lab's own Chinese, or the entry's `shown_zh` filled with the same values where it has one."""
    key = text_key(text)
    shown = MESSAGES.get(key, {}).get("shown_zh")
    if shown is None:
        return text
    _exact, patterns = _patterns()
    pattern = next((pattern for pattern in patterns if pattern.key == key), None)
    found = pattern.regex.fullmatch(text) if pattern else None
    return shown.format(**found.groupdict()) if found else shown


def text_key(text: str) -> str:
    """What stays the same in a lab's text from run to run (its catalogue key), to match tables across runs."""
    found = _match(text) if has_han(text) else None
    return found[0] if found else text
