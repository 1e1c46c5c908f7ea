"""The largest lab result PrepLab keeps: counts and lengths, checked on the parsed JSON before it is validated or
stored, so that one result can never make a lab, concept or question page (or /api/labs) heavy.

The shipped reference results use a small part of each limit (at most 5 tables, 20 rows, 13 columns, 5 charts,
8 series, 50 points, 16 checks and strings of 224 characters); the labs' own parameter ranges keep a run inside
them (a loss curve has one point a step, and steps stop at 10,000). An upload is capped in bytes before this
(PREPLAB_MAX_UPLOAD_BYTES); a run's result file is not, and meets the same limits here.
"""

from __future__ import annotations

from typing import Any

# How long a list (or how many keys an object) may be where the schema has one; "*" is any position.
LIST_LIMITS: dict[tuple[str, ...], int] = {
    ("tables",): 32,
    ("tables", "*", "columns"): 64,
    ("tables", "*", "rows"): 2_000,
    ("tables", "*", "rows", "*"): 64,
    ("charts",): 32,
    ("charts", "*", "x"): 10_000,
    ("charts", "*", "series"): 32,
    ("charts", "*", "series", "*", "values"): 10_000,
    ("checks",): 500,
    ("notes",): 100,
    ("params",): 100,
    ("env",): 100,
}
OTHER_LIST = 100  # any other list or object (a parameter's value, an environment extra)
MAX_STRING = 10_000  # characters in any one string: a title, a cell, a note, an error, a key
MAX_VALUES = 250_000  # numbers and strings in all, table cells and chart points together


class TooLarge(ValueError):
    """`path` (dotted, as a validation error names a field) holds `count` where `limit` is allowed; `kind` is
    "items" (of a list or an object), "characters" (of a string or a key) or "values" (in the whole result)."""

    def __init__(self, path: str, kind: str, count: int, limit: int) -> None:
        self.path, self.kind, self.count, self.limit = path, kind, count, limit
        super().__init__(f"{path}: {count:,} {kind}, at most {limit:,}")


def _limit(path: tuple[str, ...]) -> int:
    shape = tuple("*" if part.isdigit() else part for part in path)
    return LIST_LIMITS.get(shape, OTHER_LIST)


def check_bounds(data: Any) -> None:
    """Raise TooLarge for the first list, object, string or total that passes its limit (without recursion)."""
    values = 0
    stack: list[tuple[tuple[str, ...], Any]] = [((), data)]
    while stack:
        path, item = stack.pop()
        where = ".".join(path) or "(root)"
        if isinstance(item, dict | list):
            if len(item) > _limit(path):
                raise TooLarge(where, "items", len(item), _limit(path))
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and len(key) > MAX_STRING:
                    raise TooLarge(f"{where}.{key[:20]}…", "characters", len(key), MAX_STRING)
                stack.append(((*path, str(key)), child))
            continue
        values += 1
        if values > MAX_VALUES:
            raise TooLarge("(root)", "values", values, MAX_VALUES)
        if isinstance(item, str) and len(item) > MAX_STRING:
            raise TooLarge(where, "characters", len(item), MAX_STRING)
