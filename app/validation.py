"""Request input that the database and the JSON encoder can hold: strict numbers, finite floats, text without
lone surrogates; and validation errors turned into words that name the field, never echoing the value."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, field_validator

from app.messages import translate

# PostgreSQL's INTEGER, what every integer column is there (SQLite's holds up to 2^63 - 1): one more would be a
# database error (a 500), not "no such row", so the same bound holds on both databases.
MAX_SQL_INT = 2**31 - 1


def _encodable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(translate("input.surrogate", "en")) from None
    return value


def check_text(value: Any) -> Any:
    """Every string inside `value` (a string, a list, a dict) must be storable as UTF-8."""
    if isinstance(value, str):
        return _encodable(value)
    if isinstance(value, list | tuple):
        for item in value:
            check_text(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key)
            check_text(item)
    return value


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(translate("input.nul", "en"))
    return value


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a count is a number, not true or false")
    return value


StoredText = Annotated[str, AfterValidator(_encodable)]
# Ratings, counts and positions: a JSON true is not 1 and "3" is not 3.
StrictInt = Annotated[int, Strict()]
RowNumber = Annotated[int, Strict(), Field(ge=0, le=MAX_SQL_INT)]
# A count or difficulty that a form sends as text ("5") and JSON as a number; a JSON true is still no number.
Count = Annotated[int, BeforeValidator(_not_bool)]


class RequestBody(BaseModel):
    """A JSON body: unknown fields refused, no NaN or Infinity, every string storable."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        return check_text(value)


@dataclass(frozen=True)
class Problems:
    details: list[dict[str, Any]]  # FastAPI's shape (loc, msg, type), without the input
    fields: list[str]
    message: str


def _safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value if not isinstance(value, str) else value.encode("utf-8", "replace").decode("utf-8")
    return str(value)


def field_name(loc: Sequence[Any]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_messages(errors: Sequence[Any], lang: str) -> Problems:
    details, fields, lines = [], [], []
    for error in errors:
        loc = [_safe(part) for part in error.get("loc", ())]
        text = str(error.get("msg", "")).encode("utf-8", "replace").decode("utf-8")
        entry: dict[str, Any] = {"loc": loc, "msg": text, "type": error.get("type", "")}
        if error.get("ctx"):
            entry["ctx"] = {str(key): _safe(value) for key, value in error["ctx"].items()}
        details.append(entry)
        name = field_name(loc)
        if name not in fields:
            fields.append(name)
        lines.append(translate("input.field", lang, field=name, message=text))
    return Problems(details=details, fields=fields,
                    message=f"{translate('input.invalid', lang)}: " + "; ".join(lines))
