"""Query terms and highlighted snippets: untrusted text is escaped first, matches become <mark> afterwards.

Matches are every occurrence of a query term, found here case-insensitively, and any span a caller marked with
the private-use characters MARK_START/MARK_END (as FTS5's highlight() would); only after the text is HTML-escaped
do they turn into tags, so nothing in a question's text can ever become markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup, escape

from app.search.index import MARK_END, MARK_START

# Whitespace, list punctuation and quotes separate terms; hyphens, dots and plus signs stay inside (ZeRO-3,
# torch.cuda). Phrases are not a thing here: the trigram index already matches any run of characters.
_SEPARATORS = re.compile(r"[\s,，、;；。？?！!\"“”「」『』]+")
MAX_TERMS = 8
MAX_QUERY_CHARS = 200
# The trigram tokenizer indexes every run of three characters, so shorter terms cannot use the index.
TRIGRAM = 3
ELLIPSIS = "…"


def query_terms(query: str) -> list[str]:
    """The distinct terms of a query (case-insensitively), in the order typed; AND semantics apply across them."""
    terms: list[str] = []
    seen: set[str] = set()
    for term in _SEPARATORS.split(query[:MAX_QUERY_CHARS]):
        key = term.casefold()
        if term and key not in seen:
            seen.add(key)
            terms.append(term)
    return terms[:MAX_TERMS]


def indexed_terms(terms: Sequence[str]) -> list[str]:
    return [term for term in terms if len(term) >= TRIGRAM]


def short_terms(terms: Sequence[str]) -> list[str]:
    return [term for term in terms if len(term) < TRIGRAM]


def fts_query(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression: every term a quoted string (so no operator syntax leaks in), all required."""
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    return _term_pattern_of(tuple(terms))


@lru_cache(maxsize=256)
def _term_pattern_of(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern per query (a results page asks for it once per title and snippet shown)."""
    if not terms:
        return None
    alternatives = sorted((re.escape(term) for term in terms), key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _strip_markers(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """The text without markers, and the spans the markers enclosed (in the stripped text)."""
    if MARK_START not in marked and MARK_END not in marked:
        return marked, []  # text from the index itself: walking it character by character would find nothing
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    start: int | None = None
    length = 0
    for char in marked:
        if char == MARK_START:
            start = length
        elif char == MARK_END:
            if start is not None and length > start:
                spans.append((start, length))
            start = None
        else:
            plain.append(char)
            length += 1
    return "".join(plain), spans


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet_html(marked: str, terms: Sequence[str] = ()) -> Markup:
    """Safe HTML for a snippet: markers and any occurrence of `terms` become <mark>, everything else is escaped."""
    plain, spans = _strip_markers(marked)
    pattern = _term_pattern(terms)
    if pattern is not None:
        spans.extend(match.span() for match in pattern.finditer(plain) if match.end() > match.start())
    pieces: list[str] = []
    position = 0
    for start, end in _merged(spans):
        pieces.append(str(escape(plain[position:start])))
        pieces.append(f"<mark>{escape(plain[start:end])}</mark>")
        position = end
    pieces.append(str(escape(plain[position:])))
    return Markup("".join(pieces))


def window(text: str, terms: Sequence[str], *, width: int = 64) -> str:
    """About `width` characters of `text` around the first match of any term (its start when none matches)."""
    pattern = _term_pattern(terms)
    match = pattern.search(text) if pattern is not None else None
    start = 0 if match is None else max(0, match.start() - width // 4)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    return (ELLIPSIS if start > 0 else "") + text[start:end] + (ELLIPSIS if end < len(text) else "")


def _word_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    return _word_pattern_of(tuple(terms))


@lru_cache(maxsize=256)
def _word_pattern_of(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """Latin terms as whole words (not inside a longer word: DP, but not FSDP); other terms as they are."""
    if not terms:
        return None
    alternatives = [rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])" if re.fullmatch(r"[A-Za-z0-9].*", term)
                    else re.escape(term) for term in sorted(terms, key=len, reverse=True)]
    return re.compile("|".join(alternatives), re.IGNORECASE)


def best_window(columns: Sequence[str], terms: Sequence[str], *, width: int = 64) -> str:
    """A window around the first whole-word match of a term (DP standing alone), else around the first match of
    any kind, else the start of the first non-empty column."""
    for pattern in (_word_pattern(terms), _term_pattern(terms)):
        for column in columns:
            found = pattern.search(column) if column and pattern is not None else None
            if found is not None:
                return _window_at(column, found.start(), width)
    return window(next((column for column in columns if column), ""), terms, width=width)


def _window_at(text: str, at: int, width: int) -> str:
    start = max(0, at - width // 4)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    return (ELLIPSIS if start > 0 else "") + text[start:end] + (ELLIPSIS if end < len(text) else "")
