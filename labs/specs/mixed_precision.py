"""The `mixed-precision` lab's spec: its id, titles, concepts and parameters (no torch needed to read it)."""

from __future__ import annotations

from typing import Any

from labs import formulas
from labs.core.spec import LabSpec, Param, ParamError


def _check_params(params: dict) -> None:
    if params["steps"] <= params["warmup_steps"]:
        raise ParamError(f"steps: must be greater than warmup_steps ({params['warmup_steps']}), "
                         f"since only the steps after the warm-up are timed; got {params['steps']}")


def estimate_bytes(params: dict[str, Any], device: str) -> float:
    """The fp32 mode is the largest: a GPT (GeLU MLP, LayerNorm, learned positions) trained with AdamW, fp32
    activations; after it, three n×n fp32 matrices for the matmul timing; every token batch made up front."""
    shape = formulas.ModelShape("gpt", hidden=params["d_model"], layers=params["n_layer"], heads=params["n_head"],
                                kv_heads=params["n_head"], intermediate=4 * params["d_model"],
                                vocab=params["vocab_size"], mlp="gelu", norm="layernorm", qkv_bias=True,
                                proj_bias=True, learned_positions=params["seq_len"])
    training = formulas.decoder_training_peak_bytes(shape, params["seq_len"], params["batch_size"])
    matmul = 3 * formulas.FP32_BYTES * params["matmul_size"] ** 2
    tokens = 8 * params["steps"] * params["batch_size"] * (params["seq_len"] + 1)  # int64 ids, on the device
    return max(training, matmul) + tokens + formulas.RUNTIME_BYTES


SPEC = LabSpec(
    id="mixed-precision",
    title_zh="混合精度训练：速度、显存与数值",
    title_en="Mixed-precision training: speed, memory and numerics",
    summary_zh="同一个 GPT 小模型分别用 fp32、tf32、fp16+GradScaler、bf16 autocast 训练，测步时、吞吐、峰值显存和损失；"
               "测各 dtype 的矩阵乘吞吐与 MFU；并用真实梯度演示 fp16 的下溢/上溢与 bf16 的动态范围。",
    summary_en="One small GPT trained in fp32, tf32, fp16 + GradScaler and bf16 autocast: step time, "
               "throughput, peak memory and loss; matmul throughput and MFU per dtype; fp16 underflow/overflow and "
               "bf16's dynamic range shown on real gradients.",
    concepts=("mixed-precision", "fp16", "bf16", "loss-scaling", "tensor-cores"),
    params=(
        Param("n_layer", "int", 12, "Transformer 层数", "transformer blocks", 1, 96),
        Param("n_head", "int", 12, "注意力头数", "attention heads", 1, 128),
        Param("d_model", "int", 768, "隐藏维度", "model width", 8, 16384),
        Param("seq_len", "int", 1024, "序列长度", "tokens per sequence", 4, 32768),
        Param("batch_size", "int", 16, "每步序列数", "sequences per step", 1, 4096),
        Param("vocab_size", "int", 32768, "词表大小", "vocabulary size", 8, 262144),
        Param("steps", "int", 50, "每种模式的训练步数", "training steps per mode", 2, 10000),
        Param("warmup_steps", "int", 5, "不计时的预热步数", "untimed warm-up steps", 1, 1000),
        Param("lr", "float", 3e-4, "AdamW 学习率", "AdamW learning rate", 0.0, 1.0),
        Param("matmul_size", "int", 8192, "矩阵乘 n（n×n @ n×n）", "matmul size n for n³ products", 16, 32768),
        Param("matmul_repeats", "int", 10, "每次计时的矩阵乘次数", "matmuls per timing", 1, 1000),
        Param("underflow_median_log2", "int", -24, "下溢实验：梯度乘 2 的幂，使 |g| 中位数约为 2^k（模拟后期小梯度）",
              "underflow test: gradients scaled by a power of two so that the median |g| is about 2^k", -60, 0),
        Param("overflow_log2", "int", 24, "上溢实验中的损失缩放 2 的幂", "log2 of the too-large loss scale", 0, 60),
        Param("scaler_growth_interval", "int", 10, "GradScaler 连续多少步无 inf 后把 scale 翻倍（PyTorch 默认 2000）",
              "GradScaler: clean steps before the scale doubles (PyTorch's default is 2000)", 1, 100000),
        Param("seed", "int", 0, "随机种子", "random seed"),
    ),
    cpu_size={"n_layer": 2, "n_head": 4, "d_model": 64, "seq_len": 32, "batch_size": 8, "vocab_size": 64,
              "steps": 30, "lr": 3e-3, "matmul_size": 512, "matmul_repeats": 3},
    gpu_size={},
    validate=_check_params,
    estimate_bytes=estimate_bytes,
)
