"""Timing the labs share: CUDA events on the GPU, perf_counter on the CPU; the device's measured ceilings.

The ceilings are measured in the run itself, never taken from a datasheet: the best large bf16 matmul (FLOP/s)
and a large device-to-device copy (bytes read + written per second).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def time_ms(fn: Callable[[], object], device: str, *, repeats: int = 5, warmup: int = 1) -> float:
    """Median milliseconds of `fn()` over `repeats` runs after `warmup` untimed ones (events on the GPU)."""
    for _ in range(warmup):
        fn()
    spans = []
    for _ in range(repeats):
        if device == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            spans.append(start.elapsed_time(end))
        else:
            began = time.perf_counter()
            fn()
            spans.append((time.perf_counter() - began) * 1e3)
    return statistics.median(spans)


def matmul_peak_flops(device: str, *, size: int, dtype: torch.dtype = torch.bfloat16, repeats: int = 10) -> float:
    """Measured peak: the best of three timings of `repeats` size³ matmuls, in FLOP/s (2·n³ each)."""
    a = torch.randn(size, size, device=device).to(dtype)
    b = torch.randn(size, size, device=device).to(dtype)

    def products() -> None:
        for _ in range(repeats):
            a @ b

    best_ms = min(time_ms(products, device, repeats=1, warmup=1) for _ in range(3))
    return 2 * size**3 * repeats / (best_ms / 1e3)


def copy_bandwidth(device: str, *, nbytes: int, repeats: int = 10) -> float:
    """Measured memory bandwidth: bytes read + written per second by a large device-to-device copy (median)."""
    source = torch.empty(nbytes // 2, dtype=torch.bfloat16, device=device).normal_()
    target = torch.empty_like(source)
    milliseconds = time_ms(lambda: target.copy_(source), device, repeats=repeats, warmup=2)
    return 2 * source.numel() * source.element_size() / (milliseconds / 1e3)
