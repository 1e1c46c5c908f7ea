"""ZeRO 各阶段每卡显存: bytes per rank of parameters, gradients and Adam states for ZeRO stages 0-3, measured.

    python -m labs run zero-memory --device cpu                                  # spawns 2 gloo ranks itself
    python -m labs run zero-memory --device cpu --set ranks=4 --set hidden=256
    torchrun --nproc-per-node 2 -m labs run zero-memory --device cuda --out zero.json
    python -m labs run zero-memory --device cpu --set calc_params_b=70 --set calc_gpus=512

Mixed-precision Adam as in the ZeRO paper (Rajbhandari et al. 2019, §3.1): 16-bit params and grads (2Ψ + 2Ψ)
plus fp32 master weights, momentum and variance (KΨ, K = 12). Engines, all plain PyTorch:
stage 0 = DDP; stage 1 = DDP + ZeroRedundancyOptimizer (whole parameters placed on ranks);
stage 2 = FSDP2 fully_shard(reshard_after_forward=False) (params gathered and kept from forward to backward);
stage 3 = FSDP2 fully_shard(reshard_after_forward=True).
"Measured" = bytes of the distinct storages each rank actually holds: parameters right after forward
(working copies and shards), gradients and optimizer state after one step; plus CUDA allocator deltas on GPUs.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import socket
import sys
import tempfile
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from labs import zero_memory_deepspeed
from labs.core.schema import Chart, Check, LabResult, Series, Table
from labs.formulas import zero_model_state_bytes
from labs.specs.zero_memory import SPEC

K = 12  # fp32 master + Adam m + Adam v, bytes per parameter
STAGES = (0, 1, 2, 3)
ENGINES = {0: "DDP", 1: "DDP + ZeroRedundancyOptimizer", 2: "FSDP2 reshard_after_forward=False",
           3: "FSDP2 reshard_after_forward=True"}
PAPER_FORMULAS = {0: "(2+2+K)Ψ", 1: "4Ψ + KΨ/N", 2: "2Ψ + (2+K)Ψ/N", 3: "(2+2+K)Ψ/N"}


# ---------------------------------------------------------------- formulas (predictions, never measurements)
# zero_model_state_bytes (the paper's per-device bytes, Figure 1) lives in labs/formulas.py


def deepspeed_estimates(total_params: int, largest_layer_params: int, n: int) -> dict[str, int]:
    """GPU bytes of DeepSpeed's estimators without offload, as their code computes them today.

    deepspeed/runtime/zero/stage_1_and_2.py estimate_zero2_model_states_mem_needs(cpu_offload=False):
        gpu_mem = 2 * total_params + int(18 * total_params / total_gpus)
        (18 = 2 grads16 + 4 grads32 + 4 params32 + 8 Adam m, v); before 2024 it was 4Ψ + int(16Ψ/N), which the
        docs page (Memory Requirements) still shows.
    deepspeed/runtime/zero/stage3.py estimate_zero3_model_states_mem_needs(cpu_offload=False):
        gpu_mem = 4 * largest_layer_params + int(18 * total_params / total_gpus)
    Both *_all_cold printers divide by 2**30 and label it "GB" (it is GiB).
    """
    return {"zero2": 2 * total_params + int(18 * total_params / n),
            "zero2_pre2024": 4 * total_params + int(16 * total_params / n),
            "zero3": 4 * largest_layer_params + int(18 * total_params / n)}


def engine_prediction(stage: int, psi: int, n: int, owned_numel: int) -> float:
    """What the engine this lab uses should hold, where it departs from the paper's layout."""
    if stage == 1:  # ZeroRedundancyOptimizer gives whole parameters to ranks: its own split, not Ψ/N
        return 4 * psi + K * owned_numel
    if stage == 2:  # FSDP2 keeps fp32 gradient shards (4 bytes) and the fp32 param shard next to the bf16 copy
        return zero_model_state_bytes(psi, n, grad_bytes=4)[2]
    return zero_model_state_bytes(psi, n)[stage]


# ---------------------------------------------------------------- the mixed-precision optimizer of the paper

class MixedPrecisionAdam(torch.optim.Optimizer):
    """Adam over 16-bit params that keeps fp32 master weights, exp_avg and exp_avg_sq: K = 12 bytes a parameter."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, closure: Any = None) -> None:
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["master"] = param.detach().to(torch.float32, copy=True)
                    state["exp_avg"] = torch.zeros_like(state["master"])
                    state["exp_avg_sq"] = torch.zeros_like(state["master"])
                state["step"] += 1
                grad = param.grad.float()  # transient; freed at the end of the loop body
                master, exp_avg, exp_avg_sq = state["master"], state["exp_avg"], state["exp_avg_sq"]
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = (exp_avg_sq / (1 - beta2 ** state["step"])).sqrt_().add_(group["eps"])
                master.addcdiv_(exp_avg, denom, value=-group["lr"] / (1 - beta1 ** state["step"]))
                param.copy_(master)


# ---------------------------------------------------------------- measurement on one rank

def _local(tensor: Any) -> torch.Tensor | None:
    if hasattr(tensor, "to_local"):  # DTensor: the shard this rank holds
        tensor = tensor.to_local()
    return tensor if isinstance(tensor, torch.Tensor) else None


def _storage_bytes(tensors: Any, seen: dict[int, Any]) -> int:
    """Bytes of the storages behind `tensors`, each live storage counted once across calls sharing `seen`."""
    total = 0
    for tensor in tensors:
        local = _local(tensor)
        if local is None:
            continue
        storage = local.untyped_storage()
        key = storage.data_ptr()
        if storage.nbytes() == 0:
            continue
        earlier = seen.get(key)
        # an address seen earlier counts again only if that storage was freed (FSDP resizes it to 0) and reused
        if earlier is not None and earlier.nbytes() > 0:
            continue
        seen[key] = storage
        total += storage.nbytes()
    return total


def _state_tensors(optimizer: torch.optim.Optimizer) -> list[Any]:
    return [value for state in optimizer.state.values() for value in state.values() if hasattr(value, "dim")]


def _build(stage: int, hidden: int, layers: int, device: torch.device, lr: float) -> tuple[nn.Module, Any, int]:
    from torch.nn.parallel import DistributedDataParallel

    if stage in (0, 1):
        model = nn.Sequential(*[nn.Linear(hidden, hidden, device=device, dtype=torch.bfloat16) for _ in range(layers)])
        ddp = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None,
                                      gradient_as_bucket_view=True)  # grads live in the buckets: counted once
        if stage == 0:
            optimizer = MixedPrecisionAdam(ddp.parameters(), lr=lr)
            return ddp, optimizer, sum(p.numel() for p in model.parameters())
        from torch.distributed.optim import ZeroRedundancyOptimizer

        zero = ZeroRedundancyOptimizer(ddp.parameters(), optimizer_class=MixedPrecisionAdam, lr=lr)
        owned = sum(p.numel() for group in zero.optim.param_groups for p in group["params"])
        return ddp, zero, owned

    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

    # an explicit mesh: on a GPU machine asked for --device cpu the default mesh would be a CUDA one
    mesh = init_device_mesh(device.type, (dist.get_world_size(),))
    policy = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32)
    model = nn.Sequential(*[nn.Linear(hidden, hidden, device=device) for _ in range(layers)])
    for layer in model:
        fully_shard(layer, mesh=mesh, reshard_after_forward=(stage == 3), mp_policy=policy)
    # the root holds no parameters of its own, so FSDP2 keeping the root unsharded after forward changes nothing
    fully_shard(model, mesh=mesh, reshard_after_forward=(stage == 3), mp_policy=policy)
    # fp32 shards are the master weights; torch Adam keeps fp32 m and v next to them
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    owned = sum(_local(p).numel() for p in model.parameters())
    return model, optimizer, owned


def _measure_stage(stage: int, params: dict[str, Any], device: torch.device) -> dict[str, Any]:
    on_cuda = device.type == "cuda"
    if on_cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
    model, optimizer, owned = _build(stage, params["hidden"], params["layers"], device, params["lr"])
    master_params = [p for group in optimizer.param_groups for p in group["params"]]
    inputs = torch.randn(params["batch"], params["hidden"], device=device)
    if stage in (0, 1):
        inputs = inputs.to(torch.bfloat16)
    seen: dict[int, Any] = {}
    output = model(inputs)
    # parameters right after forward: ZeRO-2 has gathered the full 16-bit copy and keeps it for backward
    param_bytes = _storage_bytes([*model.parameters(), *master_params], seen)
    output.float().pow(2).mean().backward()
    optimizer.step()
    grad_bytes = _storage_bytes([p.grad for p in master_params if p.grad is not None], seen)
    optim_bytes = _storage_bytes(_state_tensors(getattr(optimizer, "optim", optimizer)), seen)
    measured = {"stage": stage, "params_bytes": param_bytes, "grads_bytes": grad_bytes, "optim_bytes": optim_bytes,
                "total_bytes": param_bytes + grad_bytes + optim_bytes, "owned_numel": owned,
                "cuda_alloc_delta_bytes": None, "cuda_peak_delta_bytes": None}
    if on_cuda:
        torch.cuda.synchronize(device)
        measured["cuda_alloc_delta_bytes"] = torch.cuda.memory_allocated(device) - base
        measured["cuda_peak_delta_bytes"] = torch.cuda.max_memory_allocated(device) - base
    del model, optimizer, master_params, output, inputs
    gc.collect()
    if on_cuda:
        torch.cuda.empty_cache()
    return measured


def _measure_all(params: dict[str, Any], device: torch.device, ctx: Any) -> list[list[dict[str, Any]]] | None:
    """Every rank measures every stage; rank 0 gets all ranks' numbers."""
    rows = []
    for index, stage in enumerate(STAGES):
        ctx.progress(f"ZeRO-{stage}: {ENGINES[stage]}", 0.1 + 0.8 * index / len(STAGES))
        torch.manual_seed(params["seed"])
        rows.append(_measure_stage(stage, params, device))
        dist.barrier()
    if zero_memory_deepspeed.available(device):  # DeepSpeed's engine too, after PyTorch's four
        for stage in (1, 2, 3):
            ctx.progress(f"ZeRO-{stage}: DeepSpeed", 0.9)
            torch.manual_seed(params["seed"])
            rows.append({"engine": "deepspeed", **zero_memory_deepspeed.measure(stage, params, device)})
            dist.barrier()
    gathered: list[Any] = [None] * dist.get_world_size() if dist.get_rank() == 0 else []
    dist.gather_object(rows, gathered if dist.get_rank() == 0 else None, dst=0)
    return gathered if dist.get_rank() == 0 else None


def _spawned_worker(rank: int, world: int, port: int, device_type: str, params: dict[str, Any], ctx: Any,
                    out_path: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    backend = "nccl" if device_type == "cuda" else "gloo"
    device = torch.device("cuda", rank) if device_type == "cuda" else torch.device("cpu")
    if device_type == "cuda":
        torch.cuda.set_device(device)
    torch.set_num_threads(1)
    ctx.rank = rank
    dist.init_process_group(backend, rank=rank, world_size=world)
    try:
        gathered = _measure_all(params, device, ctx)
        if rank == 0:
            with open(out_path, "w", encoding="utf-8") as handle:
                json.dump(gathered, handle)
    finally:
        dist.destroy_process_group()
    # torch 2.13 CPU: after FSDP2 on gloo the interpreter's shutdown aborts ("terminate called without an active
    # exception") although all work is done; leave without running it
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _spawn_ranks(params: dict[str, Any], ctx: Any) -> tuple[int, str | None]:
    """How many ranks to spawn here (one a GPU on cuda), and a note when that is fewer than `ranks` asks for.

    NCCL will not put two ranks on one GPU, so a machine with one GPU runs N = 1: every stage then holds the
    whole 16Ψ, measured at full size on the GPU; partitioning (÷N) needs N ≥ 2, on CPU or on 2+ GPUs.
    """
    asked = params["ranks"]
    gpus = torch.cuda.device_count() if ctx.device == "cuda" else asked
    if gpus >= asked:
        return asked, None
    note = f"本机只有 {gpus} 块 GPU（ranks={asked} 需要 {asked} 块）：以 N={gpus} 运行。"
    if gpus == 1:
        note += ("N=1 时 ZeRO 不分片，各阶段每卡都持有全部 16Ψ：这次看到的是真实规模下的模型状态字节"
                 "与 CUDA 分配器的开销；"
                 f"要看 ÷N，用 --device cpu（{asked} 个 gloo 进程）或在 {asked} 块以上 GPU 的机器上运行。")
    return gpus, note


def _spawn(params: dict[str, Any], world: int, ctx: Any) -> list[list[dict[str, Any]]]:
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory() as folder:
        out_path = os.path.join(folder, "ranks.json")
        mp.spawn(_spawned_worker, args=(world, _free_port(), ctx.device, params, ctx, out_path), nprocs=world)
        with open(out_path, encoding="utf-8") as handle:
            return json.load(handle)


# ---------------------------------------------------------------- the lab

def run(params: dict[str, Any], ctx: Any) -> LabResult | None:
    world, fewer_ranks = (ctx.world_size, None) if ctx.world_size > 1 else _spawn_ranks(params, ctx)
    if params["hidden"] % world:
        raise ValueError(f"hidden={params['hidden']} must be divisible by the {world} ranks (FSDP2 pads otherwise)")
    ctx.progress(fewer_ranks or f"{world} 个进程，每个测 ZeRO-0..3", 0.0)
    if ctx.world_size > 1:  # under torchrun: this process is one of the ranks
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        device = torch.device("cuda", local_rank) if ctx.device == "cuda" else torch.device("cpu")
        per_rank = _measure_all(params, device, ctx)
        if not ctx.is_main:
            return None
        env = ctx.env
    else:
        per_rank = _spawn(params, world, ctx)
        env = ctx.env.model_copy(update={"world_size": world, "backend": "nccl" if ctx.device == "cuda" else "gloo"})
    ctx.progress("对照公式", 0.95)
    result = _report(params, per_rank, world, env, ctx.started_at)
    if fewer_ranks:
        result.notes.insert(0, fewer_ranks)
    return result


def _report(params: dict[str, Any], per_rank: list[list[dict[str, Any]]], n: int, env: Any,
            started_at: Any) -> LabResult:
    hidden, layers = params["hidden"], params["layers"]
    psi = layers * (hidden * hidden + hidden)
    largest_layer = hidden * hidden + hidden
    paper = zero_model_state_bytes(psi, n)
    rank0 = {row["stage"]: row for row in per_rank[0] if "engine" not in row}
    deepspeed_rows = {row["stage"]: row for row in per_rank[0] if row.get("engine") == "deepspeed"}
    worst = {stage: max(rows[index]["total_bytes"] for rows in per_rank) for index, stage in enumerate(STAGES)}
    engine = {stage: engine_prediction(stage, psi, n, rank0[stage]["owned_numel"]) for stage in STAGES}

    measured_rows = []
    for stage in STAGES:
        row = rank0[stage]
        measured_rows.append([f"ZeRO-{stage}", ENGINES[stage], row["params_bytes"], row["grads_bytes"],
                              row["optim_bytes"], row["total_bytes"], worst[stage], PAPER_FORMULAS[stage],
                              round(paper[stage]), round(engine[stage]),
                              round(100 * (row["total_bytes"] - engine[stage]) / engine[stage], 2),
                              row["cuda_alloc_delta_bytes"], row["cuda_peak_delta_bytes"]])
    measured_table = Table(
        title=f"每卡模型状态：实测（rank 0）vs 公式，Ψ={psi:,}，N={n}，K={K}",
        columns=["阶段", "引擎", "参数 bytes（前向后）", "梯度 bytes", "优化器状态 bytes", "实测合计 bytes",
                 "各 rank 最大 bytes", "论文公式", "论文预测 bytes", "引擎预测 bytes", "实测相对引擎预测 %",
                 "CUDA 分配器 Δ bytes（step 后）", "CUDA 峰值 Δ bytes"],
        rows=measured_rows)

    ds = deepspeed_estimates(psi, largest_layer, n)
    calc_psi, calc_n = params["calc_params_b"] * 1e9, params["calc_gpus"]
    ds_calc = deepspeed_estimates(int(calc_psi), 0, calc_n)
    deepspeed_table = Table(
        title="论文公式 vs DeepSpeed 估算器（无 offload，每 GPU）",
        columns=["模型", "阶段", "论文 bytes", "DeepSpeed 现在的代码 bytes", "DeepSpeed 打印的“GB”（实为 GiB）",
                 "2024 前 / 文档页公式 bytes"],
        rows=[[f"本实验 Ψ={psi:,}, N={n}", "ZeRO-2", round(paper[2]), ds["zero2"], round(ds["zero2"] / 2**30, 4),
               ds["zero2_pre2024"]],
              [f"本实验 Ψ={psi:,}, N={n}", "ZeRO-3", round(paper[3]), ds["zero3"], round(ds["zero3"] / 2**30, 4), None],
              [f"计算器 Ψ={params['calc_params_b']}B, N={calc_n}（最大层按 0 计）", "ZeRO-2",
               round(zero_model_state_bytes(calc_psi, calc_n)[2]), ds_calc["zero2"], round(ds_calc["zero2"] / 2**30, 2),
               ds_calc["zero2_pre2024"]]])

    calc = zero_model_state_bytes(calc_psi, calc_n)
    calc_table = Table(
        title=f"计算器：Ψ={params['calc_params_b']}B，N={calc_n}，K={K}"
              "（论文例子 7.5B、64 卡：120 / 31.4 / 16.6 / 1.9 GB）",
        columns=["阶段", "公式", "每卡 bytes", "GB（1e9）", "GiB（2^30）"],
        rows=[[f"ZeRO-{stage}", PAPER_FORMULAS[stage], round(calc[stage]), round(calc[stage] / 1e9, 1),
               round(calc[stage] / 2**30, 2)] for stage in STAGES])

    chart = Chart(title="每卡模型状态（MB）：论文预测 vs 实测", kind="bar", x=[f"ZeRO-{s}" for s in STAGES],
                  x_label="ZeRO 阶段", y_label="MB（1e6 bytes）",
                  series=[Series(name="论文预测", values=[paper[s] / 1e6 for s in STAGES], unit="MB"),
                          Series(name="引擎预测", values=[engine[s] / 1e6 for s in STAGES], unit="MB"),
                          Series(name="实测（rank 0）", values=[rank0[s]["total_bytes"] / 1e6 for s in STAGES],
                                 unit="MB")])
    if deepspeed_rows:
        chart.series.append(Series(name="DeepSpeed 实测（rank 0）", unit="MB", values=[
            deepspeed_rows[s]["total_bytes"] / 1e6 if s in deepspeed_rows else None for s in STAGES]))

    checks = [
        Check.compare("ZeRO-0（DDP）每卡模型状态 = (2+2+K)Ψ", paper[0], rank0[0]["total_bytes"], unit="bytes"),
        Check.compare("ZeRO-1（ZeroRedundancyOptimizer，整块参数分配）每卡 = 4Ψ + K·Ψ_本卡（论文均分时为 4Ψ + KΨ/N）",
                      engine[1], rank0[1]["total_bytes"], unit="bytes"),
        Check.compare("ZeRO-2（FSDP2 前向后保留 bf16 全量参数）每卡 = 2Ψ + 16Ψ/N"
                      "（论文 2Ψ + 14Ψ/N：FSDP2 的梯度分片是 fp32）",
                      engine[2], rank0[2]["total_bytes"], unit="bytes"),
        Check.compare("ZeRO-3（FSDP2）每卡模型状态 = (2+2+K)Ψ/N", paper[3], rank0[3]["total_bytes"], unit="bytes"),
        Check.compare("ZeRO-3 每卡是 ZeRO-0 的 1/N：实测 ZeRO-0 / ZeRO-3 = N", float(n),
                      rank0[0]["total_bytes"] / rank0[3]["total_bytes"], unit="×"),
    ]
    notes = [
        "实测 = 每个 rank 实际持有的张量存储字节（同一块 storage 只算一次；DTensor 取本地分片）：参数在前向刚结束时统计"
        "（ZeRO-2 此时持有 bf16 全量参数），梯度与优化器状态在一次 optimizer.step() 之后统计。",
        "FSDP2 的参数分片本身就是 fp32 主权重（4Ψ/N），没有单独的 16 位分片；梯度分片是 fp32（4Ψ/N）。"
        "所以 ZeRO-3 的总数"
        "与论文的 16Ψ/N 相同（组成不同：4+4+8 vs 2+2+12），ZeRO-2 多出 2Ψ/N，检查用引擎自己的布局 2Ψ + 16Ψ/N。",
        "ZeroRedundancyOptimizer 把整个参数分给某个 rank（按大小贪心），不是把扁平向量均分，所以用它实际的划分预测。",
        "DeepSpeed 估算器：ZeRO-2 现在的代码是 2Ψ + 18Ψ/N（2024 年前是 4Ψ + 16Ψ/N，文档页仍是旧式）；ZeRO-3 是"
        " 4·最大层参数 + 18Ψ/N；它们打印时除以 2^30 却标成 “GB”。",
        "CUDA 列：step 之后 torch.cuda.memory_allocated 相对建模型前的增量，以及峰值增量"
        "（含激活、通信桶、all-gather 缓冲、"
        "优化器里临时的 fp32 梯度）；CPU 上为空。",
    ]
    tables = [measured_table, deepspeed_table, calc_table]
    if deepspeed_rows:
        table, more_checks, more_notes = zero_memory_deepspeed.report(deepspeed_rows, psi, n, paper, PAPER_FORMULAS)
        tables.insert(1, table)
        checks += more_checks
        notes += more_notes
    elif importlib.util.find_spec("deepspeed") is None:
        notes.append("未安装 DeepSpeed：跳过 DeepSpeed 引擎 stage 1–3 的实测，只给出其估算器公式。")
    else:
        notes.append("已安装 DeepSpeed，但它的 ZeRO 优化器只在 CUDA 上实测（CPU 需要 Intel 扩展），本次跳过。")
    return LabResult(lab=SPEC.id, version=SPEC.version, params=params, env=env, started_at=started_at, duration_s=0.0,
                     tables=tables, charts=[chart], checks=checks, notes=notes)

