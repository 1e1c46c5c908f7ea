"""The `attention` lab's spec: its id, titles, concepts and parameters (no torch needed to read it)."""

from __future__ import annotations

from typing import Any

from labs import formulas
from labs.core.spec import LabSpec, Param, ParamError


def seq_lens(text: str) -> list[int]:
    return [int(part) for part in str(text).split(",") if part.strip()]


def _check_params(params: dict) -> None:
    lengths = seq_lens(params["seq_lens"])
    if len(lengths) < 2 or lengths != sorted(set(lengths)):
        raise ParamError(f"seq_lens: need at least two increasing lengths, got {params['seq_lens']!r}")
    if any(length % 64 for length in lengths):
        raise ParamError("seq_lens: every length must be a multiple of 64 (the fused kernels' tiles)")
    if lengths[-1] != 2 * lengths[-2]:
        raise ParamError("seq_lens: the last length must be twice the one before (the s² growth is read there)")



def estimate_bytes(params: dict[str, Any], device: str) -> float:
    """The math backend at the longest sequence is the largest: its fp32 s×s scores, softmax and their gradients."""
    longest = max(seq_lens(params["seq_lens"]))
    return formulas.math_attention_peak_bytes(params["batch"], params["heads"], longest,
                                              params["head_dim"]) + formulas.RUNTIME_BYTES


SPEC = LabSpec(
    id="attention",
    title_zh="注意力后端：数学实现 vs FlashAttention / 显存与速度",
    title_en="Attention backends: math vs FlashAttention, memory and speed",
    summary_zh="同一个 F.scaled_dot_product_attention 在设备具备的每个后端"
               "（MATH、EFFICIENT_ATTENTION、FLASH_ATTENTION、"
               "CUDNN_ATTENTION）下跑前向 + 反向：为反向保存的字节、峰值显存与耗时随序列长度的变化；数学实现保存 s×s "
               "分数矩阵（预测字节 vs 实测增长），融合内核的显存随 s 线性增长；加速比表。",
    summary_en="One F.scaled_dot_product_attention forward + backward under every backend the device has (MATH, "
               "EFFICIENT_ATTENTION, FLASH_ATTENTION, CUDNN_ATTENTION): bytes saved for backward, peak memory and time "
               "as the sequence grows; the math path's s×s score matrix (predicted bytes vs measured growth), fused "
               "kernels' memory linear in s; a speed-up table.",
    concepts=("self-attention", "flash-attention", "kernel-fusion", "long-context", "memory-optimization"),
    params=(
        Param("batch", "int", 1, "batch b", "batch b", 1, 1024),
        Param("heads", "int", 16, "注意力头数 a", "attention heads a", 1, 256),
        Param("head_dim", "int", 128, "每头维度 d（融合内核要求 8 的倍数）", "head dimension d", 8, 256),
        Param("seq_lens", "str", "1024,2048,4096,8192,16384", "序列长度（递增，最后一个是前一个的 2 倍）",
              "sequence lengths, increasing; the last twice the one before"),
        Param("causal", "bool", True, "因果掩码", "causal mask"),
        Param("repeats", "int", 5, "计时重复次数（取中位数）", "timed repeats (median)", 1, 1000),
        Param("seed", "int", 0, "随机种子", "random seed"),
    ),
    cpu_size={"heads": 4, "head_dim": 32, "seq_lens": "128,256,512", "repeats": 2},
    gpu_size={},
    validate=_check_params,
    estimate_bytes=estimate_bytes,
)
