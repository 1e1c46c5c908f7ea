"""Environment capture: what a lab result needs to say about the machine that produced it."""

from __future__ import annotations

import os
import platform
import socket
import sys

from labs.core.schema import Environment


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def capture(device: str, *, world_size: int = 1, backend: str | None = None) -> Environment:
    import torch

    on_cuda = device == "cuda" and torch.cuda.is_available()
    if on_cuda:
        index = int(os.environ.get("LOCAL_RANK", "0")) % max(torch.cuda.device_count(), 1)
        device_name = torch.cuda.get_device_name(index)
    else:
        device_name = cpu_model()
    return Environment(
        python=platform.python_version() or sys.version.split()[0],
        torch=torch.__version__,
        cuda=torch.version.cuda,
        device=device,
        device_name=device_name,
        gpu_count=torch.cuda.device_count() if torch.cuda.is_available() else 0,
        world_size=world_size,
        backend=backend,
        hostname=socket.gethostname(),
    )
