"""The labs that can run: an explicit map of lab id to module; a module is imported only when asked for."""

from __future__ import annotations

import importlib
from types import ModuleType

from labs.core.spec import LabSpec

LABS: dict[str, str] = {
    "zero-memory": "labs.zero_memory",
    "mixed-precision": "labs.mixed_precision",
    "lora": "labs.lora",
    "activation-memory": "labs.activation_memory",
    "attention": "labs.attention",
    "kv-cache": "labs.kv_cache",
    "model-math": "labs.model_math",
}


def spec_module(lab_id: str) -> str:
    """labs.zero_memory → labs.specs.zero_memory: the spec lives apart from the torch code."""
    return LABS[lab_id].replace("labs.", "labs.specs.", 1)


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


def load_spec(lab_id: str) -> LabSpec:
    """A registered lab's spec, read without importing the lab itself (so without torch)."""
    if lab_id not in LABS:
        raise LabNotFound(f"unknown lab {lab_id!r}; registered labs: {', '.join(sorted(LABS))}")
    try:
        module = importlib.import_module(spec_module(lab_id))
    except ModuleNotFoundError as error:
        message = f"lab {lab_id!r}: its spec module {spec_module(lab_id)} does not exist"
        raise LabNotFound(message) from error
    spec = getattr(module, "SPEC", None)
    if not isinstance(spec, LabSpec) or spec.id != lab_id:
        raise LabNotFound(f"{spec_module(lab_id)} must define SPEC for {lab_id!r}")
    return spec
