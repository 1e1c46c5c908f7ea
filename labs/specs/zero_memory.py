"""The `zero-memory` lab's spec: its id, titles, concepts and parameters (no torch needed to read it)."""

from __future__ import annotations

from typing import Any

from labs import formulas
from labs.core.spec import LabSpec, Param

# Bytes a parameter under ZeRO-0 (the largest stage), measured: 16 (bf16 weights and gradients, fp32 master, m, v)
# and DDP's gradient buckets and the allocator's rounding on top (17.8 GB for Ψ = 1.07B on an H200).
STAGE0_BYTES_PER_PARAM = 17


def estimate_bytes(params: dict[str, Any], device: str) -> float:
    """ZeRO-0 holds everything on every rank: one GPU's share on cuda (one rank a GPU); on the CPU all the gloo
    ranks the lab spawns share the host, each a process with torch of its own, beside the lab's own process."""
    psi = params["layers"] * (params["hidden"] ** 2 + params["hidden"])
    per_rank = STAGE0_BYTES_PER_PARAM * psi + formulas.FP32_BYTES * params["batch"] * params["hidden"] * params[
        "layers"] + formulas.RUNTIME_BYTES
    return per_rank if device == "cuda" else params["ranks"] * per_rank + formulas.RUNTIME_BYTES


SPEC = LabSpec(
    id="zero-memory",
    title_zh="ZeRO 各阶段每卡显存",
    title_en="ZeRO stages: model-state memory per GPU",
    summary_zh="在真实的多个进程上实测 ZeRO-0/1/2/3 每卡持有的参数、梯度与优化器状态字节数，"
               "对照论文公式与 DeepSpeed 估算器。",
    summary_en="Parameter, gradient and optimizer-state bytes held per rank under ZeRO-0/1/2/3, measured on real "
               "processes and compared with the paper's formulas and DeepSpeed's estimators.",
    concepts=("zero", "fsdp", "data-parallelism", "mixed-precision"),
    params=(
        Param("hidden", "int", 8192, "每个 Linear 层的宽度（需能被卡数整除）", "Linear width (divisible by ranks)",
              8, 65536),
        Param("layers", "int", 16, "Linear 层数", "number of Linear layers", 1, 512),
        Param("batch", "int", 8, "每卡一步的样本数（激活很小，只关心模型状态）", "rows per rank per step", 1, 4096),
        Param("ranks", "int", 2, "CPU 上自己启动的 gloo 进程数（torchrun 下以 WORLD_SIZE 为准）",
              "ranks spawned on CPU (torchrun: WORLD_SIZE)", 2, 64),
        Param("lr", "float", 1e-3, "Adam 学习率", "Adam learning rate", 0.0, 1.0),
        Param("calc_params_b", "float", 7.5, "计算器：模型参数量（十亿）", "calculator: parameters in billions",
              0.001, 100000),
        Param("calc_gpus", "int", 64, "计算器：数据并行卡数 N", "calculator: data-parallel degree N", 1, 1_000_000),
        Param("seed", "int", 0, "随机种子", "random seed"),
    ),
    cpu_size={"hidden": 512, "layers": 8, "batch": 4},  # Ψ ≈ 2.1M: a few seconds on 2 cores
    gpu_size={"hidden": 8192, "layers": 16},  # Ψ ≈ 1.07B: ZeRO-0 holds ~17 GB per GPU
    distributed=True,
    estimate_bytes=estimate_bytes,
    version="1",
)
