"""The `kv-cache` lab's spec: its id, titles, concepts and parameters (no torch needed to read it)."""

from __future__ import annotations

from typing import Any

from labs import formulas
from labs.core.spec import LabSpec, Param, ParamError


def kv_heads_list(text: str) -> list[int]:
    return [int(part) for part in str(text).split(",") if part.strip()]


def _check_params(params: dict) -> None:
    for kv_heads in kv_heads_list(params["kv_heads"]):
        if params["heads"] % kv_heads:
            raise ParamError(f"kv_heads: {kv_heads} must divide heads ({params['heads']})")
    if params["floor_heads"] % params["floor_kv_heads"]:
        raise ParamError("floor_kv_heads must divide floor_heads")



def estimate_bytes(params: dict[str, Any], device: str) -> float:
    """One decoder at a time: the widest variant (most KV heads), its cache for prompt + new tokens and one forward
    over the whole sequence (decoding without the cache); the bandwidth copy (2 × 4 GiB on a GPU); and, on a GPU,
    the floor model (Llama-405B-sized layers) at its largest batch."""
    element = 2 if params["dtype"] == "bf16" else formulas.FP32_BYTES
    seq_len = params["prompt_len"] + params["new_tokens"]

    def decoder(prefix: str, kv_heads: int, batch: int, length: int) -> float:
        shape = formulas.ModelShape("kv", hidden=params[f"{prefix}hidden"], layers=params[f"{prefix}layers"],
                                    heads=params[f"{prefix}heads"], kv_heads=kv_heads,
                                    intermediate=params[f"{prefix}intermediate"], vocab=params[f"{prefix}vocab_size"])
        return formulas.decoder_inference_bytes(shape, batch, length, element)

    peaks = [decoder("", max(kv_heads_list(params["kv_heads"])), params["batch"], seq_len),
             2.0 * (2**33 if device == "cuda" else 2**28)]
    if params["floor"] and device == "cuda":
        peaks.append(decoder("floor_", params["floor_kv_heads"], max(kv_heads_list(params["floor_batches"])),
                             params["floor_prompt_len"] + params["new_tokens"]))
    return max(peaks) + formulas.RUNTIME_BYTES


SPEC = LabSpec(
    id="kv-cache",
    title_zh="KV 缓存：每个 token 多少字节，解码为什么受显存带宽限制",
    title_en="The KV cache: bytes per token, and why decoding is memory-bound",
    summary_zh="用 transformers 的 LlamaConfig 随机初始化（不下载）MHA、GQA、MQA 三种解码器：实测缓存字节/token 对照 "
               "2·层数·KV 头数·头维度·字节；有缓存与无缓存（每步重算前缀）的解码 tokens/s；以及显存带宽下限"
               "（每步读的字节 ÷ 实测带宽）与实测每步时间。",
    summary_en="MHA, GQA and MQA decoders built from transformers' LlamaConfig with random weights (nothing "
               "downloaded): cache bytes per token measured against 2·layers·kv_heads·head_dim·bytes; decode tokens/s "
               "with and without the cache; the memory-bound floor (bytes read per step ÷ measured bandwidth) against "
               "the measured time per step.",
    concepts=("kv-cache", "gqa", "roofline", "memory-optimization"),
    params=(
        Param("hidden", "int", 4096, "隐藏维度（默认 Llama-2-7B）", "hidden size (Llama-2-7B by default)", 8, 65536),
        Param("layers", "int", 32, "层数", "decoder layers", 1, 256),
        Param("heads", "int", 32, "注意力头数", "attention heads", 1, 256),
        Param("kv_heads", "str", "32,8,1", "各变体的 KV 头数：MHA = heads，GQA，MQA = 1", "KV heads per variant"),
        Param("intermediate", "int", 11008, "MLP 中间维度", "MLP intermediate size", 8, 262144),
        Param("vocab_size", "int", 32000, "词表大小", "vocabulary size", 8, 262144),
        Param("batch", "int", 8, "并发序列数", "sequences decoded together", 1, 1024),
        Param("prompt_len", "int", 512, "提示长度（prefill）", "prompt tokens (prefill)", 1, 131072),
        Param("new_tokens", "int", 32, "解码的新 token 数", "tokens decoded", 2, 4096),
        Param("dtype", "str", "bf16", "权重与缓存的数据类型", "weights and cache dtype", choices=("bf16", "fp32")),
        Param("floor", "bool", True, "测带宽下限（大层，只在 GPU 上）", "measure the bandwidth floor (GPU)"),
        Param("floor_batches", "str", "1,8,64", "下限模型解码的 batch（逗号分隔；检查用最后一个）",
              "floor model batches (the check uses the last)"),
        Param("floor_prompt_len", "int", 128, "下限模型的提示长度", "floor model prompt tokens", 1, 131072),
        Param("floor_hidden", "int", 16384, "下限模型的隐藏维度（Llama-3.1-405B 的层形状）", "floor model hidden size",
              8, 65536),
        Param("floor_heads", "int", 128, "下限模型的头数", "floor model heads", 1, 256),
        Param("floor_kv_heads", "int", 8, "下限模型的 KV 头数", "floor model KV heads", 1, 256),
        Param("floor_intermediate", "int", 53248, "下限模型的 MLP 中间维度", "floor model MLP size", 8, 262144),
        Param("floor_layers", "int", 2, "下限模型的层数", "floor model layers", 1, 256),
        Param("floor_vocab_size", "int", 128256, "下限模型的词表", "floor model vocabulary", 8, 262144),
        Param("seed", "int", 0, "随机种子", "random seed"),
    ),
    cpu_size={"hidden": 64, "layers": 2, "heads": 4, "kv_heads": "4,2,1", "intermediate": 176, "vocab_size": 128,
              "batch": 2, "prompt_len": 16, "new_tokens": 8, "dtype": "fp32", "floor": False},
    gpu_size={},
    validate=_check_params,
    estimate_bytes=estimate_bytes,
    # 2: the floor check times the step's matrix products (F.linear over every weight), not the whole HF step,
    #    whose framework overhead on an H200 was ten times the weight reads (reference result of version 1)
    version="2",
)
