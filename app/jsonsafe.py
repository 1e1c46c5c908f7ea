"""JSON from outside (uploads, progress files, lab results): standard JSON only, with a bounded nesting depth.

Python's parser takes NaN and Infinity, which JSON does not have and PrepLab cannot send back, and a file nested a
few thousand levels deep ends in RecursionError; both are plain ValueErrors here, with a message a person can act
on."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64  # far deeper than any PrepLab document; shallow enough for every later recursive walk


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} 不是 JSON 的数值 / {name} is not a JSON number")


def depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (0 for a scalar), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def loads_bounded(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError(f"JSON 嵌套过深（超过 {max_depth} 层）/ JSON nested deeper than {max_depth} levels") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"第 {error.lineno} 行第 {error.colno} 列 / line {error.lineno} column {error.colno}: "
                         f"{error.msg}") from None
    except UnicodeDecodeError:
        raise ValueError("不是 UTF-8 文本 / not UTF-8 text") from None
    if depth(value) > max_depth:
        raise ValueError(f"JSON 嵌套过深（超过 {max_depth} 层）/ JSON nested deeper than {max_depth} levels")
    return value
