"""Run one lab in-process at its default size for a device and validate the result against the schema."""

from __future__ import annotations

from types import ModuleType

from labs.core.env import capture
from labs.core.runner import RunContext
from labs.core.schema import LabResult


def run_lab(lab: ModuleType, device: str) -> LabResult:
    ctx = RunContext(device=device, env=capture(device), quiet=True)
    result = lab.run(lab.SPEC.resolve(device, {}), ctx)
    return LabResult.model_validate(result.model_dump())
