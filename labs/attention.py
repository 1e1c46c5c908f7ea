"""注意力后端：数学实现 vs FlashAttention — F.scaled_dot_product_attention under every backend the device has.

    python -m labs run attention --device cpu                    # MATH and the CPU's FLASH_ATTENTION, s ≤ 512
    python -m labs run attention --device cuda --out attn.json   # all four CUDA backends, s = 1k … 16k, bf16
    python -m labs run attention --device cuda --set seq_lens=2048,4096,8192 --set causal=false

For each backend (torch.nn.attention.sdpa_kernel) and sequence length: one forward + backward of the same bf16
q, k, v of shape (b, a, s, d). Measured: bytes saved for backward (saved_tensors_hooks, exact, any device), the
CUDA allocator's peak above the inputs, and the median fwd+bwd time (CUDA events). The math path keeps the s×s
softmax output (in fp32: PyTorch computes the math path in fp32 for 16-bit inputs); the fused kernels
(FlashAttention, Dao et al. 2022; memory-efficient attention, Rabe & Staats 2021; cuDNN) keep only q, k, v, the
output and one fp32 log-sum-exp per row, and recompute the scores in backward.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from labs import formulas
from labs.core.memory import SavedTensors, cuda_peak_delta, reset_cuda_peak
from labs.core.runner import is_out_of_memory
from labs.core.schema import Chart, Check, Series, Table
from labs.core.timing import time_ms
from labs.specs.attention import SPEC, seq_lens

DTYPE = torch.bfloat16
BACKENDS = {"cpu": (SDPBackend.MATH, SDPBackend.FLASH_ATTENTION),
            "cuda": (SDPBackend.MATH, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.FLASH_ATTENTION,
                     SDPBackend.CUDNN_ATTENTION)}
FUSED = {SDPBackend.EFFICIENT_ATTENTION, SDPBackend.FLASH_ATTENTION, SDPBackend.CUDNN_ATTENTION}


def _inputs(p: dict, seq: int, device: str) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator(device=device).manual_seed(p["seed"] + seq)
    shape = (p["batch"], p["heads"], seq, p["head_dim"])
    q, k, v, grad_out = (torch.randn(shape, device=device, dtype=DTYPE, generator=generator) for _ in range(4))
    return q.requires_grad_(), k.requires_grad_(), v.requires_grad_(), grad_out


def _attend(backend: SDPBackend, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool) -> torch.Tensor:
    with sdpa_kernel(backend):
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)


def measure(backend: SDPBackend, p: dict, seq: int, device: str) -> dict[str, Any]:
    """Saved bytes, peak allocator bytes above the inputs, and median fwd+bwd milliseconds at one length."""
    q, k, v, grad_out = _inputs(p, seq, device)
    with SavedTensors() as saved:
        out = _attend(backend, q, k, v, p["causal"])
    del out  # the saved tensors stay alive until backward or until the graph goes
    baseline = reset_cuda_peak(device)
    _attend(backend, q, k, v, p["causal"]).backward(grad_out)
    peak = cuda_peak_delta(device, baseline)

    def step() -> None:
        _attend(backend, q, k, v, p["causal"]).backward(grad_out)

    return {"saved_bytes": saved.bytes, "peak_bytes": peak, "ms": time_ms(step, device, repeats=p["repeats"])}


def agreement(backend: SDPBackend, p: dict, seq: int, device: str) -> float:
    """Share of output elements within bf16 rounding (2e-2 abs + 2e-2 rel) of an fp32 math reference."""
    q, k, v, _ = _inputs(p, seq, device)
    with torch.no_grad():
        reference = _attend(SDPBackend.MATH, q.float(), k.float(), v.float(), p["causal"])
        out = _attend(backend, q, k, v, p["causal"]).float()
    return float(torch.isclose(out, reference, atol=2e-2, rtol=2e-2).float().mean())


def _fwd_bwd_flops(p: dict, seq: int) -> float:
    """4·b·a·s²·d forward (QKᵀ and PV) × 3.5 for fwd + recomputing bwd; half of it when causal."""
    flops = 3.5 * 4 * p["batch"] * p["heads"] * seq * seq * p["head_dim"]
    return flops / 2 if p["causal"] else flops


def run(params: dict, ctx: Any):
    device, p = ctx.device, params
    lengths = seq_lens(p["seq_lens"])
    results: dict[str, dict[int, dict[str, Any]]] = {}
    notes = []
    for index, backend in enumerate(BACKENDS[device]):
        name = backend.name
        ctx.progress(f"{name}", 0.05 + 0.8 * index / len(BACKENDS[device]))
        for seq in lengths:
            try:
                results.setdefault(name, {})[seq] = measure(backend, p, seq, device)
            except RuntimeError as error:  # no kernel for these inputs on this device, or out of memory
                if is_out_of_memory(error) and seq != lengths[0]:
                    notes.append(f"{name} 在 s={seq} 显存不足，跳过更长的序列。")
                else:
                    notes.append(f"{name} 不可用（s={seq}）：{str(error).splitlines()[0][:160]}")
                if not results.get(name):
                    results.pop(name, None)
                if device == "cuda":
                    torch.cuda.empty_cache()
                break
    ctx.progress("数值一致性", 0.9)
    by_name = {backend.name: backend for backend in BACKENDS[device]}
    agree = {name: agreement(by_name[name], p, lengths[0], device) for name in results}

    b, a, d = p["batch"], p["heads"], p["head_dim"]
    s1, s2 = lengths[-2], lengths[-1]
    checks = []
    math = results["MATH"]
    if s2 in math and s1 in math:
        measured_growth = math[s2]["saved_bytes"] - (s2 / s1) * math[s1]["saved_bytes"]
        predicted_growth = formulas.FP32_BYTES * b * a * (s2 * s2 - s1 * s2)  # the linear terms cancel
        checks.append(Check.compare(
            f"数学实现保存 s×s 的 softmax 输出（fp32）：saved(s={s2}) − {s2 // s1}·saved(s={s1}) = 4·b·a·(s₂² − s₁s₂)",
            predicted_growth, measured_growth, unit="bytes", tolerance=0.01))
        checks.append(Check.compare(f"数学实现在 s={s2} 保存的字节 = 4·(3·b·a·s·d + b·a·s²)"
                                    "（q、kᵀ、v 与概率矩阵，fp32）",
                                    formulas.sdpa_saved_bytes(b, a, s2, d, attention="math"),
                                    math[s2]["saved_bytes"], unit="bytes", tolerance=0.01))
    for name in sorted(set(results) & {backend.name for backend in FUSED}):
        longest = max(results[name])
        checks.append(Check.compare(
            f"{name} 在 s={longest} 保存的字节 = 2·4·b·a·s·d + 4·b·a·s（q、k、v、输出与 fp32 log-sum-exp，无 s×s）",
            formulas.sdpa_saved_bytes(b, a, longest, d, attention="fused"), results[name][longest]["saved_bytes"],
            unit="bytes", tolerance=0.02))
    flash = results.get("FLASH_ATTENTION", {})
    if lengths[0] in flash and lengths[-1] in flash:
        ratio = lengths[-1] / lengths[0]
        checks.append(Check.compare(f"FlashAttention 保存的字节随 s 线性增长："
                                    f"saved(s={lengths[-1]}) / saved(s={lengths[0]})"
                                    f" = {ratio:g}", ratio, flash[lengths[-1]]["saved_bytes"]
                                    / flash[lengths[0]]["saved_bytes"], unit="×", tolerance=0.01))
        if device == "cuda":
            checks.append(Check.compare(f"FlashAttention 前向+反向的峰值显存随 s 线性增长：峰值比 = {ratio:g}", ratio,
                                        flash[lengths[-1]]["peak_bytes"] / flash[lengths[0]]["peak_bytes"], unit="×",
                                        tolerance=0.05))
            if s1 in flash and s2 in flash:
                checks.append(Check.compare(f"FlashAttention 计算量 ∝ s²：s 从 {s1} 到 {s2}，前向+反向时间 ×4",
                                            (s2 / s1) ** 2, flash[s2]["ms"] / flash[s1]["ms"], unit="×",
                                            tolerance=0.2))
    checks.append(Check.compare(f"所有后端算的是同一个函数：s={lengths[0]} 时输出与 fp32 数学参考在 bf16 舍入内"
                                "（|Δ| ≤ 0.02 + 0.02|ref|）的比例 = 1（取各后端最小）", 1.0, min(agree.values()),
                                unit="fraction", tolerance=1e-3))

    names = list(results)
    rows = []
    for name in names:
        fused = name != "MATH"
        for seq, r in results[name].items():
            predicted = formulas.sdpa_saved_bytes(b, a, seq, d, attention="fused" if fused else "math")
            tflops = _fwd_bwd_flops(p, seq) / (r["ms"] / 1e3) / 1e12
            rows.append([name, seq, round(predicted), r["saved_bytes"], r["peak_bytes"], round(r["ms"], 3),
                         round(tflops, 2), agree[name]])
    speed_rows = []
    for seq in lengths:
        times = {name: results[name][seq]["ms"] if seq in results[name] else None for name in names}
        base = times.get("MATH")
        speed_rows.append([seq, *[None if t is None else round(t, 3) for t in times.values()],
                           *[None if t is None or base is None else round(base / t, 2) for t in times.values()]])
    tables = [
        Table(title=f"各后端前向+反向（b={b}, a={a}, d={d}, {'因果' if p['causal'] else '非因果'}, bf16）", columns=[
            "backend", "seq_len", "saved_bytes_predicted", "saved_bytes", "peak_mem_bytes", "fwd_bwd_ms", "tflops",
            "agree_fraction"], rows=rows),
        Table(title="加速比（相对 MATH）", columns=["seq_len", *[f"{n}_ms" for n in names],
                                                 *[f"{n}_speedup_x" for n in names]], rows=speed_rows),
    ]

    def series(key: str, scale: float, unit: str) -> list[Series]:
        return [Series(name=name, unit=unit, values=[results[name][seq][key] / scale
                                                      if seq in results[name] and results[name][seq][key] is not None
                                                      else None for seq in lengths]) for name in names]

    charts = [Chart(title="前向+反向时间随序列长度（ms）", kind="line", x=lengths, x_label="seq_len", y_label="ms",
                    series=series("ms", 1.0, "ms")),
              Chart(title="为反向保存的字节随序列长度（MiB）", kind="line", x=lengths, x_label="seq_len", y_label="MiB",
                    series=series("saved_bytes", 2**20, "MiB"))]
    if device == "cuda":
        charts.append(Chart(title="前向+反向的峰值显存（MiB，高于输入）", kind="line", x=lengths, x_label="seq_len",
                            y_label="MiB", series=series("peak_bytes", 2**20, "MiB")))
    notes += [
        "“保存的字节”是 saved_tensors_hooks 收到的张量按 storage 去重后的总和；“峰值显存”是 fwd+bwd 期间 CUDA 分配器的"
        "峰值减去开始时已分配的字节（q、k、v、grad_out 之外新增的部分），CPU 上为空。",
        "数学实现（MATH）对 bf16 输入在 fp32 中计算（PyTorch 的 allowFP16BF16ReductionMathSDP 默认关闭），所以 s×s "
        "的 softmax 输出每个元素 4 字节；它随 s² 增长，融合内核只随 s 增长。",
        "tflops 按 3.5 × 4·b·a·s²·d 计（前向 2 个矩阵乘、反向 5 个，含重算分数矩阵），因果时减半；MATH 反向实际不重算，"
        "所以它的 tflops 只作同一口径的比较。",
    ]
    if device == "cpu":
        notes.append("CPU 只有 MATH 与 FLASH_ATTENTION（CPU 版 flash 内核）两个后端；时间只作参照。")
    return ctx.result(SPEC, p, tables=tables, charts=charts, checks=checks, notes=notes)
