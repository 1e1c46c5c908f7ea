"""混合精度训练：速度、显存与数值 — fp32 vs tf32 vs fp16 (+GradScaler) vs bf16 autocast.

    python -m labs run mixed-precision --device cpu                       # small, CPU, about 20 s
    python -m labs run mixed-precision --device cuda --out mp.json        # GPT ~124M-style, 8192³ matmuls
    python -m labs run mixed-precision --device cuda --set steps=100 --set batch_size=8

(a) trains the same small GPT (built from a config, no downloaded weights) in every precision mode: step time,
tokens/s, peak allocator memory (GPU), loss; (b) times large matmuls per dtype and takes the best as the measured
peak of this device (not the datasheet's); MFU = 6·N·tokens / step time over the measured bf16 peak; (c) number
formats: fp16 underflow / overflow of real gradients, bf16 range, rounding error, GradScaler's scale per step.
"""

from __future__ import annotations

import contextlib
import gc
import math
import time

import torch
import torch.nn.functional as F
from torch import nn

from labs import formulas
from labs.core.data import permutation_batches
from labs.core.runner import is_out_of_memory
from labs.core.schema import Chart, Check, Series, Table
from labs.specs.mixed_precision import SPEC

FP16_MIN_SUBNORMAL = 2.0**-24  # torch.finfo(torch.float16).smallest_subnormal
FP16_OVERFLOW_AT = 65520.0  # 65504 = max; round-to-nearest sends |x| >= 65504 + half an ulp (16) to inf
MODES = ("fp32", "tf32", "fp16", "bf16")
MATMUL_DTYPES = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


class Block(nn.Module):
    def __init__(self, d_model: int, n_head: int):
        super().__init__()
        self.n_head = n_head
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv, self.proj = nn.Linear(d_model, 3 * d_model), nn.Linear(d_model, d_model)
        self.fc, self.out = nn.Linear(d_model, 4 * d_model), nn.Linear(4 * d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, seq, width = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(width, dim=2)
        q, k, v = (t.view(batch, seq, self.n_head, width // self.n_head).transpose(1, 2) for t in (q, k, v))
        attention = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(attention.transpose(1, 2).reshape(batch, seq, width))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self, p: dict):
        super().__init__()
        self.token = nn.Embedding(p["vocab_size"], p["d_model"])
        self.position = nn.Embedding(p["seq_len"], p["d_model"])
        self.blocks = nn.ModuleList(Block(p["d_model"], p["n_head"]) for _ in range(p["n_layer"]))
        self.ln, self.head = nn.LayerNorm(p["d_model"]), nn.Linear(p["d_model"], p["vocab_size"], bias=False)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.token(tokens) + self.position(torch.arange(tokens.shape[1], device=tokens.device))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x))


def _batches(p: dict, device: str) -> list[torch.Tensor]:
    """Sequences that follow a fixed random permutation (next = perm[current]) from random starts: learnable."""
    return permutation_batches(vocab_size=p["vocab_size"], batch_size=p["batch_size"], seq_len=p["seq_len"],
                               steps=p["steps"], seed=p["seed"], device=device)


class _Timer:
    """CUDA events on the GPU (the step's kernels, not Python's launch time); perf_counter on the CPU."""

    def __init__(self, device: str):
        self.device, self.spans, self._start = device, [], None

    def start(self) -> None:
        if self.device == "cuda":
            self._start = torch.cuda.Event(enable_timing=True)
            self._start.record()
        else:
            self._start = time.perf_counter()

    def stop(self) -> None:
        if self.device == "cuda":
            end = torch.cuda.Event(enable_timing=True)
            end.record()
            self.spans.append((self._start, end))
        else:
            self.spans.append((time.perf_counter() - self._start) * 1e3)

    def ms(self) -> list[float]:
        if self.device == "cuda":
            torch.cuda.synchronize()
            return [start.elapsed_time(end) for start, end in self.spans]
        return list(self.spans)


@contextlib.contextmanager
def _matmul_precision(mode: str):
    before = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("high" if mode == "tf32" else "highest")
    try:
        yield
    finally:
        torch.set_float32_matmul_precision(before)


def _train(mode: str, p: dict, batches: list[torch.Tensor], device: str) -> dict:
    torch.manual_seed(p["seed"])
    if device == "cuda":
        gc.collect()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    model = GPT(p).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=p["lr"])
    autocast_dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(mode)
    scaler = torch.amp.GradScaler(device, growth_interval=p["scaler_growth_interval"]) if mode == "fp16" else None
    timer, losses, scales = _Timer(device), [], []
    with _matmul_precision(mode):
        for step, tokens in enumerate(batches):
            if step >= p["warmup_steps"]:
                timer.start()
            with torch.autocast(device, dtype=autocast_dtype or torch.float32, enabled=autocast_dtype is not None):
                logits = model(tokens[:, :-1])
                loss = F.cross_entropy(logits.float().flatten(0, 1), tokens[:, 1:].flatten())
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                optimizer.step()
            if step >= p["warmup_steps"]:
                timer.stop()
            losses.append(loss.detach())
            if scaler is not None:
                scales.append(scaler.get_scale())
    step_ms = sum(timer.ms()) / len(timer.spans)
    matmul_params = sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Linear))
    result = {"step_ms": step_ms, "losses": [float(x) for x in losses], "scales": scales, "model": model,
              "matmul_params": matmul_params,
              "peak_mem_bytes": torch.cuda.max_memory_allocated() if device == "cuda" else None}
    del optimizer
    return result


def _matmul_tflops(dtype: torch.dtype, mode: str, n: int, repeats: int, device: str) -> float:
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    with _matmul_precision(mode):
        a @ b  # warm-up: kernel selection, cuBLAS workspace
        timer = _Timer(device)
        timer.start()
        for _ in range(repeats):
            a @ b
        timer.stop()
        seconds = timer.ms()[0] / 1e3
    return 2 * n**3 * repeats / seconds / 1e12


def _share(mask: torch.Tensor) -> float:
    return mask.sum().item() / max(mask.numel(), 1)


def _numerics(gradients: torch.Tensor, p: dict) -> tuple[list[Check], Table]:
    """Casts real fp32 gradients to fp16 / bf16 and compares what the number formats predict with what happened."""
    g = gradients[gradients != 0]
    shift = p["underflow_median_log2"] - round(math.log2(g.abs().median().item()))
    small = g * 2.0**shift  # a power of two: exact in fp32
    large = g * 2.0 ** p["overflow_log2"]
    fp16_small, bf16_small = small.half(), small.bfloat16()
    predicted_under = _share(small.abs() <= FP16_MIN_SUBNORMAL / 2)  # ties go to even, i.e. to 0
    measured_under = _share(fp16_small == 0)
    bf16_tiny = torch.finfo(torch.bfloat16).tiny
    predicted_bf16_under = _share(small.abs() < bf16_tiny)  # even the normal range holds them
    measured_bf16_under = _share(bf16_small == 0)
    predicted_inf = int((large.abs() >= FP16_OVERFLOW_AT).sum())
    measured_inf = int(torch.isinf(large.half()).sum())
    normal = g[(g.abs() >= torch.finfo(torch.float16).tiny) & (g.abs() <= 65504)]
    fp16_relerr = ((normal.half().float() - normal).abs() / normal.abs()).max().item()
    bf16_relerr = ((g.bfloat16().float() - g).abs() / g.abs()).max().item()
    checks = [
        Check.compare(f"fp16 下溢：梯度×2^{shift} 后转 fp16 变成 0 的比例 = |g| ≤ 2^-25 的比例"
                      "（最小次正规数 2^-24，舍入到最近）", predicted_under, measured_under, unit="fraction",
                      tolerance=0.05),
        Check.compare(f"fp16 上溢：梯度×2^{p['overflow_log2']} 后变成 inf 的个数 = |g·s| ≥ 65520 的个数",
                      predicted_inf, measured_inf, unit="count", tolerance=0.0),
        Check.compare("bf16 与 fp32 同为 8 位指数：同样的小梯度转 bf16 后变 0 的比例 = 低于 1.18e-38 的比例",
                      predicted_bf16_under, measured_bf16_under, unit="fraction", tolerance=0.05),
        Check.compare("fp16 有 11 位有效位：正规数范围内的最大相对舍入误差 = 2^-11", 2.0**-11, fp16_relerr,
                      unit="relative error", tolerance=0.05),
        Check.compare("bf16 只有 8 位有效位：最大相对舍入误差 = 2^-8", 2.0**-8, bf16_relerr,
                      unit="relative error", tolerance=0.05),
    ]
    table = Table(title="梯度转换为低精度（真实 fp32 梯度）", columns=[
        "case", "nonzero_grads", "fp16_zero_fraction", "bf16_zero_fraction", "fp16_inf_count", "bf16_inf_count"],
        rows=[["g (as trained)", g.numel(), _share(g.half() == 0), _share(g.bfloat16() == 0),
               int(torch.isinf(g.half()).sum()), int(torch.isinf(g.bfloat16()).sum())],
              [f"g × 2^{shift}", g.numel(), measured_under, measured_bf16_under,
               int(torch.isinf(fp16_small).sum()), int(torch.isinf(bf16_small).sum())],
              [f"g × 2^{p['overflow_log2']}", g.numel(), _share(large.half() == 0),
               _share(large.bfloat16() == 0), measured_inf, int(torch.isinf(large.bfloat16()).sum())]])
    return checks, table


def run(params: dict, ctx):
    device, p = ctx.device, params
    torch.manual_seed(p["seed"])
    notes = ["峰值 TFLOP/s 是本次运行中各 dtype 多次大矩阵乘的最好成绩（实测峰值），不是厂商数据表的数值。",
             "MFU = 6·N·tokens / 步时 / 实测 bf16 峰值；N 只计矩阵乘权重（不含 embedding 查表），不含注意力的 FLOPs。"]
    modes = list(MODES)
    if device == "cpu":
        modes.remove("tf32")
        notes.append("CPU 上没有 tf32（它是 NVIDIA Tensor Core 的格式），跳过 tf32 模式；CPU 不报告显存峰值（n/a）。")
    ctx.progress("准备数据", 0.0)
    batches = _batches(p, device)
    tokens_per_step = p["batch_size"] * p["seq_len"]

    ctx.progress("矩阵乘吞吐", 0.05)
    n, repeats = p["matmul_size"], p["matmul_repeats"]
    matmul = {}
    for mode in modes:
        dtype = MATMUL_DTYPES[mode]
        trials = {size: [_matmul_tflops(dtype, mode, size, repeats, device) for _ in range(3)] for size in (n // 2, n)}
        matmul[mode] = {"at_n": sorted(trials[n])[1], "peak": max(max(v) for v in trials.values())}
    bf16_peak = matmul["bf16"]["peak"]

    runs = {}
    for index, mode in enumerate(modes):
        ctx.progress(f"训练 {mode}", 0.1 + 0.6 * index / len(modes))
        try:
            runs[mode] = _train(mode, p, batches, device)
        except RuntimeError as error:  # e.g. a dtype a CPU kernel lacks: skip with a note, never pretend
            if is_out_of_memory(error):  # the whole run ends as an "oom" result (labs/core/runner.py)
                raise
            notes.append(f"{mode} 在 {device} 上无法运行，已跳过：{str(error).splitlines()[0]}")
    mode_rows = []
    for mode, r in runs.items():
        tokens_per_sec = tokens_per_step / (r["step_ms"] / 1e3)
        model_tflops = 6 * r["matmul_params"] * tokens_per_sec / 1e12  # 6N per token (labs/formulas.py)
        mode_rows.append([mode, round(r["step_ms"], 3), round(tokens_per_sec, 1),
                          r["peak_mem_bytes"], round(r["losses"][-1], 4), round(model_tflops, 4),
                          round(formulas.mfu(6 * r["matmul_params"], tokens_per_sec, bf16_peak * 1e12), 4)
                          if device == "cuda" else None])
    matmul_rows = [[mode, str(MATMUL_DTYPES[mode]).removeprefix("torch."), n, round(m["at_n"], 3),
                    round(m["peak"], 3), round(m["at_n"] / bf16_peak, 4) if device == "cuda" else None]
                   for mode, m in matmul.items()]

    ctx.progress("数值实验", 0.8)
    fp32_model = runs["fp32"]["model"]
    fp32_model.zero_grad()
    tokens = batches[-1]
    F.cross_entropy(fp32_model(tokens[:, :-1]).flatten(0, 1), tokens[:, 1:].flatten()).backward()
    gradients = torch.cat([q.grad.detach().float().flatten().cpu() for q in fp32_model.parameters()])
    checks, numerics_table = _numerics(gradients, p)
    if device == "cuda" and "fp16" in matmul:
        checks.append(Check.compare("Tensor Core 上 fp16 与 bf16 的矩阵乘峰值相同（A100/H100 数据表：两者同速）",
                                    1.0, matmul["fp16"]["peak"] / bf16_peak, unit="ratio", tolerance=0.10))
    if device == "cpu":
        notes.append("CPU 上矩阵乘吞吐只作参照：fp16/bf16 在多数 CPU 上没有专用矩阵单元，可能比 fp32 还慢。")

    steps = list(range(1, p["steps"] + 1))
    charts = [Chart(title="各精度模式的训练损失", kind="line", x=steps, x_label="step", y_label="loss",
                    series=[Series(name=mode, values=r["losses"]) for mode, r in runs.items()])]
    if "fp16" in runs:
        charts.append(Chart(title="fp16 训练中 GradScaler 的缩放因子", kind="line", x=steps, x_label="step",
                            y_label="scale", series=[Series(name="scale", values=runs["fp16"]["scales"])]))
        notes.append(f"GradScaler 初始 scale 65536，连续 {p['scaler_growth_interval']} 步无 inf 则翻倍（PyTorch 默认 "
                     "2000，这里调小以便在短训练中看到变化），遇 inf 则减半并跳过该步；"
                     f"本次最终 scale = {runs['fp16']['scales'][-1]:g}。")
    tables = [
        Table(title="各精度模式训练同一 GPT（AdamW）", columns=[
            "mode", "step_ms", "tokens_per_sec", "peak_mem_bytes", "final_loss", "tflops", "fraction_of_peak"],
            rows=mode_rows),
        Table(title=f"矩阵乘吞吐（{n}³，实测峰值 = 本次最好成绩）", columns=[
            "mode", "dtype", "n", "tflops", "measured_peak_tflops", "fraction_of_bf16_peak"], rows=matmul_rows),
        numerics_table,
    ]
    notes.append(f"初始损失约 ln(V) = {math.log(p['vocab_size']):.3f}；数据按固定置换生成，可学习，损失应下降。")
    return ctx.result(SPEC, p, tables=tables, charts=charts, checks=checks, notes=notes)
