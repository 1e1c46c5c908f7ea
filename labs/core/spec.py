"""What a lab declares about itself: id, titles, concepts, typed parameters with ranges, cpu and gpu sizes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

ParamType = Literal["int", "float", "bool", "str"]


class ParamError(ValueError):
    """A parameter value that is not allowed; the message names the parameter."""


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType
    default: Any
    help_zh: str
    help_en: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] | None = None

    def parse(self, raw: Any) -> Any:
        """Convert and validate one value (from `--set k=v`, a form or JSON)."""
        try:
            value = _convert(self.type, raw)
        except (TypeError, ValueError) as error:
            raise ParamError(f"{self.name}: {raw!r} is not a valid {self.type}") from error
        if self.choices is not None and value not in self.choices:
            raise ParamError(f"{self.name}: {value!r} is not one of {list(self.choices)}")
        if self.minimum is not None and value < self.minimum:
            raise ParamError(f"{self.name}: {value} is below the minimum {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise ParamError(f"{self.name}: {value} is above the maximum {self.maximum}")
        return value


def _convert(kind: ParamType, raw: Any) -> Any:
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ValueError(raw)
    if kind == "int":
        if isinstance(raw, float) and not raw.is_integer():
            raise ValueError(raw)
        return int(raw)
    if kind == "float":
        return float(raw)
    return str(raw)


@dataclass(frozen=True)
class LabSpec:
    id: str
    title_zh: str
    title_en: str
    summary_zh: str
    concepts: tuple[str, ...]  # concept ids of content/concepts.yaml this lab demonstrates
    params: tuple[Param, ...]
    cpu_size: dict[str, Any] = field(default_factory=dict)  # overrides for a small run on CPU (CI)
    gpu_size: dict[str, Any] = field(default_factory=dict)  # overrides for a real run on a GPU
    distributed: bool = False  # runs under torchrun (or spawns its own ranks on CPU)
    version: str = "1"
    # Rules that tie parameters together (e.g. steps > warmup_steps); raises ParamError naming them.
    validate: Callable[[dict[str, Any]], None] | None = None
    summary_en: str = ""  # the summary for the app's English pages (summary_zh where empty)
    # Bytes a run with these (resolved) parameters holds at its peak on `device` ("cpu": host memory, all of the
    # run's processes; "cuda": one GPU's memory), from labs/formulas.py; the app refuses a run that cannot fit.
    estimate_bytes: Callable[[dict[str, Any], str], float] | None = None

    def resolve(self, device: str, overrides: dict[str, Any]) -> dict[str, Any]:
        """Defaults, then the size for the device, then the caller's overrides — every value validated."""
        known = {param.name: param for param in self.params}
        unknown = set(overrides) - set(known)
        if unknown:
            raise ParamError(f"unknown parameter(s) for {self.id}: {', '.join(sorted(unknown))}")
        values = {name: param.default for name, param in known.items()}
        values.update(self.cpu_size if device == "cpu" else self.gpu_size)
        values.update(overrides)
        resolved = {name: known[name].parse(value) for name, value in values.items()}
        if self.validate is not None:
            self.validate(resolved)
        return resolved
