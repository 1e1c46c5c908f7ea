"""The `activation-memory` lab's spec: its id, titles, concepts and parameters (no torch needed to read it)."""

from __future__ import annotations

from typing import Any

from labs import formulas
from labs.core.spec import LabSpec, Param, ParamError


def _ints(text: str) -> list[int]:
    return [int(part) for part in str(text).split(",") if part.strip()]


def _check_params(params: dict) -> None:
    if params["hidden"] % params["heads"]:
        raise ParamError(f"hidden: {params['hidden']} must be divisible by heads ({params['heads']})")
    for hidden in _ints(params["hiddens"]):
        if hidden % params["heads"]:
            raise ParamError(f"hiddens: {hidden} must be divisible by heads ({params['heads']})")
    for heads in _ints(params["heads_list"]):
        if params["hidden"] % heads:
            raise ParamError(f"heads_list: hidden {params['hidden']} must be divisible by {heads}")
    if params["batch"] % params["micro_batches"]:
        raise ParamError(f"micro_batches: batch {params['batch']} must be divisible by {params['micro_batches']}")



def estimate_bytes(params: dict[str, Any], device: str) -> float:
    """The largest layer the run builds: each sweep point's saved bytes (bf16, math attention, the paper's
    eq. (1)), and the base layer's backward (checkpointing in bf16, accumulation in fp32 without dropout), where the
    gradients of the saved tensors come on top of them (counted as half as much again)."""
    base = (params["seq_len"], params["batch"], params["hidden"], params["heads"])
    points = [base]
    for axis, values in (("seq_lens", 0), ("batches", 1), ("hiddens", 2), ("heads_list", 3)):
        for value in _ints(params[axis]):
            points.append(base[:values] + (value,) + base[values + 1:])
    dropout = params["dropout"] > 0
    sweep = max(formulas.activation_bytes_per_layer(*point, dropout=dropout) + 2 * 12 * point[2] ** 2
                for point in points)  # + the layer's 12h² bf16 weights
    backward = 1.5 * max(formulas.activation_bytes_per_layer(*base, dropout=dropout),
                         formulas.activation_bytes_per_layer(*base, dropout=False,
                                                             bytes_per_value=formulas.FP32_BYTES))
    return max(sweep, backward + formulas.FP32_BYTES * 12 * params["hidden"] ** 2) + formulas.RUNTIME_BYTES


SPEC = LabSpec(
    id="activation-memory",
    title_zh="激活显存：每层保存多少字节，检查点与梯度累积",
    title_en="Activation memory: bytes per layer, checkpointing and gradient accumulation",
    summary_zh="用 saved_tensors_hooks 精确统计一个 Transformer 层为反向保存的字节数，"
               "随序列长度、batch、隐藏维度与头数变化，"
               "对照 Korthikanti 等 2022 的 sbh(34 + 5as/h)；再测全量 / 选择性激活检查点省下的显存和多付的重算时间，"
               "以及梯度累积：k 个 micro-batch 的梯度与一个 k 倍 batch 相同，激活显存约为 1/k。",
    summary_en="Bytes one transformer layer saves for backward, counted exactly with saved_tensors_hooks as "
               "sequence length, batch, hidden size and heads vary, against Korthikanti et al. 2022's sbh(34 + 5as/h); "
               "the memory full and selective activation checkpointing save and the recompute time they cost; and "
               "gradient accumulation: k micro-batches give one k× batch's gradient at about 1/k of the activations.",
    concepts=("gradient-checkpointing", "gradient-accumulation", "batch-size", "memory-optimization"),
    params=(
        Param("seq_len", "int", 2048, "基准序列长度 s", "base sequence length s", 8, 65536),
        Param("batch", "int", 4, "基准 batch b", "base batch b", 1, 4096),
        Param("hidden", "int", 4096, "基准隐藏维度 h", "base hidden size h", 8, 65536),
        Param("heads", "int", 32, "基准注意力头数 a", "base attention heads a", 1, 512),
        Param("dropout", "float", 0.1, "dropout 概率（论文公式含 dropout）", "dropout probability", 0.0, 0.9),
        Param("seq_lens", "str", "512,1024,2048,4096", "序列长度扫描（逗号分隔）", "sequence lengths to sweep"),
        Param("batches", "str", "1,2,4,8", "batch 扫描", "batch sizes to sweep"),
        Param("hiddens", "str", "1024,2048,4096,8192", "隐藏维度扫描（头数固定）",
              "hidden sizes to sweep (heads fixed)"),
        Param("heads_list", "str", "8,16,32,64", "头数扫描（隐藏维度固定）", "head counts to sweep (hidden fixed)"),
        Param("micro_batches", "int", 4, "梯度累积的 micro-batch 数 k", "micro-batches k for accumulation", 1, 1024),
        Param("repeats", "int", 5, "计时重复次数（取中位数）", "timed repeats (median)", 1, 1000),
        Param("seed", "int", 0, "随机种子", "random seed"),
    ),
    cpu_size={"seq_len": 128, "batch": 4, "hidden": 128, "heads": 4, "seq_lens": "32,64,128,256",
              "batches": "1,2,4,8", "hiddens": "32,64,128,256", "heads_list": "1,2,4,8", "repeats": 2},
    gpu_size={},
    validate=_check_params,
    estimate_bytes=estimate_bytes,
)
