"""The labs that can run: an explicit map of lab id to module; a module is imported only when asked for."""

from __future__ import annotations

import importlib
from types import ModuleType

LABS: dict[str, str] = {
    "zero-memory": "labs.zero_memory",
    "mixed-precision": "labs.mixed_precision",
    "lora": "labs.lora",
}


class LabNotFound(LookupError):
    """An id that is not registered, or a registered id whose module cannot be imported."""


def load(lab_id: str) -> ModuleType:
    if lab_id not in LABS:
        raise LabNotFound(f"unknown lab {lab_id!r}; registered labs: {', '.join(sorted(LABS))}")
    module_name = LABS[lab_id]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            message = f"lab {lab_id!r} is registered as {module_name}, but that module does not exist"
            raise LabNotFound(message) from error
        raise
    if not hasattr(module, "SPEC") or not hasattr(module, "run"):
        raise LabNotFound(f"lab module {module_name} must define SPEC and run(params, ctx)")
    return module
