"""激活显存：每层保存多少字节 — bytes a transformer layer keeps for backward, checkpointing, gradient accumulation.

    python -m labs run activation-memory --device cpu                  # h = 256, s ≤ 512: a few seconds
    python -m labs run activation-memory --device cuda --out act.json  # h = 4096, s ≤ 4096, bf16
    python -m labs run activation-memory --device cuda --set dropout=0 --set seq_len=4096

The layer is the one Korthikanti et al. 2022 (arXiv:2205.05198, §4.1) count, written out op by op: pre-LayerNorm,
math attention (QKᵀ → softmax → dropout → ·V, all 16-bit), a 4h GeLU MLP, dropout after the softmax and after both
projections, 1-byte dropout masks (torch.native_dropout, the fused kernel, on every device), bf16 throughout.
It matches their eq. (1), s·b·h·(34 + 5·a·s/h) bytes; with dropout=0 it matches s·b·h·(32 + 2·a·s/h); with
attention="fused" (F.scaled_dot_product_attention, FlashAttention backend) no s×s tensor is kept at all.
Measured: the distinct storages autograd saves (saved_tensors_hooks), the storages a forward pass leaves alive
(for checkpointing, whose saved inputs autograd does not see), and on a GPU the CUDA allocator.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.checkpoint import checkpoint, create_selective_checkpoint_contexts

from labs import formulas
from labs.core.memory import LiveStorages, SavedTensors, cuda_allocated
from labs.core.schema import Chart, Check, Series, Table
from labs.core.timing import time_ms
from labs.specs.activation_memory import SPEC, _ints

DTYPE = torch.bfloat16
MATMUL_OPS = [torch.ops.aten.mm.default, torch.ops.aten.addmm.default]  # the linears; attention uses bmm
STRATEGIES = ("none", "selective", "matmul-outputs", "full")
STRATEGY_NAMES = {"none": "不重算 / none", "selective": "选择性：重算注意力核心（论文 §5）",
                  "matmul-outputs": "SAC：只存 4 个 Linear 的输出", "full": "全量：只存层输入"}


def _dropout(x: torch.Tensor, p: float) -> torch.Tensor:
    # native_dropout keeps a bool (1-byte) mask on CPU and GPU alike; F.dropout on the CPU keeps a 16-bit one
    return torch.native_dropout(x, p, True)[0] if p > 0 else x


class Layer(nn.Module):
    """One GPT layer, op for op as the paper counts it."""

    def __init__(self, hidden: int, heads: int, dropout: float, attention: str = "math"):
        super().__init__()
        self.heads, self.dropout, self.attention = heads, dropout, attention
        self.ln1, self.ln2 = nn.LayerNorm(hidden), nn.LayerNorm(hidden)
        self.qkv, self.proj = nn.Linear(hidden, 3 * hidden), nn.Linear(hidden, hidden)
        self.fc1, self.fc2 = nn.Linear(hidden, 4 * hidden), nn.Linear(4 * hidden, hidden)

    def core(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """softmax(QKᵀ/√d + causal mask) · V — the part selective recomputation recomputes."""
        if self.attention == "fused":
            with sdpa_kernel(SDPBackend.FLASH_ATTENTION):  # keeps q, k, v, the output and a log-sum-exp
                return F.scaled_dot_product_attention(q, k, v, is_causal=True)
        seq = q.shape[-2]
        # head-major copies: the batched matmuls then keep exactly one (b·a, s, d) tensor each, whatever b is
        # (for b = 1 they could keep views of the whole QKV output instead)
        q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
        scores = (q * (1 / math.sqrt(q.shape[-1]))) @ k.transpose(-2, -1)  # 4sbh kept: the scaled Q and K
        mask = torch.full((seq, seq), float("-inf"), device=q.device, dtype=q.dtype).triu(1)
        probs = torch.softmax(scores + mask, dim=-1)  # 2as²b kept: the softmax output
        return _dropout(probs, self.dropout) @ v  # as²b mask + 2as²b dropout output + 2sbh V

    def forward(self, x: torch.Tensor, recompute: str = "none") -> torch.Tensor:
        batch, seq, hidden = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(hidden, dim=2)  # 2sbh LN input, 2sbh QKV input
        q, k, v = (t.view(batch, seq, self.heads, hidden // self.heads).transpose(1, 2) for t in (q, k, v))
        if recompute == "selective":
            context = checkpoint(self.core, q, k, v, use_reentrant=False)
        else:
            context = self.core(q, k, v)
        x = x + _dropout(self.proj(context.transpose(1, 2).reshape(batch, seq, hidden)), self.dropout)  # 2sbh + sbh
        return x + _dropout(self.fc2(F.gelu(self.fc1(self.ln2(x)))), self.dropout)  # 2 + 2 + 8 + 8 sbh + sbh


def run_layer(layer: Layer, x: torch.Tensor, strategy: str) -> torch.Tensor:
    if strategy == "full":
        return checkpoint(layer, x, use_reentrant=False)
    if strategy == "matmul-outputs":
        context_fn = functools.partial(create_selective_checkpoint_contexts, MATMUL_OPS)
        return checkpoint(layer, x, use_reentrant=False, context_fn=context_fn)
    return layer(x, recompute=strategy)


def _layer(p: dict, device: str, *, hidden: int | None = None, heads: int | None = None,
           dropout: float | None = None, attention: str = "math", dtype: torch.dtype = DTYPE) -> Layer:
    torch.manual_seed(p["seed"])
    layer = Layer(hidden or p["hidden"], heads or p["heads"], p["dropout"] if dropout is None else dropout,
                  attention)
    return layer.to(device=device, dtype=dtype)


def _input(p: dict, device: str, *, seq: int, batch: int, hidden: int, dtype: torch.dtype = DTYPE) -> torch.Tensor:
    return torch.randn(batch, seq, hidden, device=device, dtype=dtype, requires_grad=True)


def saved_bytes(layer: Layer, x: torch.Tensor) -> int:
    """What autograd saves for one forward of the layer (its parameters excluded)."""
    with SavedTensors(exclude=list(layer.parameters())) as saved:
        out = layer(x)
    del out
    return saved.bytes


def kept_bytes(layer: Layer, x: torch.Tensor, strategy: str) -> tuple[int, int | None]:
    """Bytes left alive by one forward (the input counts: it stands for the previous layer's output), allocator Δ."""
    device = x.device.type
    before = cuda_allocated(device)
    with LiveStorages() as live:
        layer_input = x.clone()  # made inside the forward, like a previous layer's output
        out = run_layer(layer, layer_input, strategy)
        del layer_input
    alive = live.alive_bytes(exclude=[out])
    after = cuda_allocated(device)
    allocator = None if before is None or after is None else after - before - out.untyped_storage().nbytes()
    del out
    return alive, allocator


def _sweeps(p: dict) -> dict[str, list[int]]:
    return {"seq_len": _ints(p["seq_lens"]), "batch": _ints(p["batches"]), "hidden": _ints(p["hiddens"]),
            "heads": _ints(p["heads_list"])}


def _korthikanti(p: dict, device: str, ctx: Any) -> tuple[list[list[Any]], list[Check], list[Chart]]:
    rows, checks, charts = [], [], []
    base = {"seq_len": p["seq_len"], "batch": p["batch"], "hidden": p["hidden"], "heads": p["heads"]}
    for index, (axis, values) in enumerate(_sweeps(p).items()):
        ctx.progress(f"扫描 {axis}", 0.05 + 0.35 * index / 4)
        predicted, measured = [], []
        for value in values:
            shape = {**base, axis: value}
            layer = _layer(p, device, hidden=shape["hidden"], heads=shape["heads"])
            x = _input(p, device, seq=shape["seq_len"], batch=shape["batch"], hidden=shape["hidden"])
            got = saved_bytes(layer, x)
            want = formulas.activation_bytes_per_layer(shape["seq_len"], shape["batch"], shape["hidden"],
                                                       shape["heads"], dropout=p["dropout"] > 0)
            predicted.append(want)
            measured.append(got)
            sbh = shape["seq_len"] * shape["batch"] * shape["hidden"]
            rows.append([axis, shape["seq_len"], shape["batch"], shape["hidden"], shape["heads"], round(want), got,
                         round(100 * (got - want) / want, 3), round(got / sbh, 3)])
            del layer, x
        shape = {**base, axis: values[-1]}
        checks.append(Check.compare(
            f"每层保存字节 = sbh(34 + 5as/h)（Korthikanti §4.1 式 1），{axis} 扫描最大点 "
            f"s={shape['seq_len']}, b={shape['batch']}, h={shape['hidden']}, a={shape['heads']}",
            predicted[-1], measured[-1], unit="bytes", tolerance=0.01))
        charts.append(Chart(title=f"每层激活字节随 {axis} 变化（MB）", kind="line", x=values, x_label=axis,
                            y_label="MB（1e6 bytes）", series=[
                                Series(name="sbh(34 + 5as/h)", values=[v / 1e6 for v in predicted], unit="MB"),
                                Series(name="实测 saved_tensors_hooks", values=[v / 1e6 for v in measured],
                                       unit="MB")]))
    return rows, checks, charts


def _variants(p: dict, device: str) -> tuple[list[list[Any]], list[Check]]:
    """The same layer without dropout, and with the fused SDPA kernel: which variant of the formula holds."""
    s, b, h, a = p["seq_len"], p["batch"], p["hidden"], p["heads"]
    rows, checks = [], []
    cases = [("math, dropout", "math", p["dropout"]), ("math, no dropout", "math", 0.0),
             ("fused SDPA (flash)", "fused", p["dropout"])]
    measured = {}
    for name, attention, dropout in cases:
        layer = _layer(p, device, dropout=dropout, attention=attention)
        got = {seq: saved_bytes(layer, _input(p, device, seq=seq, batch=b, hidden=h)) for seq in (s // 2, s)}
        want = formulas.activation_bytes_per_layer(s, b, h, a, dropout=dropout > 0, attention=attention)
        measured[name] = got
        rows.append([name, s, b, h, a, round(want), got[s], round(100 * (got[s] - want) / want, 3),
                     round(got[s] / got[s // 2], 4)])
        if name == "math, no dropout":
            checks.append(Check.compare("不用 dropout 时每层保存字节 = sbh(32 + 2as/h)"
                                        "（少了 3 个 mask 与 dropout 输出）",
                                        want, got[s], unit="bytes", tolerance=0.01))
        if attention == "fused":
            checks.append(Check.compare("融合注意力（FlashAttention 后端）：每层 = sbh(34) + 4abs（只存 log-sum-exp，"
                                        "没有 s×s 矩阵）", want, got[s], unit="bytes", tolerance=0.01))
            checks.append(Check.compare("融合注意力的激活随 s 线性增长：s 翻倍，字节数翻倍", 2.0,
                                        got[s] / got[s // 2], unit="×", tolerance=0.01))
    return rows, checks


def _gradients(layer: Layer, x: torch.Tensor, strategy: str, target: torch.Tensor) -> torch.Tensor:
    layer.zero_grad(set_to_none=True)
    torch.manual_seed(1234)  # the same dropout masks for every strategy
    loss = (run_layer(layer, x, strategy).float() - target).pow(2).mean()
    loss.backward()
    return torch.cat([q.grad.float().flatten() for q in layer.parameters()])


def _cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(F.cosine_similarity(a.double(), b.double(), dim=0))


def _checkpointing(p: dict, device: str, ctx: Any) -> tuple[Table, list[Check], dict[str, float]]:
    s, b, h, a = p["seq_len"], p["batch"], p["hidden"], p["heads"]
    dropout = p["dropout"] > 0
    layer = _layer(p, device)
    x = _input(p, device, seq=s, batch=b, hidden=h)
    target = torch.randn(b, s, h, device=device)
    reference = _gradients(layer, x, "none", target)
    rows, checks, times = [], [], {}

    def step(strategy: str) -> None:
        run_layer(layer, x, strategy).float().pow(2).mean().backward()

    def forward_only() -> None:
        run_layer(layer, x, "none")

    times["forward"] = time_ms(forward_only, device, repeats=p["repeats"])
    for index, strategy in enumerate(STRATEGIES):
        ctx.progress(f"检查点：{strategy}", 0.45 + 0.3 * index / len(STRATEGIES))
        kept, allocator = kept_bytes(layer, x, strategy)
        want = formulas.activation_bytes_per_layer(s, b, h, a, dropout=dropout, recompute=strategy)
        times[strategy] = time_ms(lambda strategy=strategy: step(strategy), device, repeats=p["repeats"])
        cosine = _cosine(_gradients(layer, x, strategy, target), reference)
        rows.append([STRATEGY_NAMES[strategy], round(want), kept, allocator, round(100 * (kept - want) / want, 3),
                     round(times[strategy], 3), round(times[strategy] / times["none"], 3), cosine])
        if strategy == "none" and allocator is not None:
            checks.append(Check.compare("CUDA 分配器：一次前向后多占的字节 = sbh(34 + 5as/h)", want, allocator,
                                        unit="bytes", tolerance=0.02))
        elif strategy == "selective":
            checks.append(Check.compare("选择性重算（只重算注意力核心，论文 §5）：每层只剩 34sbh", want, kept,
                                        unit="bytes", tolerance=0.01))
        elif strategy == "matmul-outputs":
            checks.append(Check.compare("create_selective_checkpoint_contexts 只存 Linear 输出：层输入 + 9 个 sbh 输出"
                                        " = 20sbh", want, kept, unit="bytes", tolerance=0.01))
        elif strategy == "full":
            checks.append(Check.compare("全量检查点：每层只存输入 2sbh", want, kept, unit="bytes", tolerance=0.01))
        times[f"cos_{strategy}"] = cosine
    worst = min(times[f"cos_{strategy}"] for strategy in STRATEGIES)
    checks.append(Check.compare("检查点不改变梯度：各策略梯度与不重算时的余弦相似度 = 1（取最小）", 1.0, worst,
                                unit="cosine", tolerance=1e-4))
    if device == "cuda":
        checks.append(Check.compare("全量重算多付一次前向：检查点步时 = 普通步时 + 前向时间",
                                    times["none"] + times["forward"],
                                    times["full"], unit="ms", tolerance=0.15))
    table = Table(title=f"激活检查点：每层保留的字节与步时（s={s}, b={b}, h={h}, a={a}）", columns=[
        "strategy", "kept_bytes_predicted", "kept_bytes", "cuda_allocator_delta_bytes", "error_pct", "step_ms",
        "step_time_ratio", "grad_cosine_vs_none"], rows=rows)
    return table, checks, times


def _accumulation(p: dict, device: str) -> tuple[Table, list[Check]]:
    """k micro-batches of b/k, each loss / k, summed: the gradient of one batch of b (fp32, no dropout)."""
    k, s, b, h = p["micro_batches"], p["seq_len"], p["batch"], p["hidden"]
    layer = _layer(p, device, dropout=0.0, dtype=torch.float32)
    x = torch.randn(b, s, h, device=device)
    target = torch.randn(b, s, h, device=device)

    def gradient(chunks: int) -> torch.Tensor:
        layer.zero_grad(set_to_none=True)
        for xs, ts in zip(x.chunk(chunks), target.chunk(chunks), strict=True):
            ((layer(xs) - ts).pow(2).mean() / chunks).backward()
        return torch.cat([q.grad.flatten() for q in layer.parameters()])

    full, accumulated = gradient(1), gradient(k)
    cosine = _cosine(full, accumulated)
    norm_ratio = float(accumulated.double().norm() / full.double().norm())
    memory = {chunks: kept_bytes(layer, x[: b // chunks], "none")[0] for chunks in (1, k)}
    checks = [
        Check.compare(f"梯度累积：{k} 个 micro-batch（各 b/{k}）的梯度与一个 batch b 的相同（fp32，余弦相似度 = 1）",
                      1.0, cosine, unit="cosine", tolerance=1e-6),
        Check.compare("梯度累积：累积梯度的范数 / 整批梯度的范数 = 1", 1.0, norm_ratio, unit="ratio", tolerance=1e-5),
        Check.compare(f"梯度累积：激活显存约为 1/{k}（整批 / micro-batch 的激活字节 = {k}）", float(k),
                      memory[1] / memory[k], unit="×", tolerance=0.01),
    ]
    table = Table(title=f"梯度累积：1 × batch {b} vs {k} × batch {b // k}（fp32，无 dropout）", columns=[
        "case", "micro_batch", "kept_bytes_per_micro_batch", "grad_cosine", "grad_norm_ratio"],
        rows=[["one batch", b, memory[1], 1.0, 1.0],
              [f"{k} micro-batches", b // k, memory[k], cosine, norm_ratio]])
    return table, checks


def run(params: dict, ctx: Any):
    device, p = ctx.device, params
    rows, checks, charts = _korthikanti(p, device, ctx)
    variant_rows, variant_checks = _variants(p, device)
    ckpt_table, ckpt_checks, times = _checkpointing(p, device, ctx)
    ctx.progress("梯度累积", 0.85)
    accumulation_table, accumulation_checks = _accumulation(p, device)
    tables = [
        Table(title="每层保存的字节：实测（saved_tensors_hooks）vs sbh(34 + 5as/h)", columns=[
            "sweep", "seq_len", "batch", "hidden", "heads", "bytes_predicted", "bytes_measured", "error_pct",
            "bytes_per_sbh"], rows=rows),
        Table(title="同一层的三种写法：公式的哪个版本成立", columns=[
            "variant", "seq_len", "batch", "hidden", "heads", "bytes_predicted", "bytes_measured", "error_pct",
            "bytes_ratio_s_over_half_s"], rows=variant_rows),
        ckpt_table, accumulation_table,
    ]
    strategies = list(STRATEGIES)
    charts.append(Chart(title="激活检查点：省下的显存 vs 多付的时间", kind="bar",
                        x=[STRATEGY_NAMES[s] for s in strategies],
                        x_label="strategy", y_label="相对不重算", series=[
                            Series(name="kept bytes / none", values=[row[2] / ckpt_table.rows[0][2]
                                                                      for row in ckpt_table.rows], unit="ratio"),
                            Series(name="step time / none", values=[times[s] / times["none"] for s in strategies],
                                   unit="ratio")]))
    notes = [
        "层的写法与论文逐项对应：pre-LN、显式数学注意力（QKᵀ、softmax、dropout、·V 全是 bf16）、"
        "4h GeLU MLP、softmax 后与两个投影后的 dropout；dropout 用 torch.native_dropout"
        "（1 字节 mask，与 Megatron 的融合 dropout 一致；CPU 上的 F.dropout "
        "会存 2 字节的噪声张量）。因此它对应式 (1) 的 sbh(34 + 5as/h)。",
        "实测口径：saved_tensors_hooks 收到的张量按 storage 去重（同一块内存的多个视图只算一次），"
        "参数不计；LayerNorm 的 "
        "mean/rstd（每个 token 8 字节 fp32）不在公式里，是误差的主要来源（< 0.1%）。",
        "检查点的“保留字节”用 TorchDispatchMode 记下前向中新建的每块 storage，"
        "前向结束后仍存活的才算（包括 checkpoint 为重算"
        "保存的输入、SAC 缓存的算子输出）；autograd 的钩子看不到这些，所以不能只用 saved_tensors_hooks。",
        "融合注意力（F.scaled_dot_product_attention，FLASH_ATTENTION 后端）不存 s×s 矩阵：q、k、v、输出与每行一个 fp32 "
        "log-sum-exp；它的 dropout 在核内用随机数种子重放，不存 mask。",
        "选择性重算有两种：论文 §5 的只重算注意力核心（对注意力核心单独 checkpoint），以及 PyTorch 的 "
        "create_selective_checkpoint_contexts 策略（这里：保存 aten.mm/addmm 的输出，其余都重算）。",
    ]
    if device == "cpu":
        notes.append("CPU 上的步时只作参照（两核、与其他进程共享）；“多付一次前向”的时间检查只在 GPU 上做。")
    notes.append(f"步时中位数（ms）：不重算 {times['none']:.3f}，前向 {times['forward']:.3f}，全量检查点 "
                 f"{times['full']:.3f}。")
    return ctx.result(SPEC, p, tables=tables, charts=charts,
                      checks=checks + variant_checks + ckpt_checks + accumulation_checks, notes=notes)
