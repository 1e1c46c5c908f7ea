"""The `model-math` lab's spec: its id, titles, concepts and parameters (no torch needed to read it)."""

from __future__ import annotations

from typing import Any

from labs import formulas
from labs.core.spec import LabSpec, Param, ParamError
from labs.formulas import PRESETS


def preset_names(text: str) -> list[str]:
    return [part.strip() for part in str(text).split(",") if part.strip()]


def _check_params(params: dict) -> None:
    unknown = [name for name in preset_names(params["presets"]) if name not in PRESETS]
    if unknown:
        raise ParamError(f"presets: unknown {unknown}; known: {', '.join(PRESETS)}")
    if params["hidden"] % params["heads"] or params["heads"] % params["kv_heads"]:
        raise ParamError("heads must divide hidden, and kv_heads must divide heads")



def estimate_bytes(params: dict[str, Any], device: str) -> float:
    """The timed training step at twice the batch (AdamW with fp32 master weights, activations in the training
    precision), or the FLOP count of one sequence with eager attention (fp32 weights and gradients, the s×s scores
    and softmax of every layer kept), whichever is larger; the matmul peak's three n×n matrices come after both."""
    shape = formulas.ModelShape("trained", hidden=params["hidden"], layers=params["layers"], heads=params["heads"],
                                kv_heads=params["kv_heads"], intermediate=params["intermediate"],
                                vocab=params["vocab_size"])
    element = 2 if params["dtype"] == "bf16" else formulas.FP32_BYTES
    seq_len = params["seq_len"]
    training = formulas.decoder_training_peak_bytes(shape, seq_len, 2 * params["batch"], bytes_per_value=element)
    counted = (2 * formulas.FP32_BYTES * formulas.param_count(shape)
               + shape.layers * formulas.layer_activation_bytes(shape, seq_len, 1, attention="math",
                                                                bytes_per_value=element)
               + shape.layers * formulas.FP32_BYTES * shape.heads * seq_len**2  # eager softmax, upcast to fp32
               + formulas.cross_entropy_bytes(seq_len, shape.vocab))
    matmul = 3 * element * params["matmul_size"] ** 2
    return max(training, counted, matmul) + formulas.RUNTIME_BYTES


SPEC = LabSpec(
    id="model-math",
    title_zh="模型算术：参数量、每 token 训练 FLOPs、MFU 与训练时间",
    title_en="Model maths: parameter counts, training FLOPs per token, MFU and training time",
    summary_zh="在 meta 设备上按真实配置构建 GPT-2、Llama-2/3、Qwen2.5，实测参数量对照公式（精确到个位）；用 "
               "FlopCounterMode 实测一次训练步的 FLOPs 对照 6N + 12·L·s·d；"
               "测一个训练步的 MFU（对照实测 bf16 矩阵乘峰值），"
               "并推出在 G 张卡上训练 D 个 token 需要的时间。",
    summary_en="GPT-2, Llama-2/3 and Qwen2.5 built from their real configs on the meta device: parameter counts "
               "against the closed form, to the last parameter; one training step's FLOPs counted with FlopCounterMode "
               "against 6N + 12·L·s·d; a measured training step's MFU against the measured bf16 matmul peak, and the "
               "time to train D tokens on G GPUs that follows.",
    concepts=("scaling-laws", "ffn", "mfu"),
    params=(
        Param("presets", "str", ",".join(PRESETS), "在 meta 设备上数参数的真实配置（逗号分隔）",
              "real configs whose parameters are counted on the meta device"),
        Param("hidden", "int", 2048, "训练模型的隐藏维度（Llama 结构）", "trained model: hidden size", 8, 65536),
        Param("layers", "int", 16, "训练模型的层数", "trained model: layers", 1, 256),
        Param("heads", "int", 16, "训练模型的头数", "trained model: heads", 1, 256),
        Param("kv_heads", "int", 16, "训练模型的 KV 头数", "trained model: KV heads", 1, 256),
        Param("intermediate", "int", 5632, "训练模型的 MLP 中间维度", "trained model: MLP size", 8, 262144),
        Param("vocab_size", "int", 32000, "训练模型的词表", "trained model: vocabulary", 8, 262144),
        Param("seq_len", "int", 2048, "序列长度 s", "sequence length s", 8, 131072),
        Param("batch", "int", 4, "每步序列数（预测检查用 2 倍 batch）", "sequences per step (the check uses 2×)",
              1, 4096),
        Param("steps", "int", 6, "计时的训练步数", "timed training steps", 1, 10000),
        Param("dtype", "str", "bf16", "训练精度（bf16 = autocast + bf16 峰值；fp32 = 全 fp32）", "training precision",
              choices=("bf16", "fp32")),
        Param("matmul_size", "int", 8192, "测峰值的矩阵乘 n", "matmul size n for the measured peak", 16, 32768),
        Param("calc_tokens_b", "float", 2000.0, "计算器：训练 token 数 D（十亿）", "calculator: tokens D in billions",
              0.001, 1e7),
        Param("calc_gpus", "int", 1024, "计算器：GPU 数 G", "calculator: GPUs G", 1, 1_000_000),
        Param("calc_seq_len", "int", 4096, "计算器：序列长度", "calculator: sequence length", 8, 1_048_576),
        Param("seed", "int", 0, "随机种子", "random seed"),
    ),
    cpu_size={"hidden": 64, "layers": 2, "heads": 4, "kv_heads": 4, "intermediate": 176, "vocab_size": 128,
              "seq_len": 32, "batch": 2, "steps": 3, "dtype": "fp32", "matmul_size": 256},
    gpu_size={},
    validate=_check_params,
    estimate_bytes=estimate_bytes,
)
