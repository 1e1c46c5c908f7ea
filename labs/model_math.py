"""模型算术：参数量、FLOPs、MFU 与训练时间 — counted on real architectures, measured on a real training step.

    python -m labs run model-math --device cpu                        # meta-device counts + a tiny fp32 step
    python -m labs run model-math --device cuda --out math.json       # + a ~1B Llama trained in bf16 autocast
    python -m labs run model-math --device cpu --set calc_tokens_b=15000 --set calc_gpus=16384

(a) Parameter counts: GPT-2, Llama-2-7B/13B/70B, Llama-3-8B/70B and Qwen2.5-7B built with transformers on the
meta device (shapes only, no memory), counted with sum(p.numel()), against the closed-form count of
labs/formulas.py. (b) FLOPs: torch.utils.flop_counter.FlopCounterMode around one forward + backward of a Llama
(eager attention, so QKᵀ and PV are matmuls it counts), per token, against 6N + 12·L·s·d (Kaplan et al. 2020;
PaLM, Appendix B). (c) MFU: the same model with SDPA trained with AdamW, model FLOPs per second over the measured
bf16 matmul peak; the time for D tokens on G GPUs follows from T = FLOPs / (G · peak · MFU).
"""

from __future__ import annotations

import gc
import os
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from labs import formulas
from labs.core.schema import Chart, Check, Series, Table
from labs.core.timing import matmul_peak_flops, time_ms
from labs.specs.model_math import SPEC, preset_names

# Llama 2 (Touvron et al. 2023, arXiv:2307.09288), Table 2: A100-80GB GPU-hours for 2.0T tokens
LLAMA2_GPU_HOURS = {"llama-2-7b": 184_320, "llama-2-13b": 368_640, "llama-2-70b": 1_720_320}
A100_BF16_DENSE_FLOPS = 312e12  # NVIDIA A100 datasheet, dense bf16 Tensor Core


def hf_model(shape: formulas.ModelShape, *, attn_implementation: str = "sdpa", seq_len: int = 2048) -> Any:
    """The transformers model for a shape: GPT2LMHeadModel, Qwen2ForCausalLM (q/k/v bias) or LlamaForCausalLM."""
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    if shape.mlp == "gelu":
        config = GPT2Config(n_embd=shape.hidden, n_layer=shape.layers, n_head=shape.heads, n_inner=shape.intermediate,
                            vocab_size=shape.vocab, n_positions=shape.learned_positions,
                            attn_implementation=attn_implementation)
        return GPT2LMHeadModel(config)
    common = {"hidden_size": shape.hidden, "num_hidden_layers": shape.layers, "num_attention_heads": shape.heads,
              "num_key_value_heads": shape.kv_heads, "intermediate_size": shape.intermediate,
              "vocab_size": shape.vocab, "tie_word_embeddings": shape.tied_embeddings,
              "max_position_embeddings": seq_len, "attn_implementation": attn_implementation}
    if shape.qkv_bias:
        return Qwen2ForCausalLM(Qwen2Config(**common))
    return LlamaForCausalLM(LlamaConfig(**common))


def count_on_meta(shape: formulas.ModelShape) -> int:
    with torch.device("meta"):
        model = hf_model(shape)
    return sum(q.numel() for q in model.parameters())


def _loss(model: Any, tokens: torch.Tensor, autocast: bool, device: str) -> torch.Tensor:
    with torch.autocast(device, dtype=torch.bfloat16, enabled=autocast):
        logits = model(input_ids=tokens[:, :-1]).logits
    return F.cross_entropy(logits.float().flatten(0, 1), tokens[:, 1:].flatten())


def counted_flops(shape: formulas.ModelShape, p: dict, device: str, autocast: bool) -> dict[str, float]:
    """FlopCounterMode over a forward, then over a forward + backward, of one sequence (eager attention)."""
    torch.manual_seed(p["seed"])
    with torch.device(device):
        model = hf_model(shape, attn_implementation="eager", seq_len=p["seq_len"])
    tokens = torch.randint(shape.vocab, (1, p["seq_len"] + 1), device=device)
    with torch.no_grad(), FlopCounterMode(display=False) as forward:
        _loss(model, tokens, autocast, device)
    with FlopCounterMode(display=False) as train:
        _loss(model, tokens, autocast, device).backward()
    return {"forward": forward.get_total_flops() / p["seq_len"], "train": train.get_total_flops() / p["seq_len"]}


def train_step_ms(shape: formulas.ModelShape, p: dict, batch: int, device: str, autocast: bool) -> float:
    """Median milliseconds of an AdamW training step (fp32 master weights, optional bf16 autocast, SDPA)."""
    torch.manual_seed(p["seed"])
    with torch.device(device):
        model = hf_model(shape, attn_implementation="sdpa", seq_len=p["seq_len"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    tokens = torch.randint(shape.vocab, (batch, p["seq_len"] + 1), device=device)

    def step() -> None:
        loss = _loss(model, tokens, autocast, device)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return time_ms(step, device, repeats=p["steps"], warmup=2)


def _free(device: str) -> None:
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


def _train_shape(p: dict) -> formulas.ModelShape:
    return formulas.ModelShape("trained", hidden=p["hidden"], layers=p["layers"], heads=p["heads"],
                               kv_heads=p["kv_heads"], intermediate=p["intermediate"], vocab=p["vocab_size"])


def run(params: dict, ctx: Any):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # configs only: nothing to download
    device, p = ctx.device, params
    checks, count_rows = [], []
    names = preset_names(p["presets"])
    for index, name in enumerate(names):
        ctx.progress(f"数参数：{name}", 0.3 * index / len(names))
        shape = formulas.PRESETS[name]
        predicted, measured = formulas.param_count(shape), count_on_meta(shape)
        parts = formulas.param_breakdown(shape)
        checks.append(Check.compare(f"{name} 参数量：公式（embedding + L·(注意力 + MLP + 2 norm) + norm + lm_head）"
                                    f" = transformers 在 meta 设备上构建的模型", predicted, measured, unit="params",
                                    tolerance=0.0))
        count_rows.append([name, measured, predicted, parts["embedding"], parts["attention"], parts["mlp"],
                           parts["norms"], parts["lm_head"], formulas.matmul_params(shape), shape.source])

    shape = _train_shape(p)
    autocast = p["dtype"] == "bf16"
    ctx.progress("FlopCounterMode", 0.35)
    counted = counted_flops(shape, p, device, autocast)
    predicted_train = formulas.training_flops_per_token(shape, p["seq_len"])
    predicted_forward = formulas.forward_flops_per_token(shape, p["seq_len"])
    dense_only = formulas.training_flops_per_token(shape, p["seq_len"], attention=False)
    checks += [
        Check.compare(f"训练 FLOPs/token（FlopCounterMode，前向 + 反向）= 6N + 12·L·s·d，"
                      f"N={formulas.matmul_params(shape):,}"
                      f"，s={p['seq_len']}", predicted_train, counted["train"], unit="FLOPs/token", tolerance=0.01),
        Check.compare("前向 FLOPs/token = 2N + 4·L·s·d（反向是前向的 2 倍）", predicted_forward, counted["forward"],
                      unit="FLOPs/token", tolerance=0.01),
    ]

    ctx.progress("实测矩阵乘峰值", 0.45)
    peak = matmul_peak_flops(device, size=p["matmul_size"], dtype=torch.bfloat16 if autocast else torch.float32)
    ctx.progress("训练步", 0.55)
    steps = {}
    for batch in (p["batch"], 2 * p["batch"]):
        steps[batch] = train_step_ms(shape, p, batch, device, autocast)
        _free(device)
    tokens = {batch: batch * p["seq_len"] for batch in steps}
    utilisation = {batch: formulas.mfu(predicted_train, tokens[batch] / (ms / 1e3), peak)
                   for batch, ms in steps.items()}
    b, b2 = p["batch"], 2 * p["batch"]
    predicted_b2_ms = formulas.training_time_seconds(predicted_train, tokens[b2], gpus=1, peak_flops_per_second=peak,
                                                     utilisation=utilisation[b]) * 1e3
    if device == "cuda":
        checks.append(Check.compare(f"训练时间 = FLOPs / (G·峰值·MFU)：用 batch {b} 测得的 MFU "
                                    f"({utilisation[b]:.3f}) 预测 batch {b2} 的步时", predicted_b2_ms, steps[b2],
                                    unit="ms", tolerance=0.15))
    step_rows = [[batch, tokens[batch], round(ms, 3), round(tokens[batch] / (ms / 1e3), 1),
                  round(predicted_train * tokens[batch] / (ms / 1e3) / 1e12, 3), round(utilisation[batch], 4)]
                 for batch, ms in steps.items()]

    calc_tokens, gpus = p["calc_tokens_b"] * 1e9, p["calc_gpus"]
    calc_rows = []
    for name in names:
        preset = formulas.PRESETS[name]
        per_token = formulas.training_flops_per_token(preset, p["calc_seq_len"])
        seconds = formulas.training_time_seconds(per_token, calc_tokens, gpus=gpus, peak_flops_per_second=peak,
                                                 utilisation=utilisation[b])
        hours = LLAMA2_GPU_HOURS.get(name)
        implied = None
        if hours:  # the paper's 2.0T tokens at its 4096-token context
            paper_flops = formulas.training_flops_per_token(preset, 4096) * 2e12
            implied = paper_flops / (hours * 3600 * A100_BF16_DENSE_FLOPS)
        calc_rows.append([name, formulas.param_count(preset), round(per_token), float(per_token * calc_tokens),
                          round(seconds / 86400, 2), round(seconds * gpus / 3600), hours,
                          None if implied is None else round(implied, 3)])

    tables = [
        Table(title="真实配置的参数量（meta 设备实测 vs 公式）", columns=[
            "model", "params_measured", "params_predicted", "embedding", "attention", "mlp", "norms", "lm_head",
            "matmul_params_n", "config_source"], rows=count_rows),
        Table(title=f"每 token 的 FLOPs（L={p['layers']}, h={p['hidden']}, s={p['seq_len']}）", columns=[
            "quantity", "flops_per_token_predicted", "flops_per_token_counted", "error_pct"], rows=[
            ["forward 2N + 4Lsd", predicted_forward, counted["forward"],
             round(100 * (counted["forward"] - predicted_forward) / predicted_forward, 4)],
            ["train 6N + 12Lsd", predicted_train, counted["train"],
             round(100 * (counted["train"] - predicted_train) / predicted_train, 4)],
            ["train 6N only", dense_only, counted["train"],
             round(100 * (counted["train"] - dense_only) / dense_only, 4)],
        ]),
        Table(title=f"训练步与 MFU（{p['dtype']}，实测峰值 {peak / 1e12:.4g} TFLOP/s）", columns=[
            "batch", "tokens_per_step", "step_ms", "tokens_per_sec", "model_tflops", "mfu"], rows=step_rows),
        Table(title=f"训练 {p['calc_tokens_b']:g}B token、{gpus} 张本机同型 GPU、MFU = {utilisation[b]:.3f} 需要的时间"
                    f"（s={p['calc_seq_len']}）", columns=[
            "model", "params", "train_flops_per_token", "total_flops", "days", "gpu_hours",
            "llama2_paper_a100_gpu_hours", "llama2_implied_a100_mfu"], rows=calc_rows),
    ]
    charts = [Chart(title="每 token 训练 FLOPs：6N、6N + 12Lsd 与 FlopCounterMode", kind="bar",
                    x=["6N", "6N + 12Lsd", "FlopCounterMode"], x_label="", y_label="GFLOPs/token",
                    series=[Series(name="GFLOPs/token", unit="GFLOPs",
                                   values=[dense_only / 1e9, predicted_train / 1e9, counted["train"] / 1e9])])]
    notes = [
        "参数量的“实测”是 transformers 在 meta 设备上构建的模型的 sum(p.numel())"
        "（共享的 embedding 只算一次），不分配内存；"
        "配置数值取自各模型在 Hugging Face 上的 config.json（表中 config_source）。",
        "N = 参与矩阵乘的权重（各层 Linear + lm_head，不含 embedding 查表与 norm）；FlopCounterMode 只数矩阵乘"
        "（mm/addmm/bmm），按 2·m·n·k；注意力按完整 s×s 计（不因因果掩码减半），与 PaLM 附录 B 的口径一致。",
        "FLOPs 用 eager 注意力数（QKᵀ 与 PV 是 FlopCounterMode 数得到的 bmm）；计时用 SDPA（FlashAttention），"
        "MFU 的分子是模型 FLOPs 6N + 12Lsd，不含重算。",
        f"峰值是本次运行中 {p['matmul_size']}³ 矩阵乘的最好成绩（实测），不是数据表数值；计算器假设 G 张同型 GPU、"
        "MFU 不随规模变化，且不计通信与故障。",
        "Llama 2 一行用论文表 2 报告的 A100 GPU 小时与 2.0T token 反推 MFU = (6N + 12Lsd)·D / (GPU 小时·3600·"
        "312 TFLOP/s，A100 数据表的 bf16 稠密峰值)，s = 4096。",
    ]
    if device == "cpu":
        notes.append("CPU 上全程 fp32、峰值是 fp32 矩阵乘；步时受其他进程影响，预测步时的检查只在 GPU 上做。")
    return ctx.result(SPEC, p, tables=tables, charts=charts, checks=checks, notes=notes)
