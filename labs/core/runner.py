"""Running one lab: the context a lab sees (device, progress, environment, ranks) and the run loop around it.

Under torchrun (RANK and WORLD_SIZE set) the runner joins the process group (nccl on cuda, gloo on cpu),
every rank runs the lab, and only rank 0 builds and writes the result.
"""

from __future__ import annotations

import json
import os
import random
import shlex
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from labs.core.env import capture
from labs.core.schema import Environment, LabResult


@dataclass
class RunContext:
    device: str  # "cpu" | "cuda"
    env: Environment
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    rank: int = 0
    world_size: int = 1
    quiet: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def progress(self, message: str, fraction: float | None = None) -> None:
        """One JSON line on stderr, from rank 0 only, so a UI can draw a progress bar."""
        if self.quiet or not self.is_main:
            return
        line = {"progress": None if fraction is None else round(float(fraction), 4), "message": message}
        sys.stderr.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stderr.flush()

    def result(self, spec: Any, params: dict[str, Any], **parts: Any) -> LabResult:
        """A LabResult with the fields every lab fills the same way; the runner sets duration and command."""
        return LabResult(lab=spec.id, version=spec.version, params=params, env=self.env,
                         started_at=self.started_at, duration_s=0.0, **parts)


def under_torchrun() -> bool:
    return "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1


def command_line(argv: list[str] | None = None) -> str:
    """The command that reproduces this run, as a learner would type it."""
    args = shlex.join((argv if argv is not None else sys.argv)[1:])
    if under_torchrun():
        per_node = os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", "1"))
        return f"torchrun --nproc-per-node {per_node} -m labs {args}"
    return f"python -m labs {args}"


def resolve_device(requested: str) -> str:
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for, but torch.cuda.is_available() is False")
    return requested


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def _init_distributed(device: str) -> tuple[int, int, str | None]:
    if not under_torchrun():
        return 0, 1, None
    import torch
    import torch.distributed as dist

    backend = "nccl" if device == "cuda" else "gloo"
    if device == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        dist.init_process_group(backend)
    return dist.get_rank(), dist.get_world_size(), backend


def is_out_of_memory(error: BaseException) -> bool:
    """A failed allocation: CUDA out of memory, Python's MemoryError or PyTorch's CPU allocator giving up."""
    import torch

    return (isinstance(error, (torch.cuda.OutOfMemoryError, MemoryError))
            or "DefaultCPUAllocator: can't allocate memory" in str(error))


def run_lab(module: ModuleType, params: dict[str, Any], device: str, *, argv: list[str] | None = None,
            quiet: bool = False) -> LabResult | None:
    """Run one lab on this process; returns the validated result on rank 0, None on the other ranks."""
    import torch

    rank, world_size, backend = _init_distributed(device)
    try:
        env = capture(device, world_size=world_size, backend=backend)
        ctx = RunContext(device=device, env=env, rank=rank, world_size=world_size, quiet=quiet)
        seed_everything(int(params.get("seed", 0)))
        start = time.perf_counter()
        try:
            result = module.run(params, ctx)
        except torch.cuda.OutOfMemoryError as error:
            result = ctx.result(module.SPEC, params, status="oom", error=str(error),
                                notes=["显存不足（CUDA out of memory）：换小一点的参数再试。"]) if ctx.is_main else None
        except (MemoryError, RuntimeError) as error:
            if not is_out_of_memory(error):
                raise
            result = ctx.result(module.SPEC, params, status="oom", error=str(error) or type(error).__name__,
                                notes=["内存不足（主机内存分配失败）：换小一点的参数再试。"]) if ctx.is_main else None
        if not ctx.is_main or result is None:
            return None
        result.duration_s = round(time.perf_counter() - start, 3)
        result.command = command_line(argv)
        return LabResult.model_validate(result.model_dump())
    finally:
        if backend is not None:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()
