"""Will a run fit? Its peak memory, estimated before it starts by the lab's own `estimate_bytes` (labs/specs/*.py,
from labs/formulas.py, no torch), against what the device holds: the host's memory for the CPU (physical memory, or
the container's cgroup limit where that is lower), the GPU's memory as torch reports it where the probe found one,
and never more than PREPLAB_LAB_MEMORY_LIMIT_GIB when that is set. A run that cannot fit is refused with both
numbers instead of swapping the machine to a halt or failing an hour in."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.labs.catalog import Catalog
from app.labs.format import format_value
from app.labs.service import LabRequestError
from app.messages import translate
from labs.core.spec import LabSpec

GIB = 2**30
# cgroup v2, then v1; "max" (v2) or a huge number (v1) means no limit.
CGROUP_LIMITS = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))


@dataclass(frozen=True)
class MemoryLimit:
    limit_bytes: int
    where: str  # "cpu", "cuda" or "cap" (the setting)
    name: str = ""  # the GPU's name


class RunTooLarge(LabRequestError):
    """A run whose estimated peak memory is over the device's limit; the message gives both numbers (a 422, as any
    request that cannot start)."""

    def __init__(self, *, estimate_bytes: float, limit: MemoryLimit) -> None:
        self.estimate_bytes, self.limit = int(estimate_bytes), limit
        super().__init__(f"{self.message('zh')} / {self.message('en')}")

    def message(self, lang: str) -> str:
        where = translate(f"labs.memory.where.{self.limit.where}", lang, name=self.limit.name,
                          limit=format_value(self.limit.limit_bytes, "bytes").text,
                          limit_bytes=f"{self.limit.limit_bytes:,}")
        return translate("labs.memory.too_large", lang, estimate=format_value(self.estimate_bytes, "bytes").text,
                         estimate_bytes=f"{self.estimate_bytes:,}", where=where)

    def as_json(self) -> dict[str, Any]:
        return {"estimate_bytes": self.estimate_bytes, "limit_bytes": self.limit.limit_bytes,
                "limit_of": self.limit.where}


def _cgroup_limit() -> int | None:
    for path in CGROUP_LIMITS:
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            return int(text)
    return None


def host_memory_bytes() -> int | None:
    """Physical memory (os.sysconf), or the container's memory limit where it is lower; None where unknown."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = 0
    known = [value for value in (total, _cgroup_limit()) if value and value > 0]
    return min(known) if known else None


def device_limit(catalog: Catalog, device: str, *, cap_gib: float | None = None) -> MemoryLimit | None:
    """What a run on `device` may use; None where nothing is known (no check then)."""
    if device == "cuda":
        total = catalog.gpu_memory[0] if catalog.gpu_memory else None
        found = MemoryLimit(total, "cuda", catalog.gpu_names[0] if catalog.gpu_names else "") if total else None
    else:
        host = host_memory_bytes()
        found = MemoryLimit(host, "cpu") if host else None
    if cap_gib is not None and (found is None or cap_gib * GIB < found.limit_bytes):
        return MemoryLimit(int(cap_gib * GIB), "cap")
    return found


def check_fits(spec: LabSpec, device: str, params: dict[str, Any], limit: MemoryLimit | None) -> float | None:
    """The run's estimated peak bytes (None for a lab without an estimate); RunTooLarge when over `limit`."""
    if spec.estimate_bytes is None:
        return None
    estimate = spec.estimate_bytes(params, device)
    if limit is not None and estimate > limit.limit_bytes:
        raise RunTooLarge(estimate_bytes=estimate, limit=limit)
    return estimate
