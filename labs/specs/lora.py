"""The `lora` lab's spec: its id, titles, concepts and parameters (no torch needed to read it)."""

from __future__ import annotations

from typing import Any

from labs import formulas
from labs.core.spec import LabSpec, Param


def estimate_bytes(params: dict[str, Any], device: str) -> float:
    """Full fine-tuning is the largest method: fp32 AdamW over every parameter, the activations and the loss; the
    host also keeps the base model's state dict (copied into each method's fresh model) and every token batch."""
    shape = formulas.ModelShape("lora", hidden=params["d_model"], layers=params["n_layer"], heads=params["n_head"],
                                kv_heads=params["n_head"], intermediate=params["d_ff"], vocab=params["vocab_size"])
    peak = formulas.decoder_training_peak_bytes(shape, params["seq_len"], params["batch_size"])
    host = formulas.FP32_BYTES * formulas.param_count(shape) + 8 * params["steps"] * params["batch_size"] * (
        params["seq_len"] + 1)  # int64 token ids, made before the first step
    return peak + formulas.RUNTIME_BYTES + (host if device == "cpu" else 0)


SPEC = LabSpec(
    id="lora",
    title_zh="LoRA：可训练参数、显存与效果",
    title_en="LoRA: trainable parameters, memory and quality",
    summary_zh="同一个模型做全量微调与 rank 1–64 的 LoRA（PEFT 实现）：可训练参数 r·(d_in+d_out)、AdamW 状态字节、"
               "峰值显存、步时、N 步后的损失与适配器文件大小，预测值与实测值分开报告。",
    summary_en="One model, full fine-tuning against LoRA (PEFT) at ranks 1–64: trainable parameters "
               "r·(d_in+d_out), AdamW state bytes, peak memory, step time, loss after N steps and adapter file size, "
               "predicted and measured reported apart.",
    concepts=("lora", "peft"),
    params=(
        Param("n_layer", "int", 8, "层数", "decoder layers", 1, 96),
        Param("n_head", "int", 16, "注意力头数", "attention heads", 1, 128),
        Param("d_model", "int", 1024, "隐藏维度", "hidden size", 8, 16384),
        Param("d_ff", "int", 2816, "MLP 中间维度", "MLP intermediate size", 8, 65536),
        Param("vocab_size", "int", 32000, "词表大小", "vocabulary size", 8, 262144),
        Param("seq_len", "int", 512, "序列长度", "tokens per sequence", 4, 32768),
        Param("batch_size", "int", 8, "每步序列数", "sequences per step", 1, 4096),
        Param("steps", "int", 50, "每种方法的训练步数", "training steps per method", 2, 10000),
        Param("warmup_steps", "int", 5, "不计时的预热步数", "untimed warm-up steps", 1, 1000),
        Param("ranks", "str", "1,2,4,8,16,32,64", "LoRA 的 rank 列表（逗号分隔）", "LoRA ranks, comma separated"),
        Param("target_modules", "str", "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
              "加 LoRA 的线性层名（逗号分隔）", "names of the nn.Linear modules LoRA adapts"),
        Param("alpha_over_rank", "float", 2.0, "lora_alpha = 该值 × r", "lora_alpha = this × r", 0.0, 1000.0),
        Param("lr_lora", "float", 1e-3, "LoRA 学习率", "learning rate for LoRA", 0.0, 1.0),
        Param("lr_full", "float", 1e-4, "全量微调学习率", "learning rate for full fine-tuning", 0.0, 1.0),
        Param("seed", "int", 0, "随机种子", "random seed"),
    ),
    cpu_size={"n_layer": 1, "n_head": 4, "d_model": 64, "d_ff": 176, "vocab_size": 128, "seq_len": 16,
              "batch_size": 4, "steps": 10, "warmup_steps": 2, "lr_lora": 3e-3, "lr_full": 1e-3},
    gpu_size={},
    estimate_bytes=estimate_bytes,
)
