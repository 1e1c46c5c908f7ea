"""DeepSpeed's own ZeRO engine for the zero-memory lab: stages 1-3 measured by the CUDA allocator.

Runs only where DeepSpeed is installed and the ranks are on CUDA GPUs (DeepSpeed's ZeRO optimizers allocate
through the accelerator; on CPU it needs Intel's extension). The model is the lab's stack of bf16 Linear
layers; the optimizer is torch.optim.Adam, which DeepSpeed's ZeRO optimizer drives over its fp32 master
partitions (fp32 master + exp_avg + exp_avg_sq: K = 12 bytes per owned parameter). Buckets are kept small
(reduce/all-gather/prefetch) so that communication buffers are a rounding error next to Ψ.

"Model states" = torch.cuda.memory_allocated() at the end of the second backward (parameters, gradients as
DeepSpeed holds them by then, and the optimizer states created by the first step), minus what was allocated
before the model was built; the activations of a `batch` × `hidden` input are freed by then.
"""

from __future__ import annotations

import gc
import importlib.util
from typing import Any

import torch
from torch import nn

from labs.core.schema import Check, Table

K = 12  # fp32 master + Adam m + Adam v, bytes per parameter
BUCKET_ELEMENTS = 2_000_000  # 4 MB of bf16: <0.5% of the states the lab measures at GPU size


def available(device: torch.device) -> bool:
    return device.type == "cuda" and importlib.util.find_spec("deepspeed") is not None


def deepspeed_version() -> str | None:
    if importlib.util.find_spec("deepspeed") is None:
        return None
    import deepspeed

    return str(deepspeed.__version__)


def _config(stage: int, batch: int) -> dict[str, Any]:
    return {
        "train_micro_batch_size_per_gpu": batch,
        "gradient_accumulation_steps": 1,
        "bf16": {"enabled": True},
        "zero_optimization": {
            "stage": stage,
            "overlap_comm": False,
            "contiguous_gradients": True,
            "reduce_bucket_size": BUCKET_ELEMENTS,
            "allgather_bucket_size": BUCKET_ELEMENTS,
            "stage3_prefetch_bucket_size": BUCKET_ELEMENTS,
            "stage3_max_live_parameters": BUCKET_ELEMENTS,
            "stage3_max_reuse_distance": 0,
            "stage3_param_persistence_threshold": 0,  # biases too are partitioned, as the formula assumes
        },
        "steps_per_print": 1_000_000_000,
        "wall_clock_breakdown": False,
    }


def _adam_state_bytes(optimizer: torch.optim.Optimizer) -> int:
    """Adam's exp_avg and exp_avg_sq over this rank's fp32 partition, each storage once (8 bytes per owned param).

    The fp32 master partition itself is not counted here: ZeRO-3 puts it into the basic optimizer's param
    groups only for the duration of its step, so it cannot be read off the optimizer afterwards.
    """
    storages: dict[int, int] = {}
    for state in optimizer.state.values():
        for name in ("exp_avg", "exp_avg_sq"):
            tensor = state.get(name)
            if isinstance(tensor, torch.Tensor):
                storage = tensor.untyped_storage()
                storages[storage.data_ptr()] = storage.nbytes()
    return sum(storages.values())


def measure(stage: int, params: dict[str, Any], device: torch.device) -> dict[str, Any]:
    """Bytes this rank holds under DeepSpeed ZeRO-`stage` (1, 2 or 3), from the CUDA allocator."""
    import deepspeed

    hidden, layers, batch = params["hidden"], params["layers"], params["batch"]
    gc.collect()
    torch.cuda.empty_cache()
    torch.cuda.synchronize(device)
    base = torch.cuda.memory_allocated(device)
    model = nn.Sequential(*[nn.Linear(hidden, hidden, device=device, dtype=torch.bfloat16) for _ in range(layers)])
    client_optimizer = torch.optim.Adam(model.parameters(), lr=params["lr"])
    engine, _, _, _ = deepspeed.initialize(model=model, optimizer=client_optimizer, config=_config(stage, batch))
    torch.cuda.synchronize(device)
    after_init = torch.cuda.memory_allocated(device) - base
    inputs = torch.randn(batch, hidden, device=device, dtype=torch.bfloat16)
    row: dict[str, Any] = {"stage": stage, "after_init_bytes": after_init}
    for step in (1, 2):
        if step == 2:
            torch.cuda.reset_peak_memory_stats(device)
        loss = engine(inputs).float().pow(2).mean()
        engine.backward(loss)
        del loss
        if step == 2:
            torch.cuda.synchronize(device)
            row["after_backward_bytes"] = torch.cuda.memory_allocated(device) - base
            row["backward_peak_bytes"] = torch.cuda.max_memory_allocated(device) - base
        engine.step()
    torch.cuda.synchronize(device)
    row["after_step_bytes"] = torch.cuda.memory_allocated(device) - base
    row["peak_bytes"] = torch.cuda.max_memory_allocated(device) - base
    row["adam_state_bytes"] = _adam_state_bytes(engine.optimizer.optimizer)
    row["total_bytes"] = row["after_backward_bytes"]
    if hasattr(engine, "destroy"):
        engine.destroy()
    del engine, model, client_optimizer, inputs
    gc.collect()
    torch.cuda.empty_cache()
    return row


def predictions(psi: int, n: int, k: int = K) -> dict[int, float]:
    """What DeepSpeed holds at the end of backward, from its code (stage_1_and_2.py, stage3.py).

    Stage 1 and 2 both end backward with a bf16 gradient *partition* (the ZeRO-1 epilogue copies this rank's
    slice out of the full gradients and frees them; ZeRO-2 reduces bucket by bucket during backward), so both
    hold 2Ψ + 2Ψ/N + KΨ/N; the paper's stage 1 formula 4Ψ + KΨ/N counts the full gradients that exist during
    backward (see the backward-peak column). Stage 3: 2Ψ/N params + 2Ψ/N grads + KΨ/N.
    """
    return {1: 2 * psi + (2 + k) * psi / n, 2: 2 * psi + (2 + k) * psi / n, 3: (2 + 2 + k) * psi / n}


def report(rows: dict[int, dict[str, Any]], psi: int, n: int, paper: dict[int, float],
           formulas: dict[int, str]) -> tuple[Table, list[Check], list[str]]:
    """The DeepSpeed table, its checks against the paper's formulas and DeepSpeed's code, and notes."""
    code = predictions(psi, n, K)
    table = Table(
        title=f"DeepSpeed {deepspeed_version()} 引擎实测（CUDA 分配器，rank 0），Ψ={psi:,}，N={n}",
        columns=["阶段", "反向结束时 bytes（模型状态）", "论文公式", "论文预测 bytes", "实测相对论文 %",
                 "按 DeepSpeed 代码预测 bytes", "Adam m + v bytes", "预测 8Ψ/N bytes",
                 "初始化后 bytes", "第二步反向峰值 bytes", "step 后 bytes", "第二步峰值 bytes"],
        rows=[[f"ZeRO-{stage}", row["total_bytes"], formulas[stage], round(paper[stage]),
               round(100 * (row["total_bytes"] - paper[stage]) / paper[stage], 2), round(code[stage]),
               row["adam_state_bytes"], round(8 * psi / n), row["after_init_bytes"], row["backward_peak_bytes"],
               row["after_step_bytes"], row["peak_bytes"]] for stage, row in sorted(rows.items())])
    checks = [
        Check.compare("DeepSpeed ZeRO-2 每卡模型状态 = 2Ψ + (2+K)Ψ/N（论文 P_os+g）", paper[2], rows[2]["total_bytes"],
                      unit="bytes"),
        Check.compare("DeepSpeed ZeRO-3 每卡模型状态 = (2+2+K)Ψ/N（论文 P_os+g+p）", paper[3], rows[3]["total_bytes"],
                      unit="bytes"),
        Check.compare("DeepSpeed ZeRO-1 反向结束时 = 2Ψ + (2+K)Ψ/N（梯度此时已只剩本卡分片；论文的 4Ψ + KΨ/N "
                      "按反向过程中的全量梯度计）", code[1], rows[1]["total_bytes"], unit="bytes"),
        Check.compare("DeepSpeed ZeRO-1/2/3 的 Adam m + v 都按卡切分：8Ψ/N（列出偏差最大的阶段）",
                      8 * psi / n, max((row["adam_state_bytes"] for row in rows.values()),
                                       key=lambda measured: abs(measured - 8 * psi / n)), unit="bytes"),
    ]
    notes = [
        "DeepSpeed 行：torch.cuda.memory_allocated 在第二步反向结束时相对建模型前的增量（第一步已建好 Adam 状态；"
        "激活此时已释放）；bf16、overlap_comm 关闭、通信桶 2M 元素、stage3_param_persistence_threshold=0、"
        "优化器为 torch.optim.Adam（由 DeepSpeed 的 ZeRO 优化器驱动，作用在 fp32 主权重分片上）。",
        "DeepSpeed ZeRO-1 在反向的收尾阶段才从全量 bf16 梯度里拷出本卡分片并释放全量梯度，所以反向结束时与 ZeRO-2 "
        "持有的一样多；两者的差别在反向过程中的峰值（见“第二步反向峰值”列）。step 时还会临时生成本卡的 fp32 梯度"
        "（4Ψ/N），这就是 DeepSpeed 估算器写 18Ψ/N 而论文写 14Ψ/N 的原因。",
    ]
    return table, checks, notes
