"""LoRA：可训练参数、显存与效果 — full fine-tuning vs PEFT's LoRA at ranks 1…64 on the same model.

    python -m labs run lora --device cpu                          # tiny Llama-style model, about 20 s
    python -m labs run lora --device cuda --out lora.json         # ~150M-parameter model built from a config
    python -m labs run lora --device cuda --set ranks=4,16,64 --set steps=100

The base model is a transformers LlamaForCausalLM built from a LlamaConfig (random weights, nothing downloaded);
LoRA is PEFT's own implementation (get_peft_model). Per method: trainable parameters (counted from requires_grad),
AdamW state bytes (read from the optimizer's state tensors), peak allocator memory (GPU), step time, loss after
N steps of next-token training on patterned data, and the size on disk of what you have to keep (the adapter's
safetensors file vs torch.save of the whole state dict).
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from labs import formulas
from labs.core.data import permutation_batches
from labs.core.schema import Chart, Check, Series, Table
from labs.specs.lora import SPEC

FP32_BYTES = formulas.FP32_BYTES


def _ranks(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _base_model(p: dict):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=p["vocab_size"], hidden_size=p["d_model"], intermediate_size=p["d_ff"],
                         num_hidden_layers=p["n_layer"], num_attention_heads=p["n_head"],
                         num_key_value_heads=p["n_head"], max_position_embeddings=p["seq_len"],
                         tie_word_embeddings=False)
    torch.manual_seed(p["seed"])
    return LlamaForCausalLM(config)


def _batches(p: dict, device: str) -> list[torch.Tensor]:
    """Next token = perm[current] from random starts: a pattern the random base model has to learn."""
    return permutation_batches(vocab_size=p["vocab_size"], batch_size=p["batch_size"], seq_len=p["seq_len"],
                               steps=p["steps"], seed=p["seed"] + 1, device=device)


def _predicted_lora_params(base: nn.Module, targets: list[str], rank: int) -> tuple[int, int]:
    """Σ r·(d_in + d_out) over the adapted nn.Linear layers, from the layers' shapes; and how many layers."""
    layers = [m for name, m in base.named_modules() if isinstance(m, nn.Linear) and name.split(".")[-1] in targets]
    return formulas.lora_params(((m.in_features, m.out_features) for m in layers), rank), len(layers)


def _now(device: str):
    if device == "cuda":
        event = torch.cuda.Event(enable_timing=True)
        event.record()
        return event
    return time.perf_counter()


def _elapsed_ms(start, end, device: str) -> float:
    if device == "cuda":
        torch.cuda.synchronize()
        return start.elapsed_time(end)
    return (end - start) * 1e3


def _train(model: nn.Module, lr: float, p: dict, batches: list[torch.Tensor], device: str) -> dict:
    trainable = [q for q in model.parameters() if q.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=lr)
    losses, start = [], None
    for step, tokens in enumerate(batches):
        if step == p["warmup_steps"]:
            start = _now(device)
        logits = model(input_ids=tokens[:, :-1]).logits
        loss = F.cross_entropy(logits.float().flatten(0, 1), tokens[:, 1:].flatten())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    step_ms = _elapsed_ms(start, _now(device), device) / (len(batches) - p["warmup_steps"])
    moments = [state[key] for state in optimizer.state.values() for key in ("exp_avg", "exp_avg_sq")]
    return {"losses": [float(x) for x in losses], "step_ms": step_ms,
            "trainable": sum(q.numel() for q in trainable),
            "adam_state_bytes": sum(t.numel() * t.element_size() for t in moments),
            "peak_mem_bytes": torch.cuda.max_memory_allocated() if device == "cuda" else None}


def _fresh(device: str) -> None:
    gc.collect()  # the previous method's model and optimizer must be gone before the peak is reset
    if device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def run(params: dict, ctx):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is built from a config: nothing to download
    from peft import LoraConfig, get_peft_model

    device, p = ctx.device, params
    if p["warmup_steps"] >= p["steps"]:
        raise ValueError("warmup_steps must be below steps")
    ranks, targets = _ranks(p["ranks"]), [t.strip() for t in p["target_modules"].split(",") if t.strip()]
    ctx.progress("构建基座模型", 0.0)
    base_state = {k: v.clone() for k, v in _base_model(p).state_dict().items()}
    batches = _batches(p, device)
    total_params = sum(v.numel() for v in _base_model(p).parameters())
    methods, checks = {}, []
    with tempfile.TemporaryDirectory() as folder:
        for index, rank in enumerate([0, *ranks]):  # rank 0 stands for full fine-tuning
            name = "full" if rank == 0 else f"lora r={rank}"
            ctx.progress(f"训练 {name}", 0.05 + 0.9 * index / (len(ranks) + 1))
            _fresh(device)
            model = _base_model(p)
            model.load_state_dict(base_state)
            if rank == 0:
                predicted, n_layers = total_params, 0
            else:
                predicted, n_layers = _predicted_lora_params(model, targets, rank)
                model = get_peft_model(model, LoraConfig(r=rank, lora_alpha=p["alpha_over_rank"] * rank,
                                                         target_modules=targets, lora_dropout=0.0))
            model.to(device)
            measured = _train(model, p["lr_full"] if rank == 0 else p["lr_lora"], p, batches, device)
            path = Path(folder) / name.replace(" ", "_").replace("=", "")
            if rank == 0:
                path.mkdir()
                torch.save(model.state_dict(), path / "model.pt")
                saved = path / "model.pt"
            else:
                model.save_pretrained(path)
                saved = path / "adapter_model.safetensors"
            methods[name] = {**measured, "rank": rank, "predicted": predicted, "layers": n_layers,
                             "file_bytes": saved.stat().st_size}
            del model

    rows = []
    for name, m in methods.items():
        rows.append([name, m["rank"], m["layers"], m["predicted"], m["trainable"],
                     round(m["trainable"] / total_params, 6), formulas.adam_state_bytes(m["trainable"]),
                     m["adam_state_bytes"], m["peak_mem_bytes"], round(m["step_ms"], 3),
                     round(m["losses"][-1], 4), FP32_BYTES * m["trainable"], m["file_bytes"]])
        claim = ("全量微调：可训练参数 = 模型全部参数" if m["rank"] == 0 else
                 f"LoRA r={m['rank']}：可训练参数 = Σ r·(d_in+d_out)，{m['layers']} 个被适配的线性层")
        checks.append(Check.compare(claim, m["predicted"], m["trainable"], unit="params", tolerance=0.0))
    full, largest = methods["full"], methods[f"lora r={max(ranks)}"] if ranks else None
    for name, m in (("全量微调", full), (f"LoRA r={max(ranks)}", largest)):
        if m is None:
            continue
        checks.append(Check.compare(f"{name}：AdamW 状态 = 2×4 字节 × 可训练参数（m 与 v，fp32）",
                                    formulas.adam_state_bytes(m["trainable"]), m["adam_state_bytes"], unit="bytes",
                                    tolerance=0.0))
        checks.append(Check.compare(f"{name}：要保存的文件 ≈ 4 字节 × 可训练参数（fp32；文件头另计）",
                                    FP32_BYTES * m["trainable"], m["file_bytes"], unit="bytes", tolerance=0.05))
    lora_names = [f"lora r={r}" for r in ranks]
    charts = [
        Chart(title="可训练参数随 rank 变化（建议对数坐标）", kind="line", x=ranks, x_label="rank r",
              y_label="trainable params", series=[
                  Series(name="LoRA (measured)", values=[methods[n]["trainable"] for n in lora_names]),
                  Series(name="full fine-tuning", values=[full["trainable"]] * len(ranks))]),
        Chart(title=f"{p['steps']} 步后的损失随 rank 变化", kind="line", x=ranks, x_label="rank r", y_label="loss",
              series=[Series(name="LoRA", values=[methods[n]["losses"][-1] for n in lora_names]),
                      Series(name="full fine-tuning", values=[full["losses"][-1]] * len(ranks))]),
        Chart(title="训练损失曲线", kind="line", x=list(range(1, p["steps"] + 1)), x_label="step", y_label="loss",
              series=[Series(name=name, values=m["losses"]) for name, m in methods.items()]),
    ]
    table = Table(title="全量微调 vs LoRA（同一基座模型、同样的数据）", columns=[
        "method", "rank", "adapted_layers", "trainable_params_predicted", "trainable_params", "trainable_fraction",
        "adam_state_bytes_predicted", "adam_state_bytes", "peak_mem_bytes", "step_ms", "final_loss",
        "file_bytes_predicted", "file_bytes"], rows=rows)
    notes = [
        "基座模型是 transformers LlamaForCausalLM，由 LlamaConfig 随机初始化（未下载任何权重）；LoRA 用 PEFT 的 "
        "get_peft_model，lora_alpha = alpha_over_rank × r，lora_dropout = 0。",
        "可训练参数的“实测”是 requires_grad 参数的 numel 之和；AdamW 状态的“实测”是优化器 state 里 exp_avg 与 "
        "exp_avg_sq 张量的字节数（每个参数另有一个 step 计数张量，未计入）。",
        "文件大小：LoRA 为 save_pretrained 写出的 adapter_model.safetensors，全量微调为 torch.save(state_dict)。",
        "当 r 接近 d 时 LoRA 的可训练参数可以超过被替换的权重本身（r·(d_in+d_out) > d_in·d_out）：小模型上 rank 64 "
        "并不省参数。",
        "峰值显存只在 GPU 上报告（torch.cuda.max_memory_allocated）；CPU 上为 n/a。",
        "任务：按固定置换生成的序列做下一个 token 预测；基座是随机初始化而非预训练模型，损失只用于同条件下的比较。",
    ]
    return ctx.result(SPEC, p, tables=[table], charts=charts, checks=checks, notes=notes)
